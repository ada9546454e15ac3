//! The `agora` binary itself: its commands, and a real server answering over TCP.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::common::csv_column;

const AGORA: &str = env!("CARGO_BIN_EXE_agora");

/// Runs `agora` with `args` in `dir`, with no database or address from the environment.
fn output(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(AGORA)
        .args(args)
        .current_dir(dir)
        .env_remove("AGORA_DATABASE_URL")
        .env_remove("AGORA_LISTEN")
        .output()
        .expect("agora runs")
}

/// Runs `agora` with `args` in `dir`; returns its standard output.
fn run(dir: &std::path::Path, args: &[&str]) -> String {
    let out = output(dir, args);
    assert!(
        out.status.success(),
        "agora {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn schema_prints_schema_graphql() {
    let dir = tempfile::tempdir().unwrap();
    let printed = run(dir.path(), &["schema"]);
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(printed == file, "agora schema differs from schema.graphql");
}

#[test]
fn migrate_then_seed_twice() {
    let dir = tempfile::tempdir().unwrap();
    let url = "sqlite://seed.db?mode=rwc";
    assert!(run(dir.path(), &["migrate", "--database-url", url]).contains("migrations applied"));
    let first = run(dir.path(), &["seed", "--database-url", url]);
    // The press release's 24 records, the 6 sources of the graph, and 30 themes of the
    // controlled vocabularies.
    assert!(first.starts_with("seeded 60 records:"), "{first}");
    for record in [
        "Dialogue idm-2018",
        "Report A/72/643",
        "Organisation iom",
        "Person António Guterres",
        "Theme GCM",
        "Theme GCM-23",
        "Theme SDG-10.7.4",
    ] {
        assert!(first.contains(record), "{record} missing from:\n{first}");
    }
    let second = run(dir.path(), &["seed", "--database-url", url]);
    assert!(second.contains("already seeded"), "{second}");
}

/// A server process, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends one HTTP/1.1 request over a real TCP connection; returns the status line and body.
async fn http(addr: &str, request: String) -> (String, String) {
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("the server accepts connections");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head.lines().next().unwrap_or_default().to_string(),
        body.to_string(),
    )
}

#[tokio::test]
async fn serve_creates_migrates_seeds_and_answers_in_french() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("agora.toml"), "default_page_size = 3\n").unwrap();
    let mut child = Command::new(AGORA)
        .args(["--config", "agora.toml", "serve"])
        .current_dir(dir.path())
        .env("AGORA_LISTEN", "127.0.0.1:0")
        .env_remove("AGORA_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("agora serve starts");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(60), line)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        line.starts_with("Agora listening on http://127.0.0.1:"),
        "{line}"
    );
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    assert!(
        dir.path().join("agora.db").exists(),
        "the embedded database is created in the working directory"
    );

    let query = json!({ "query": r#"{ dialogueBySlug(slug: "idm-2018") { title { text lang }
        workshops { nodes { title { text } participants { edges { role node { name { text } } } } } } }
        dialogues { edges { cursor } } }"# })
    .to_string();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept-Language: fr\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{query}",
        query.len()
    );
    let (status, body) = http(&addr, request).await;
    assert!(status.contains("200"), "{status}");
    let body: Value = serde_json::from_str(&body).unwrap();
    let d = &body["data"]["dialogueBySlug"];
    assert_eq!(
        d["title"],
        json!({ "text": "Dialogue international sur la migration 2018", "lang": "fr" })
    );
    let first = &d["workshops"]["nodes"][0];
    assert!(
        first["title"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Premier atelier")
    );
    assert_eq!(
        first["participants"]["edges"][0],
        json!({ "role": "ORGANISER", "node": { "name": { "text": "Organisation internationale pour les migrations" } } })
    );
    // The configuration file was read.
    assert_eq!(
        body["data"]["dialogues"]["edges"].as_array().unwrap().len(),
        3
    );

    let (status, body) = http(&addr, format!("GET /graphql HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\nConnection: close\r\n\r\n")).await;
    assert!(
        status.contains("200") && body.contains("Agora GraphiQL"),
        "{status}"
    );
    // The root sends browsers to GraphiQL.
    let (status, _) = http(
        &addr,
        format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(status.starts_with("HTTP/1.1 303"), "{status}");
    drop(server);
}

/// The peak resident memory of a running process, in KiB (Linux), if it still runs.
fn peak_kib(pid: u32) -> Option<i64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `agora` with `args` in `dir`; returns its exit success, standard error, and its
/// peak resident memory in KiB (the kernel's high-water mark, read while it runs).
fn run_measured(dir: &std::path::Path, args: &[&str]) -> (bool, String, i64) {
    let mut child = Command::new(AGORA)
        .args(args)
        .current_dir(dir)
        .env_remove("AGORA_DATABASE_URL")
        .env("AGORA_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("agora runs");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut err, &mut text).map(|_| text)
    });
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_kib(child.id()) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().expect("agora can be waited for") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr = reader
        .join()
        .expect("stderr is read")
        .expect("stderr is text");
    (status.success(), stderr, peak)
}

