//! The README runs: every GraphQL example is sent to a freshly seeded server (the embedded
//! default, SQLite, as `cargo run --release -- serve` gives it) and its answer compared
//! with the one the README shows; every command example runs against a fresh database,
//! its output compared where the README shows one.
//!
//! Conventions of the README the test reads:
//! - a ```graphql block may name request headers after the language
//!   (```graphql Accept-Language=fr);
//! - a ```json block right after a ```graphql block is its answer (`extensions` left
//!   out); a string that ends with `…` stands for any text that starts with what comes
//!   before it;
//! - a ```bibtex block right after a ```graphql block is the one text its answer holds;
//! - ```sh blocks are commands (`cargo run --release -- ARGS` is the `agora` binary);
//! - ```text blocks that start with `$ ` are a command and its output, `...` standing for
//!   any text within a line.

use std::process::Command;

use serde_json::{Value, json};

use crate::common::{AGORA, Backend, TestApp};

/// A fenced block of the README: its info string, its text and its first line number.
struct Block {
    info: String,
    text: String,
    line: usize,
}

fn blocks() -> Vec<Block> {
    let readme = include_str!("../../README.md");
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (n, line) in readme.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(Block {
                    info: info.trim().to_string(),
                    text: String::new(),
                    line: n + 1,
                });
            }
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some(block), None) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// Whether `actual` is what `expected` shows (strings ending in `…` are prefixes).
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(e), Value::String(a)) => match e.strip_suffix('…') {
            Some(prefix) => a.starts_with(prefix),
            None => e == a,
        },
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(e, a)| matches(e, a))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|a| matches(v, a)))
        }
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        _ => expected == actual,
    }
}

/// The one string leaf of `value`.
fn only_text(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(m) if m.len() == 1 => m.values().next().and_then(only_text),
        _ => None,
    }
}

#[tokio::test]
async fn every_graphql_example_of_the_readme_answers_as_shown() {
    let app = TestApp::start(Backend::Sqlite, true).await.expect("SQLite");
    let blocks = blocks();
    let mut ran = 0;
    for (i, block) in blocks.iter().enumerate() {
        let mut info = block.info.split_whitespace();
        if info.next() != Some("graphql") {
            continue;
        }
        let headers: Vec<(String, String)> = info
            .filter_map(|h| h.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut answer = app.post_with(&block.text, json!({}), &headers).await;
        let line = block.line;
        assert!(
            answer.get("errors").is_none(),
            "README line {line}: {answer:#}"
        );
        if let Some(map) = answer.as_object_mut() {
            map.remove("extensions");
        }
        ran += 1;
        let Some(next) = blocks.get(i + 1) else {
            continue;
        };
        match next.info.as_str() {
            "json" => {
                let expected: Value = serde_json::from_str(&next.text)
                    .unwrap_or_else(|e| panic!("README line {}: not JSON: {e}", next.line));
                assert!(
                    matches(&expected, &answer),
                    "README line {line}: the answer differs from the one shown at line {}:\n{answer}",
                    next.line
                );
            }
            "bibtex" => {
                let text = only_text(&answer["data"]).unwrap_or_default();
                assert_eq!(
                    text.trim(),
                    next.text.trim(),
                    "README line {line}: the text shown at line {}",
                    next.line
                );
            }
            _ => {}
        }
    }
    assert!(ran >= 9, "only {ran} GraphQL examples found");
}

/// The arguments of `agora` in a README command line, if it is one
/// (`cargo run --release -- ARGS`, comments after `#` left out).
fn agora_args(line: &str) -> Option<Vec<String>> {
    let rest = line.trim().strip_prefix("cargo run --release -- ")?;
    let rest = rest.split(" #").next().unwrap_or(rest);
    // The README quotes JSON in single quotes.
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in rest.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !current.is_empty() {
                    args.push(std::mem::take(&mut current));
                }
                any = false;
            }
            c => current.push(c),
        }
    }
    if any || !current.is_empty() {
        args.push(current);
    }
    Some(args)
}

/// Runs `agora args` in `dir`; returns its success and standard output.
fn agora(dir: &std::path::Path, args: &[String]) -> (bool, String, String) {
    let out = Command::new(AGORA)
        .args(args)
        .current_dir(dir)
        .env_remove("AGORA_DATABASE_URL")
        .env("AGORA_LOG", "warn")
        .output()
        .expect("agora runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether `actual` is the line `expected`, where `...` stands for any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let mut rest = actual;
    let parts: Vec<&str> = expected.split("...").collect();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

#[test]
fn every_command_example_of_the_readme_runs_as_shown() {
    let dir = tempfile::tempdir().unwrap();
    let (seeded, _, stderr) = agora(dir.path(), &["seed".to_string()]);
    assert!(seeded, "{stderr}");
    let mut ran = 0;
    for block in blocks() {
        match block.info.as_str() {
            "sh" => {
                for line in block.text.lines() {
                    let Some(args) = agora_args(line) else {
                        continue;
                    };
                    if args.first().map(String::as_str) == Some("serve") {
                        continue;
                    }
                    let (ok, out, err) = agora(dir.path(), &args);
                    assert!(
                        ok,
                        "README line {}: `{line}` failed: {err}{out}",
                        block.line
                    );
                    ran += 1;
                }
            }
            "text" => {
                let mut lines = block.text.lines();
                let Some(args) = lines
                    .next()
                    .and_then(|l| l.strip_prefix("$ "))
                    .and_then(agora_args)
                else {
                    continue;
                };
                let (ok, out, err) = agora(dir.path(), &args);
                assert!(ok, "README line {}: failed: {err}", block.line);
                let expected: Vec<&str> = lines.collect();
                let actual: Vec<&str> = out.lines().collect();
                assert_eq!(
                    expected.len(),
                    actual.len(),
                    "README line {}: {out}",
                    block.line
                );
                for (e, a) in expected.iter().zip(&actual) {
                    assert!(
                        line_matches(e, a),
                        "README line {}: `{a}` is not `{e}`",
                        block.line
                    );
                }
                ran += 1;
            }
            _ => {}
        }
    }
    assert!(ran >= 4, "only {ran} command examples found");
}
