//! The servers under test, each a child process on 127.0.0.1: started, probed until
//! ready, measured (resident memory from `/proc`, summed over the process and its
//! descendants, such as PostGraphile's cluster workers), and stopped when dropped.

use std::{
    collections::HashMap,
    fs::{self, File},
    path::{Path, PathBuf},
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
    /// Its output.
    log: PathBuf,
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
            log: log.to_owned(),
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

    /// Waits until its output has a line that contains `marker` (a server of several
    /// processes saying that all of them listen).
    pub fn wait_log(&mut self, marker: &str, within: Duration) -> Fallible<()> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!("{} exited early ({status})", self.name).into());
            }
            let log = fs::read_to_string(&self.log).unwrap_or_default();
            if log.lines().any(|l| l.contains(marker)) {
                return Ok(());
            }
            if start.elapsed() > within {
                return Err(
                    format!("{} did not print {marker:?} within {within:?}", self.name).into(),
                );
            }
            thread::sleep(Duration::from_millis(200));
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process and its descendants now (a cluster's primary and its workers).
    pub fn pids(&self) -> Vec<u32> {
        process_tree(self.pid())
    }

    /// Resets the peak of resident memory (`VmHWM`) of every process of the server, so
    /// that the next reading is the peak of what follows.
    pub fn reset_peak(&self) {
        for pid in self.pids() {
            // Writing 5 to clear_refs resets the peak resident set size (Linux 4.0+).
            let _ = fs::write(format!("/proc/{pid}/clear_refs"), "5");
        }
    }

    /// Peak resident memory since the last reset, in MiB: the sum of the peaks of its
    /// processes (each process's own peak, wherever in the run it came).
    pub fn peak_rss_mib(&self) -> f64 {
        self.pids()
            .into_iter()
            .map(|pid| status_kib(pid, "VmHWM:"))
            .sum::<f64>()
            / 1024.0
    }

    /// Resident memory now, in MiB, summed over its processes.
    pub fn rss_mib(&self) -> f64 {
        self.pids()
            .into_iter()
            .map(|pid| status_kib(pid, "VmRSS:"))
            .sum::<f64>()
            / 1024.0
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
        // Still there: kill its descendants (a cluster's workers), then itself.
        for pid in self.pids().into_iter().skip(1) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `root` and its descendants, `root` first, from the parent ids in `/proc/*/stat` (this
/// kernel may lack `/proc/PID/task/TID/children`).
fn process_tree(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if let Some(ppid) = fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|stat| parent_of(&stat))
        {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while let Some(&pid) = tree.get(i) {
        tree.extend(children.get(&pid).into_iter().flatten());
        i += 1;
    }
    tree
}

/// The parent id in the text of `/proc/PID/stat`: the second field after the command,
/// which is in parentheses and may hold spaces or parentheses itself.
fn parent_of(stat: &str) -> Option<u32> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parent_of_reads_past_odd_command_names() {
        assert_eq!(parent_of("42 (node) S 7 42 42 0 -1"), Some(7));
        assert_eq!(parent_of("42 (a (b) c) R 9 1 1"), Some(9));
        assert_eq!(parent_of("garbage"), None);
    }

    #[test]
    fn the_tree_of_this_process_holds_its_children() {
        let mut child = Command::new("sleep").arg("5").spawn().unwrap();
        let tree = process_tree(std::process::id());
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(tree.first(), Some(&std::process::id()));
        assert!(tree.contains(&child.id()));
    }
}
