//! Fault injection for tests, at every write, rename and git step of a run (counted from 1):
//! `FLUXFLEET_FAIL_AT=N` makes step N fail, so tests can show that every failure rolls back;
//! `FLUXFLEET_STOP_AT=N` stops the process (SIGSTOP) before step N, so a test can deliver a
//! signal at exactly that point, or run git meanwhile, without relying on timing.
//!
//! Compiled in only with the `fault-injection` feature, which the tests turn on; in any other
//! build [`point`] does nothing and the variables mean nothing.

#[cfg(not(feature = "fault-injection"))]
use crate::error::Result;

#[cfg(feature = "fault-injection")]
pub use injected::point;

/// Without the `fault-injection` feature: nothing.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn point(_what: &str) -> Result<()> {
    Ok(())
}

#[cfg(feature = "fault-injection")]
mod injected {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use crate::error::{Error, Result};

    static STEPS: AtomicUsize = AtomicUsize::new(0);

    fn step_named(var: &str) -> Option<usize> {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
    }

    /// Counts one fallible step; fails it when it is the one `FLUXFLEET_FAIL_AT` names, and
    /// stops the process before it when it is the one `FLUXFLEET_STOP_AT` names.
    pub fn point(what: &str) -> Result<()> {
        let fail_at = step_named("FLUXFLEET_FAIL_AT");
        let stop_at = step_named("FLUXFLEET_STOP_AT");
        if fail_at.is_none() && stop_at.is_none() {
            return Ok(());
        }
        let step = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
        if stop_at == Some(step) {
            stop();
        }
        if fail_at == Some(step) {
            return Err(Error::io(
                what,
                std::io::Error::other(format!("injected failure at step {step}")),
            ));
        }
        Ok(())
    }

    #[cfg(unix)]
    fn stop() {
        use rustix::process::{getpid, kill_process, Signal};
        let _ = kill_process(getpid(), Signal::STOP);
    }

    #[cfg(not(unix))]
    fn stop() {}
}
