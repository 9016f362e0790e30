//! Step 1 of the pipeline: read the repository into a [`Fleet`] snapshot. Reading never writes.