#[test]
fn import_reports_each_bad_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = "sqlite://import.db?mode=rwc";
    run(dir.path(), &["migrate", "--database-url", url]);
    let org = r#"{"type":"Organisation","id":"T3JnYW5pc2F0aW9uOjkwMQ","fields":{"slug":"ngo-901","kind":"civil_society"},"texts":{"name":{"en":{"text":"NGO 901"}}}}"#;
    let lines = [
        org.to_string(),
        "{not json".to_string(),
        org.replace("T3JnYW5pc2F0aW9uOjkwMQ", "T3JnYW5pc2F0aW9uOjkwMg")
            .replace("ngo-901", "Not A Slug"),
        org.replace("civil_society", "club"),
        org.to_string(),
    ];
    std::fs::write(dir.path().join("bad.jsonl"), lines.join("\n")).unwrap();
    let (ok, stderr, _) = run_measured(dir.path(), &["import", "bad.jsonl", "--database-url", url]);
    assert!(!ok, "{stderr}");
    assert!(stderr.contains("bad.jsonl:2: not a record"), "{stderr}");
    assert!(
        stderr.contains("bad.jsonl:3: slug: must be lower-case"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.jsonl:4: kind: must be one of"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.jsonl:5: Organisation 901 appears twice (first on line 1)"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing imported"), "{stderr}");
    // Progress, as plain lines (standard error is not a terminal here).
    assert!(stderr.contains("checking: 5/5 records"), "{stderr}");
    let out = run(
        dir.path(),
        &["export", "organisations", "--database-url", url],
    );
    assert_eq!(out, "", "nothing was written");
    // With --skip-invalid the good record goes in.
    let (ok, stderr, _) = run_measured(
        dir.path(),
        &[
            "import",
            "bad.jsonl",
            "--skip-invalid",
            "--database-url",
            url,
        ],
    );
    assert!(ok, "{stderr}");
    // Its progress counts records, once per pass.
    assert!(stderr.contains("writing: 1/1 records"), "{stderr}");
    assert!(stderr.contains("linking: 1/1 records"), "{stderr}");
    let out = run(
        dir.path(),
        &[
            "export",
            "organisations",
            "--format",
            "csv",
            "--database-url",
            url,
        ],
    );
    assert_eq!(
        out.lines().count(),
        2,
        "a header and one organisation:\n{out}"
    );
    assert!(out.contains("ngo-901"));
}

#[test]
fn an_export_of_100_000_records_runs_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // Scale 5.5: 100,960 records (with some 250,000 texts and 500,000 edges); scale 0.55 a
    // tenth of that.
    let mut peaks = Vec::new();
    for (scale, db) in [("0.55", "small.db"), ("5.5", "large.db")] {
        let url = format!("sqlite://{db}?mode=rwc");
        let (ok, stderr, _) = run_measured(
            dir.path(),
            &["generate", "--scale", scale, "--database-url", &url],
        );
        assert!(ok, "{stderr}");
        // Progress in rows, up to all of them.
        let done = stderr.lines().last().unwrap_or_default();
        let (written, total) = done
            .strip_prefix("writing: ")
            .and_then(|rest| rest.split_once(" rows"))
            .and_then(|(counts, _)| counts.split_once('/'))
            .unwrap_or_else(|| panic!("no progress in rows: {stderr}"));
        assert_eq!(written, total, "{done}");
        let out = format!("{db}.jsonl");
        let (ok, stderr, peak) = run_measured(
            dir.path(),
            &["export", "all", "--output", &out, "--database-url", &url],
        );
        assert!(ok, "{stderr}");
        let size = std::fs::metadata(dir.path().join(&out)).unwrap().len();
        assert!(
            stderr.contains(&format!("exporting: {size} bytes")),
            "{stderr}"
        );
        let lines = std::fs::read_to_string(dir.path().join(&out))
            .unwrap()
            .lines()
            .count();
        peaks.push((lines, peak));
    }
    let ((small, small_peak), (large, large_peak)) = (peaks[0], peaks[1]);
    assert!(large >= 100_000, "{large} records exported");
    assert!(large >= 9 * small);
    eprintln!("peak memory: {small} records {small_peak} KiB, {large} records {large_peak} KiB");
    // Ten times the records, not ten times the memory: the export streams.
    assert!(
        large_peak < small_peak + 32 * 1024,
        "{small_peak} KiB for {small}, {large_peak} KiB for {large}"
    );
}

