//! Fault injection for tests: `FLUXFLEET_FAIL_AT=N` makes the Nth write, rename or git step of
//! a run fail, so tests can show that every failure point rolls back.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

static STEPS: AtomicUsize = AtomicUsize::new(0);

/// Counts one fallible step; fails it when it is the one `FLUXFLEET_FAIL_AT` names.
pub fn point(what: &str) -> Result<()> {
    let Some(fail_at) = std::env::var("FLUXFLEET_FAIL_AT")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    else {
        return Ok(());
    };
    let step = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
    if step == fail_at {
        return Err(Error::io(
            what,
            std::io::Error::other(format!("injected failure at step {step}")),
        ));
    }
    Ok(())
}
