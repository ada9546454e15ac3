//! Progress of long command-line work (import, export, generate): a bar on a terminal,
//! else a line every few seconds, in the units the work counts.

use std::time::{Duration, Instant};

/// How progress is shown.
pub trait Progress {
    /// A phase begins, with this many steps to go (0: unknown), counted in `unit`
    /// (`records`, `rows`, `bytes`).
    fn phase(&mut self, name: &str, total: u64, unit: &'static str);
    /// `n` more steps are done.
    fn advance(&mut self, n: u64);
    /// The phase is over.
    fn finish(&mut self);
}

/// No progress shown.
pub struct Quiet;

impl Progress for Quiet {
    fn phase(&mut self, _: &str, _: u64, _: &'static str) {}
    fn advance(&mut self, _: u64) {}
    fn finish(&mut self) {}
}

/// A progress bar with rate and time left, on a terminal.
pub struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    /// A bar on standard error.
    pub fn new() -> Bar {
        Bar(None)
    }
}

impl Default for Bar {
    fn default() -> Self {
        Bar::new()
    }
}

impl Progress for Bar {
    fn phase(&mut self, name: &str, total: u64, unit: &'static str) {
        let (bar, template) = if total == 0 {
            let template = format!("{{msg:>9}} {{spinner}} {{pos}} {unit}, {{per_sec}}");
            (indicatif::ProgressBar::new_spinner(), template)
        } else {
            let template = format!(
                "{{msg:>9}} [{{bar:40}}] {{pos}}/{{len}} {unit}, {{per_sec}}, {{eta}} left"
            );
            (indicatif::ProgressBar::new(total), template)
        };
        let style = indicatif::ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(name.to_string());
        self.0 = Some(bar);
    }

    fn advance(&mut self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    fn finish(&mut self) {
        if let Some(b) = self.0.take() {
            b.finish();
        }
    }
}

/// Progress as plain lines every few seconds (when the output is not a terminal).
pub struct Lines {
    name: String,
    unit: &'static str,
    total: u64,
    done: u64,
    started: Instant,
    said: Instant,
    every: Duration,
}

impl Lines {
    /// A line at most every `every`.
    pub fn new(every: Duration) -> Lines {
        Lines {
            name: String::new(),
            unit: "records",
            total: 0,
            done: 0,
            started: Instant::now(),
            said: Instant::now(),
            every,
        }
    }

    fn say(&self) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = self.done as f64 / secs;
        let left = if rate > 0.0 {
            (self.total.saturating_sub(self.done)) as f64 / rate
        } else {
            0.0
        };
        if self.total == 0 {
            eprintln!("{}: {} {}, {:.0}/s", self.name, self.done, self.unit, rate);
        } else {
            eprintln!(
                "{}: {}/{} {}, {:.0}/s, about {:.0} s left",
                self.name, self.done, self.total, self.unit, rate, left
            );
        }
    }
}

impl Progress for Lines {
    fn phase(&mut self, name: &str, total: u64, unit: &'static str) {
        (self.name, self.total, self.done, self.unit) = (name.to_string(), total, 0, unit);
        self.started = Instant::now();
        self.said = Instant::now();
    }

    fn advance(&mut self, n: u64) {
        self.done += n;
        if self.said.elapsed() >= self.every {
            self.said = Instant::now();
            self.say();
        }
    }

    fn finish(&mut self) {
        self.say();
    }
}
