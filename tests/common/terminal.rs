//! A terminal for the tests that drive prompts: a tmux session (a server of its own) whose
//! screen the test reads and whose keys it sends.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Sandbox;

/// A terminal session in tmux (a server of its own), running one shell command.
pub struct Terminal {
    socket: String,
}

impl Terminal {
    pub fn start(sandbox: &Sandbox, dir: &Path, command: &str) -> Terminal {
        static SESSIONS: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "fluxfleet-test-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        let home = sandbox.home().display().to_string();
        let script = format!(
            "cd '{}' && HOME='{home}' GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL='{home}/.gitconfig' \
             NO_COLOR=1 {command}; echo \"EXIT=$?\"; sleep 600",
            dir.display()
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "160",
            ])
            .args(["-y", "40", "bash", "--norc", "-c", &script])
            .status()
            .expect("tmux is required by this test (apt install tmux)");
        assert!(status.success());
        Terminal { socket }
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `text`; its content then. A run that never shows it fails
    /// the test after a minute rather than hanging it.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |screen| screen.contains(text))
    }

    /// Waits until the program reads the terminal key by key (raw mode): a key sent earlier
    /// may be discarded when the program switches the terminal to raw mode.
    pub fn wait_for_raw_mode(&self) {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "display-message", "-p", "#{pane_tty}"])
            .output()
            .expect("tmux runs");
        let tty = String::from_utf8_lossy(&out.stdout).trim().to_string();
        self.wait_until("raw mode", |_| {
            Command::new("stty")
                .args(["-F", &tty, "-a"])
                .output()
                .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("-icanon"))
        });
    }

    pub fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = std::time::Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(60),
                "no {what} after a minute; the screen:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The screen as lines, a line the terminal wrapped joined again, without trailing blanks
    /// or trailing empty lines: what a whole-screen assertion compares.
    pub fn lines(&self) -> Vec<String> {
        self.captured(&[])
    }

    /// [`Terminal::lines`] from the first line the session showed, the ones scrolled off the
    /// screen too.
    pub fn all_lines(&self) -> Vec<String> {
        self.captured(&["-S", "-"])
    }

    fn captured(&self, from: &[&str]) -> Vec<String> {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-J"])
            .args(from)
            .output()
            .expect("tmux runs");
        let screen = String::from_utf8_lossy(&out.stdout);
        let mut lines: Vec<String> = screen.lines().map(|l| l.trim_end().to_string()).collect();
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines
    }

    /// Types `text` literally, once the program reads key by key.
    pub fn type_text(&self, text: &str) {
        self.wait_for_raw_mode();
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-l", text])
            .status()
            .expect("tmux runs");
        assert!(status.success());
    }

    /// Presses `key` (tmux's name: Enter, Escape, Space, Down, q), once the program reads key
    /// by key.
    pub fn press(&self, key: &str) {
        self.wait_for_raw_mode();
        self.keys(key);
    }

    pub fn keys(&self, keys: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", keys])
            .status()
            .expect("tmux runs");
        assert!(status.success());
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}
