//! The servers under test, each a child process on 127.0.0.1: started, probed until
//! ready, measured (resident memory from `/proc`), and stopped when dropped.

use std::{
    fs::{self, File},
    path::Path,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use crate::{Fallible, http};

/// One server under test.
pub struct Server {
    /// Its label in logs.
    pub name: String,
    /// `host:port` it listens on.
    pub addr: String,
    child: Child,
}

impl Server {
    /// Starts `command`, with its output in `log`.
    pub fn start(name: &str, addr: &str, mut command: Command, log: &Path) -> Fallible<Server> {
        let out = File::create(log)?;
        let err = out.try_clone()?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        Ok(Server {
            name: name.to_owned(),
            addr: addr.to_owned(),
            child,
        })
    }

    /// Waits until `probe` answers 200 (a GET of this path, or a POST of a trivial query
    /// when it ends in `/graphql`).
    pub fn wait_ready(&mut self, probe: &str, within: Duration) -> Fallible<()> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!("{} exited early ({status})", self.name).into());
            }
            let answer = if probe.ends_with("/graphql") {
                http::post(&self.addr, probe, &[], r#"{"query":"{ __typename }"}"#)
            } else {
                http::get(&self.addr, probe)
            };
            if matches!(answer, Ok(ref a) if a.status == 200) {
                return Ok(());
            }
            if start.elapsed() > within {
                return Err(format!("{} is not ready after {within:?}", self.name).into());
            }
            thread::sleep(Duration::from_millis(200));
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resets the peak of resident memory (`VmHWM`), so that the next reading is the peak
    /// of what follows.
    pub fn reset_peak(&self) {
        // Writing 5 to clear_refs resets the peak resident set size (Linux 4.0+).
        let _ = fs::write(format!("/proc/{}/clear_refs", self.pid()), "5");
    }

    /// Peak resident memory since the last reset, in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        status_kib(self.pid(), "VmHWM:") / 1024.0
    }

    /// Resident memory now, in MiB.
    pub fn rss_mib(&self) -> f64 {
        status_kib(self.pid(), "VmRSS:") / 1024.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM first (Agora drains; nothing is in flight by now), then make sure.
        let _ = Command::new("kill")
            .arg(self.pid().to_string())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `kB` field of `/proc/PID/status`, in KiB (0 when unreadable).
fn status_kib(pid: u32, field: &str) -> f64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0.0)
}
