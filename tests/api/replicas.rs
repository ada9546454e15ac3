//! Two `agora serve` processes on a PostgreSQL primary and a streaming replica that the
//! test makes itself (`deploy/testbed`, `pg_basebackup -R` into a temporary folder, on a
//! port of its own) and removes afterwards: routing, read-your-writes across processes,
//! a replica taken out for lag and for being stopped mid-load, and subscriptions.
//!
//! The replica needs the test PostgreSQL on this machine and root (to act as the
//! `postgres` user); with `AGORA_REQUIRE_POSTGRES=1` (as in CI) a replica that cannot be
//! made fails the test.

use std::{path::PathBuf, process::Command, time::Duration};

use serde_json::{Value, json};

use crate::{
    common::{AGORA, PgScratch, cli_key, graphql_at, http, metric_at, ws_connect},
    processes::start_with,
};

/// The test bed's script.
const TESTBED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/testbed");

/// A streaming replica in a folder of its own, removed when dropped.
struct Replica {
    dir: PathBuf,
    port: u16,
    _parent: tempfile::TempDir,
}

impl Replica {
    /// Makes a replica of the test PostgreSQL; `None` when the run has no PostgreSQL or
    /// this machine cannot make one (a failure under `AGORA_REQUIRE_POSTGRES=1`).
    fn start() -> Option<Replica> {
        crate::common::postgres_url()?;
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("replica");
        let port = free_port();
        let out = Command::new(TESTBED)
            .args(["start", dir.to_str().unwrap(), &port.to_string()])
            .output()
            .expect("deploy/testbed runs");
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr);
            assert!(
                std::env::var("AGORA_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "AGORA_REQUIRE_POSTGRES=1 but no replica could be made: {why}"
            );
            eprintln!("no replica could be made, replica run skipped: {why}");
            return None;
        }
        Some(Replica {
            dir,
            port,
            _parent: parent,
        })
    }

    /// Runs a `deploy/testbed` command on this replica.
    fn run(&self, command: &str) {
        let out = Command::new(TESTBED)
            .args([command, self.dir.to_str().unwrap()])
            .output()
            .expect("deploy/testbed runs");
        assert!(
            out.status.success(),
            "testbed {command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The URL of the database of `primary` (a URL) on the replica.
    fn url(&self, primary: &str) -> String {
        let mut url = url::Url::parse(primary).unwrap();
        url.set_port(Some(self.port)).unwrap();
        url.to_string()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = Command::new(TESTBED)
            .args(["stop", self.dir.to_str().unwrap()])
            .output();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A replica's state line in `/readyz` (`replica1: up, lag 0 ms`).
async fn replica_state(addr: &str) -> String {
    let ready = http(addr, "GET", "/readyz", &[], "").await.body;
    ready
        .lines()
        .find_map(|l| l.strip_prefix("replica1: "))
        .and_then(|l| l.split(',').next())
        .unwrap_or_default()
        .to_string()
}

async fn until_state(addr: &str, state: &str) {
    let waited = tokio::time::timeout(Duration::from_secs(30), async {
        while replica_state(addr).await != state {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "replica1 of {addr} never became {state} (it is {})",
        replica_state(addr).await
    );
}

const REPLICA_READS: &str = r#"agora_db_reads_total{target="replica1"}"#;
const PRIMARY_READS: &str = r#"agora_db_reads_total{target="primary"}"#;

fn upsert(n: usize) -> String {
    format!(
        r#"mutation {{ upsertDialogue(externalId: "R-{n}", input: {{slug: "replicated-{n}", title: [{{lang: "en", text: "Replicated {n}"}}]}}) {{ outcome }} }}"#
    )
}

fn read(n: usize) -> String {
    format!(r#"{{ dialogueBySlug(slug: "replicated-{n}") {{ slug }} }}"#)
}

/// Whether the replica itself (asked directly) has the dialogue `n`.
async fn on_replica(url: &str, n: usize) -> bool {
    use sea_orm::{ConnectionTrait, Statement};
    let db = sea_orm::Database::connect(url).await.unwrap();
    let found = db
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT 1 FROM dialogue WHERE slug = 'replicated-{n}'"),
        ))
        .await
        .unwrap()
        .is_some();
    db.close().await.ok();
    found
}

#[tokio::test]
async fn two_processes_on_a_primary_and_a_streaming_replica() {
    let Some(scratch) = PgScratch::database("agora_replicas").await else {
        eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let Some(replica) = Replica::start() else {
        return;
    };
    let replica_url = replica.url(&scratch.url);
    let env = [
        ("AGORA_REPLICA_URLS", replica_url.as_str()),
        // Above what the rest of the test suite's writes on the same server can cause.
        ("AGORA_MAX_REPLICA_LAG_MS", "3000"),
        ("AGORA_REPLICA_CHECK_MS", "100"),
        ("AGORA_RATE_LIMIT_OPERATIONS", "0"),
    ];
    let a = start_with(&scratch.url, &env);
    let b = start_with(&scratch.url, &env);
    let key = cli_key(
        Command::new(AGORA).env("AGORA_DATABASE_URL", &scratch.url),
        "write",
    );
    until_state(&a.addr, "up").await;
    until_state(&b.addr, "up").await;

    // Routing: queries go to the replica; mutations to the primary, and their answers
    // carry the primary's log position.
    let before = metric_at(&a.addr, REPLICA_READS).await;
    let answer = graphql_at(&a.addr, &key, "{ dialogues { totalCount } }", &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.json()["data"]["dialogues"]["totalCount"].is_number());
    // (A replica may lag for a moment while the rest of the suite writes: a read then
    // goes to the primary. Most go to the replica.)
    for _ in 0..19 {
        graphql_at(&a.addr, &key, "{ dialogues { totalCount } }", &[]).await;
    }
    assert!(
        metric_at(&a.addr, REPLICA_READS).await > before + 10.0,
        "queries go to the replica"
    );
    let written = graphql_at(&a.addr, &key, &upsert(0), &[]).await;
    assert_eq!(
        written.json()["data"]["upsertDialogue"]["outcome"],
        "CREATED"
    );
    let lsn = written.header("agora-lsn").expect("a write's position");
    assert_eq!(written.json()["extensions"]["lsn"], lsn);
    assert!(
        written
            .header("set-cookie")
            .unwrap()
            .starts_with("agora_lsn=")
    );
    // A position that is not one is refused.
    let bad = graphql_at(&b.addr, &key, &read(0), &[("Agora-Lsn", "yesterday")]).await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.json()["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );

    // Read-your-writes: written through A, read at once through B with the position,
    // every time, whether the replica has replayed it yet or not.
    for n in 1..=30 {
        let written = graphql_at(&a.addr, &key, &upsert(n), &[]).await;
        let lsn = written.header("agora-lsn").unwrap().to_string();
        let seen = graphql_at(&b.addr, &key, &read(n), &[("Agora-Lsn", &lsn)]).await;
        assert_eq!(
            seen.json()["data"]["dialogueBySlug"]["slug"],
            format!("replicated-{n}"),
            "write {n} not seen through the other process: {} (position {lsn})",
            seen.body
        );
        // The browser's way: the cookie.
        let cookie = format!("agora_lsn={lsn}");
        let seen = graphql_at(&b.addr, &key, &read(n), &[("Cookie", &cookie)]).await;
        assert_eq!(
            seen.json()["data"]["dialogueBySlug"]["slug"],
            format!("replicated-{n}")
        );
    }

    // A replica paused: it serves what it has until its lag passes the bound, and a read
    // that must see a write it has not replayed goes to the primary.
    replica.run("pause");
    let written = graphql_at(&a.addr, &key, &upsert(100), &[]).await;
    let lsn = written.header("agora-lsn").unwrap().to_string();
    assert!(
        !on_replica(&replica_url, 100).await,
        "the replica is paused"
    );
    let seen = graphql_at(&b.addr, &key, &read(100), &[("Agora-Lsn", &lsn)]).await;
    assert_eq!(
        seen.json()["data"]["dialogueBySlug"]["slug"],
        "replicated-100"
    );
    until_state(&b.addr, "lagging").await;
    assert_eq!(
        metric_at(&b.addr, r#"agora_replica_up{target="replica1"}"#).await,
        0.0
    );
    let lag = metric_at(
        &b.addr,
        r#"agora_replica_lag_milliseconds{target="replica1"}"#,
    )
    .await;
    let ready = http(&b.addr, "GET", "/readyz", &[], "").await.body;
    assert!(lag >= 3000.0, "lag {lag} ms; {ready}");
    // Out of rotation: every read goes to the primary, with no error.
    let (replica_before, primary_before) = (
        metric_at(&b.addr, REPLICA_READS).await,
        metric_at(&b.addr, PRIMARY_READS).await,
    );
    for _ in 0..5 {
        let seen = graphql_at(&b.addr, &key, &read(100), &[]).await;
        assert_eq!(
            seen.json()["data"]["dialogueBySlug"]["slug"],
            "replicated-100"
        );
    }
    assert_eq!(metric_at(&b.addr, REPLICA_READS).await, replica_before);
    assert_eq!(
        metric_at(&b.addr, PRIMARY_READS).await,
        primary_before + 5.0
    );
    replica.run("resume");
    until_state(&b.addr, "up").await;
    assert!(on_replica(&replica_url, 100).await);

    // Subscriptions on B receive writes made through A.
    {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        let mut socket = ws_connect(&b.addr).await;
        let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {key}") } });
        socket
            .send(Message::Text(init.to_string().into()))
            .await
            .unwrap();
        // From the end of the feed as it stands after the last write (read with its
        // position), so that the subscription neither misses the next write nor
        // replays an earlier one.
        let mut after = Value::Null;
        loop {
            let page = graphql_at(
                &b.addr,
                &key,
                &format!(
                    "{{ changes(first: 100, after: {after}) {{ pageInfo {{ endCursor hasNextPage }} }} }}"
                ),
                &[("Agora-Lsn", &lsn)],
            )
            .await
            .json();
            let info = &page["data"]["changes"]["pageInfo"];
            assert!(info.is_object(), "{page}");
            if info["endCursor"].is_string() {
                after = info["endCursor"].clone();
            }
            if info["hasNextPage"] != true {
                break;
            }
        }
        assert!(after.is_string());
        let query =
            "subscription($after: String) { recordChanged(after: $after) { op externalId } }";
        let subscribe = json!({ "type": "subscribe", "id": "s", "payload": { "query": query, "variables": { "after": after } } });
        socket
            .send(Message::Text(subscribe.to_string().into()))
            .await
            .unwrap();
        let written = graphql_at(&a.addr, &key, &upsert(200), &[]).await;
        assert_eq!(
            written.json()["data"]["upsertDialogue"]["outcome"],
            "CREATED"
        );
        let got = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                if let Some(Ok(Message::Text(t))) = socket.next().await {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == "next" {
                        return v;
                    }
                }
            }
        })
        .await
        .expect("the change is delivered");
        assert_eq!(
            got["payload"]["data"]["recordChanged"],
            json!({ "op": "CREATE", "externalId": "R-200" })
        );
    }

    // The replica stopped in the middle of a load: every read is answered, without an
    // error, by the replica before and the primary after.
    let primary_before =
        metric_at(&a.addr, PRIMARY_READS).await + metric_at(&b.addr, PRIMARY_READS).await;
    let (tx, mut halfway) = tokio::sync::mpsc::channel::<()>(8);
    let mut clients = Vec::new();
    for client in 0..4 {
        let addr = if client % 2 == 0 {
            a.addr.clone()
        } else {
            b.addr.clone()
        };
        let (key, tx) = (key.clone(), tx.clone());
        clients.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            for i in 0..150 {
                if i == 50 {
                    let _ = tx.send(()).await;
                }
                let answer = graphql_at(&addr, &key, &read(i % 30 + 1), &[]).await;
                let body = answer.json();
                if answer.status != 200
                    || body.get("errors").is_some()
                    || body["data"]["dialogueBySlug"].is_null()
                {
                    failures.push(answer.body);
                }
            }
            failures
        }));
    }
    drop(tx);
    for _ in 0..4 {
        halfway.recv().await;
    }
    replica.run("halt");
    for client in clients {
        let failures = client.await.unwrap();
        assert!(failures.is_empty(), "reads failed: {failures:?}");
    }
    until_state(&a.addr, "down").await;
    until_state(&b.addr, "down").await;
    let primary_after =
        metric_at(&a.addr, PRIMARY_READS).await + metric_at(&b.addr, PRIMARY_READS).await;
    assert!(primary_after > primary_before, "the primary took the reads");
    // Ready still: the primary serves.
    let ready = http(&a.addr, "GET", "/readyz", &[], "").await;
    assert_eq!(ready.status, 200);
    assert!(ready.body.contains("replica1: down"), "{}", ready.body);
    drop((a, b));
}

/// The settings refuse replicas of a SQLite database and URLs that are not PostgreSQL's.
#[test]
fn replicas_need_postgresql() {
    let run = |env: &[(&str, &str)]| {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(AGORA)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(dir.path())
            .env_remove("AGORA_DATABASE_URL")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = run(&[("AGORA_REPLICA_URLS", "postgres://127.0.0.1:5433/agora")]);
    assert!(
        stderr.contains("replica_urls need a PostgreSQL database_url"),
        "{stderr}"
    );
    let stderr = run(&[
        ("AGORA_DATABASE_URL", "postgres://127.0.0.1:1/agora"),
        ("AGORA_REPLICA_URLS", "mysql://secret@db/agora"),
    ]);
    assert!(stderr.contains("must start with postgres://"), "{stderr}");
    assert!(!stderr.contains("secret"), "{stderr}");
}
