//! Load from a separate process: wrk, with `bench/wrk/request.lua` (which sends the
//! request, counts failed answers, and prints its figures as one line of JSON).

use std::{path::Path, process::Command};

use serde::{Deserialize, Serialize};

use crate::Fallible;

/// What one wrk run measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Measure {
    /// Completed requests.
    pub requests: u64,
    /// Requests per second.
    pub rps: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Answers that were not 200 or that carried GraphQL errors.
    pub failed: u64,
    /// Connect, read, write errors and timeouts.
    pub socket_errors: u64,
}

#[derive(Deserialize)]
struct Summary {
    requests: u64,
    seconds: f64,
    p50_us: f64,
    p99_us: f64,
    failed: u64,
    socket_errors: u64,
}

/// One request, as wrk sends it.
pub struct Load<'a> {
    /// Full URL.
    pub url: String,
    /// GET or POST.
    pub method: &'a str,
    /// The body file (POST).
    pub body: Option<&'a Path>,
    /// Extra headers, `Name: value`.
    pub headers: &'a [String],
}

/// Runs wrk with `connections` connections for `secs` seconds.
pub fn run(script: &Path, load: &Load<'_>, connections: u32, secs: u64) -> Fallible<Measure> {
    let threads = connections.clamp(1, 2);
    let mut command = Command::new("wrk");
    command
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{secs}s"))
        .args(["--timeout", "30s", "-s"])
        .arg(script)
        .arg(&load.url)
        .arg("--")
        .arg(load.body.map_or("-".into(), |p| p.display().to_string()))
        .arg(load.method)
        .args(load.headers);
    let out = command
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| {
            format!(
                "wrk printed no summary: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let s: Summary = serde_json::from_str(line)?;
    Ok(Measure {
        requests: s.requests,
        rps: if s.seconds > 0.0 {
            s.requests as f64 / s.seconds
        } else {
            0.0
        },
        p50_ms: s.p50_us / 1000.0,
        p99_ms: s.p99_us / 1000.0,
        failed: s.failed,
        socket_errors: s.socket_errors,
    })
}
