//! Step 2 of the pipeline: a command plans a [`ChangeSet`] from the fleet snapshot and its
//! options. Planning never touches disk or git; everything that can fail fails here.

mod changeset;
pub mod init;
pub mod layout;

pub use changeset::{branch_name, ChangeSet, FileChange};