#[test]
fn import_checks_records_with_the_rules_of_the_api() {
    use agora::graphql::id::{NodeType, encode};
    let dir = tempfile::tempdir().unwrap();
    let url = "sqlite://rules.db?mode=rwc";
    run(dir.path(), &["migrate", "--database-url", url]);
    let dialogue = |n: i64, fields: &str| {
        let id = encode(NodeType::Dialogue, n).0;
        format!(
            r#"{{"type":"Dialogue","id":"{id}","fields":{{"slug":"d-{n}",{fields}}},"texts":{{"title":{{"en":{{"text":"D"}}}}}}}}"#
        )
    };
    let person = |id: i64, fields: &str| {
        let id = encode(NodeType::Person, id).0;
        format!(r#"{{"type":"Person","id":"{id}","fields":{{{fields}}}}}"#)
    };
    let organisation = |n: i64, parent: Option<i64>| {
        let id = encode(NodeType::Organisation, n).0;
        let parent = parent.map_or("null".to_string(), |p| {
            format!(r#""{}""#, encode(NodeType::Organisation, p).0)
        });
        format!(
            r#"{{"type":"Organisation","id":"{id}","fields":{{"slug":"o-{n}","kind":"civil_society","parent_id":{parent}}},"texts":{{"name":{{"en":{{"text":"O"}}}}}}}}"#
        )
    };
    let huge = "x".repeat(10 << 20);
    let lines = [
        // Good records (the positive control): they pass alone.
        dialogue(
            901,
            r#""start_date":"2018-03-26","end_date":"2018-03-27","year":2018"#,
        ),
        person(902, r#""name":"Ana Good""#),
        organisation(910, None),
        organisation(911, Some(910)),
        // What the API refuses, the import refuses.
        dialogue(903, r#""start_date":"2018-03-27","end_date":"2018-03-26""#),
        dialogue(904, r#""start_date":"2018-03-26","year":2017"#),
        person(905, &format!(r#""name":"{huge}""#)),
        person(906, &format!(r#""name":"Ana","external_id":"{huge}""#)),
        person(907, r#""name":"  ""#),
        // A hierarchy that loops: 912 under 914 under 913 under 912.
        organisation(912, Some(914)),
        organisation(913, Some(912)),
        organisation(914, Some(913)),
    ];
    std::fs::write(dir.path().join("rules.jsonl"), lines.join("\n")).unwrap();
    let (ok, stderr, _) = run_measured(
        dir.path(),
        &["import", "rules.jsonl", "--database-url", url],
    );
    assert!(!ok, "{stderr}");
    for expected in [
        "rules.jsonl:5: startDate: must not be after the end date",
        "rules.jsonl:6: year: must be the year of the start date",
        "rules.jsonl:7: name: must be at most 255 characters",
        "rules.jsonl:8: external_id: must be at most 255 characters",
        "rules.jsonl:9: name: must not be empty",
        "rules.jsonl:10: parent: this would make the organisation its own ancestor",
        "rules.jsonl:11: parent: this would make the organisation its own ancestor",
        "rules.jsonl:12: parent: this would make the organisation its own ancestor",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
    for good in 1..=4 {
        assert!(
            !stderr.contains(&format!("rules.jsonl:{good}:")),
            "{stderr}"
        );
    }
    // With --skip-invalid, exactly the good records go in.
    let (ok, stderr, _) = run_measured(
        dir.path(),
        &[
            "import",
            "rules.jsonl",
            "--skip-invalid",
            "--database-url",
            url,
        ],
    );
    assert!(ok, "{stderr}");
    let out = run(dir.path(), &["export", "all", "--database-url", url]);
    let mut ids: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    let mut good = [
        encode(NodeType::Dialogue, 901).0.to_string(),
        encode(NodeType::Person, 902).0.to_string(),
        encode(NodeType::Organisation, 910).0.to_string(),
        encode(NodeType::Organisation, 911).0.to_string(),
    ];
    good.sort();
    assert_eq!(ids, good, "{out}");
}

#[test]
fn a_csv_export_neutralises_formulas_and_json_lines_keep_them() {
    let dir = tempfile::tempdir().unwrap();
    let url = "sqlite://formulas.db?mode=rwc";
    run(dir.path(), &["migrate", "--database-url", url]);
    let person = r#"{"type":"Person","id":"UGVyc29uOjkwMQ","fields":{"name":"=1+1"}}"#;
    std::fs::write(dir.path().join("p.jsonl"), person).unwrap();
    run(dir.path(), &["import", "p.jsonl", "--database-url", url]);
    let csv = run(
        dir.path(),
        &["export", "people", "--format", "csv", "--database-url", url],
    );
    let (at, rows) = csv_column(&csv, "name");
    let names: Vec<&str> = rows.iter().map(|r| &r[at]).collect();
    assert_eq!(names, ["'=1+1"]);
    let jsonl = run(dir.path(), &["export", "people", "--database-url", url]);
    assert!(jsonl.contains(r#""name":"=1+1""#), "{jsonl}");
}

/// Runs `agora` with `args` in `dir`, expecting it to fail; returns its standard error.
fn fails(dir: &std::path::Path, args: &[&str]) -> String {
    let out = output(dir, args);
    assert!(!out.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn commands_check_their_arguments_before_touching_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("agora.db");
    let expected = std::path::absolute(&db).unwrap();
    // Commands that work on an existing database say where they looked, and create none.
    for args in [
        &["keys", "list"][..],
        &["keys", "create", "--organisation", "iom"],
        &["keys", "revoke", "3"],
        &["export", "dialogues"],
    ] {
        let stderr = fails(dir.path(), args);
        assert!(
            stderr.contains(&format!("there is no database at {}", expected.display())),
            "{args:?}: {stderr}"
        );
        assert!(!db.exists(), "{args:?} created {}", db.display());
    }
    // Bad arguments fail before any database is opened: an unknown language (the rule of
    // the HTTP export), unknown scopes, a missing import file, a busy port.
    let stderr = fails(dir.path(), &["export", "dialogues", "--lang", "xx"]);
    assert!(stderr.contains("`xx` is not a known language"), "{stderr}");
    let stderr = fails(
        dir.path(),
        &[
            "keys",
            "create",
            "--organisation",
            "iom",
            "--scopes",
            "root",
        ],
    );
    assert!(stderr.contains("root"), "{stderr}");
    let stderr = fails(dir.path(), &["import", "missing.jsonl"]);
    assert!(
        stderr.contains("there is no file missing.jsonl"),
        "{stderr}"
    );
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let address = format!("127.0.0.1:{port}");
    let stderr = fails(dir.path(), &["serve", "--listen", &address]);
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );
    assert!(!db.exists(), "a failed start created {}", db.display());
    // A database that cannot be created: the error names the file.
    let stderr = fails(
        dir.path(),
        &[
            "seed",
            "--database-url",
            "sqlite:///proc/agora/none.db?mode=rwc",
        ],
    );
    assert!(
        stderr.contains("cannot open the database /proc/agora/none.db"),
        "{stderr}"
    );
}

#[test]
fn serve_listens_on_a_host_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(AGORA);
    command
        .args(["serve", "--listen", "localhost:0"])
        .current_dir(dir.path())
        .env_remove("AGORA_DATABASE_URL")
        .env("AGORA_LOG", "warn")
        .stderr(Stdio::null());
    let server = crate::common::ServerProcess::start(&mut command);
    let addr: std::net::SocketAddr = server.addr.parse().unwrap();
    assert!(addr.ip().is_loopback(), "{addr}");
    drop(server);
}
