//! Step 3 of the pipeline: write a ChangeSet's files into the working tree, all of them or
//! none, given only the repository's root and the change. It knows neither the command line
//! nor git: the session ([`crate::session`]) records a run in its journal, writes through
//! [`Prepared`], and commits with [`crate::git`].
//!
//! Every file goes to a temporary sibling first ([`writer`]) and is renamed into place once
//! all are written; a failure undoes what was written.

mod guard;
pub(crate) mod writer;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::plan::ChangeSet;

pub use guard::{check as check_paths, check_description, check_root};

/// A change checked and turned into file steps, ready to write: every path inside the
/// repository, every file as the plan read it.
pub struct Prepared {
    pub steps: Vec<writer::Step>,
    /// The directories the change creates, parents first.
    pub dirs: Vec<PathBuf>,
    /// The run's token, which names its temporaries.
    pub token: String,
}

/// Checks `change` against the files under `root` and prepares its steps; writes nothing.
pub fn prepare(root: &Path, change: &ChangeSet) -> Result<Prepared> {
    guard::check(root, change)?;
    writer::verify_unchanged(root, change)?;
    let steps = writer::steps(root, change)?;
    let dirs = writer::new_dirs(root, &steps);
    Ok(Prepared {
        steps,
        dirs,
        token: writer::token(),
    })
}

impl Prepared {
    /// Writes the files: temporaries, a last look that nobody changed the originals, then the
    /// renames.
    pub fn write(&self, root: &Path, change: &ChangeSet) -> Result<()> {
        self.write_if(root, change, || Ok(()))
    }

    /// [`Prepared::write`], asking `proceed` once the temporaries are written whether the
    /// originals may be replaced; its refusal leaves them untouched.
    pub fn write_if(
        &self,
        root: &Path,
        change: &ChangeSet,
        proceed: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        writer::write_temps(root, &self.steps, &self.dirs, &self.token)?;
        proceed()?;
        // Writing the temporaries took time: look again, so that an editor's save in the
        // meantime aborts the run instead of being overwritten.
        writer::verify_unchanged(root, change)?;
        writer::install(root, &self.steps, &self.token)
    }
}

/// Writes `change` under `root` without git, all of it or nothing: refuses, writing nothing,
/// when a path leaves the repository or a file is not as the plan read it, and undoes what was
/// written when a later step fails.
pub fn apply(root: &Path, change: &ChangeSet) -> Result<()> {
    apply_with(root, change, || Ok(()))
}

/// [`apply`], then `then`, undoing the writes when it fails. Outside git there is no journal:
/// a failure is undone in place.
pub fn apply_with(
    root: &Path,
    change: &ChangeSet,
    then: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let prepared = prepare(root, change)?;
    let written = prepared.write(root, change).and_then(|()| then());
    if let Err(e) = written {
        let undone = writer::rollback(root, &prepared.steps, &prepared.dirs, &prepared.token);
        if !undone.failed.is_empty() {
            return Err(Error::refused(format!(
                "{e}\nundoing the run failed too: {} could not be put back as they were",
                undone.failed.join(", ")
            )));
        }
        return Err(e);
    }
    Ok(())
}
