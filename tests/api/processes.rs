//! Several `agora serve` processes on one PostgreSQL database: a change written through
//! one reaches the subscribers of another.

use std::{process::Command, time::Duration};

use serde_json::{Value, json};

use crate::common::{AGORA, PgScratch, ServerProcess, cli_key, graphql_at, metric_at, ws_connect};

fn start(url: &str) -> ServerProcess {
    start_with(url, &[])
}

async fn post(addr: &str, key: &str, query: &str) -> Value {
    graphql_at(addr, key, query, &[]).await.json()
}

#[tokio::test]
async fn a_change_through_one_process_reaches_subscribers_of_another() {
    // A database of its own, dropped at the end.
    let Some(scratch) = PgScratch::database("agora_processes").await else {
        eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let url = scratch.url.clone();

    let first = start(&url);
    let second = start(&url);
    let key = cli_key(Command::new(AGORA).env("AGORA_DATABASE_URL", &url), "write");

    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let mut socket = ws_connect(&first.addr).await;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {key}") } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    // From a position the first process reads from the feed after a first write through
    // the second, so that the subscription cannot miss the next write whenever it gets
    // going (and must not replay the first).
    let written = post(&second.addr, &key, r#"mutation { upsertDialogue(externalId: "X-0", input: {slug: "before", title: [{lang: "en", text: "Before"}]}) { outcome } }"#).await;
    assert_eq!(
        written["data"]["upsertDialogue"]["outcome"], "CREATED",
        "{written}"
    );
    let read = post(
        &first.addr,
        &key,
        "{ changes(first: 100) { pageInfo { endCursor } } }",
    )
    .await;
    let start = read["data"]["changes"]["pageInfo"]["endCursor"].clone();
    assert!(start.is_string(), "{read}");
    let query = "subscription($after: String) { recordChanged(after: $after) { op externalId node { ... on Dialogue { slug } } } }";
    let subscribe = json!({ "type": "subscribe", "id": "x", "payload": { "query": query, "variables": { "after": start } } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();

    let written = post(&second.addr, &key, r#"mutation { upsertDialogue(externalId: "X-1", input: {slug: "across", title: [{lang: "en", text: "Across"}]}) { outcome } }"#).await;
    assert_eq!(
        written["data"]["upsertDialogue"]["outcome"], "CREATED",
        "{written}"
    );

    let mut got = None;
    while got.is_none() {
        let message = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("delivered in time");
        if let Some(Ok(Message::Text(t))) = message {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "next" {
                got = Some(v);
            }
        }
    }
    assert_eq!(
        got.unwrap()["payload"]["data"]["recordChanged"],
        json!({ "op": "CREATE", "externalId": "X-1", "node": { "slug": "across" } })
    );
    drop(socket);
    drop(first);
    drop(second);
}

/// Two `agora serve` processes on one SQLite file, each taking contended writes: a writer
/// waits for the other's lock (transactions start `IMMEDIATE`), and a lock that cannot be
/// had would be 503, never `INTERNAL`.
#[tokio::test]
async fn two_processes_write_to_one_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("agora.db").display()
    );
    let first = start(&url);
    let second = start(&url);
    let key = cli_key(Command::new(AGORA).env("AGORA_DATABASE_URL", &url), "write");
    let upsert = |i: usize| {
        format!(
            r#"mutation {{ upsertDialogue(externalId: "C-{}", input: {{slug: "contended-{i}", title: [{{lang: "en", text: "Contended {i}"}}]}}) {{ outcome }} }}"#,
            i % 20
        )
    };
    // 8 clients, 4 on each process, 25 upserts each, on 20 records.
    let mut clients = Vec::new();
    for client in 0..8 {
        let addr = if client % 2 == 0 {
            first.addr.clone()
        } else {
            second.addr.clone()
        };
        let (key, queries): (String, Vec<String>) = (
            key.clone(),
            (0..25).map(|n| upsert(client * 25 + n)).collect(),
        );
        clients.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for query in queries {
                answers.push(post(&addr, &key, &query).await);
            }
            answers
        }));
    }
    let mut written = 0;
    for client in clients {
        for answer in client.await.unwrap() {
            if let Some(errors) = answer["errors"].as_array() {
                let code = &errors[0]["extensions"]["code"];
                assert_eq!(code, "SERVICE_UNAVAILABLE", "{answer}");
            } else {
                written += 1;
            }
        }
    }
    assert_eq!(written, 200, "every write waited its turn");

    // A lock held past the busy timeout (5 s) by a third party: 503; once it is
    // released, the same write goes through.
    use sea_orm::sqlx::{Connection, Executor, sqlite::SqliteConnection};
    let mut holder = SqliteConnection::connect(&url).await.unwrap();
    holder.execute("BEGIN IMMEDIATE").await.unwrap();
    let answer = post(&first.addr, &key, &upsert(1000)).await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{answer}"
    );
    holder.execute("ROLLBACK").await.unwrap();
    let answer = post(&first.addr, &key, &upsert(1000)).await;
    assert_eq!(
        answer["data"]["upsertDialogue"]["outcome"], "UPDATED",
        "{answer}"
    );
}

/// Starts `agora serve` on `url` with `env` (settings as `AGORA_*` variables).
pub fn start_with(url: &str, env: &[(&str, &str)]) -> ServerProcess {
    ServerProcess::start(
        Command::new(AGORA)
            .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
            .env("AGORA_LOG", "warn")
            .envs(env.iter().copied())
            .stderr(std::process::Stdio::null()),
    )
}

/// Waits until the `/metrics` sample `sample` of the process at `addr` reads `value`.
pub async fn until_metric(addr: &str, sample: &str, value: f64) {
    let waited = tokio::time::timeout(Duration::from_secs(30), async {
        while metric_at(addr, sample).await != value {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "{sample} of {addr} never read {value}");
}

/// Two processes on one database share the rate limits: each enforces half, so a client
/// whose requests alternate between them gets the whole allowance and no more; when one
/// process stops, the other takes back the whole.
#[tokio::test]
async fn rate_limits_hold_across_processes() {
    let Some(scratch) = PgScratch::database("agora_rate").await else {
        eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let env = [
        ("AGORA_RATE_LIMIT_OPERATIONS", "20"),
        ("AGORA_RATE_LIMIT_COST", "0"),
    ];
    let first = start_with(&scratch.url, &env);
    let key = cli_key(
        Command::new(AGORA).env("AGORA_DATABASE_URL", &scratch.url),
        "read",
    );
    // Positive control: one process alone gives the client its whole allowance.
    until_metric(&first.addr, "agora_processes", 1.0).await;
    let served = |addrs: Vec<String>, n: usize, key: String| async move {
        let mut ok = 0;
        for i in 0..n {
            let answer = graphql_at(&addrs[i % addrs.len()], &key, "{ __typename }", &[]).await;
            match answer.status {
                200 => ok += 1,
                429 => assert!(answer.header("retry-after").is_some()),
                other => panic!("status {other}: {}", answer.body),
            }
        }
        ok
    };
    let alone = served(vec![first.addr.clone()], 30, key.clone()).await;
    assert_eq!(alone, 20, "one process serves the whole allowance");

    let second = start_with(&scratch.url, &env);
    until_metric(&first.addr, "agora_processes", 2.0).await;
    until_metric(&second.addr, "agora_processes", 2.0).await;
    // A fresh client (a key of its own) alternating between the two processes.
    let key = cli_key(
        Command::new(AGORA).env("AGORA_DATABASE_URL", &scratch.url),
        "read",
    );
    let both = vec![first.addr.clone(), second.addr.clone()];
    let spread = served(both, 60, key.clone()).await;
    // Each process holds 10 (and earns one more every 6 s).
    assert!(
        (20..=22).contains(&spread),
        "{spread} operations served across two processes, for a limit of 20"
    );

    // A process that stops leaves the registry; the other takes back the whole limit.
    let status = Command::new("kill")
        .args(["-TERM", &second.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    until_metric(&first.addr, "agora_processes", 1.0).await;
    let key = cli_key(
        Command::new(AGORA).env("AGORA_DATABASE_URL", &scratch.url),
        "read",
    );
    let alone_again = served(vec![first.addr.clone()], 30, key).await;
    assert_eq!(alone_again, 20);
}

/// An automatic persisted query registered through one process runs by its hash through
/// another.
#[tokio::test]
async fn persisted_queries_registered_on_one_process_run_on_another() {
    let Some(scratch) = PgScratch::database("agora_apq").await else {
        eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let first = start_with(&scratch.url, &[]);
    let second = start_with(&scratch.url, &[]);
    let query = "{ dialogues(first: 1) { totalCount } }";
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(query));
    let by_hash =
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } })
            .to_string();
    // Positive control: unknown everywhere at first.
    for addr in [&first.addr, &second.addr] {
        let answer = crate::common::http(addr, "POST", "/graphql", &[], &by_hash)
            .await
            .json();
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
            "{answer}"
        );
    }
    let register = json!({ "query": query, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } }).to_string();
    let registered = crate::common::http(&first.addr, "POST", "/graphql", &[], &register)
        .await
        .json();
    assert!(
        registered["data"]["dialogues"]["totalCount"].is_number(),
        "{registered}"
    );
    let elsewhere = crate::common::http(&second.addr, "POST", "/graphql", &[], &by_hash)
        .await
        .json();
    assert_eq!(elsewhere["data"], registered["data"], "{elsewhere}");
    // A hash nobody registered is still unknown.
    let other = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "0".repeat(64) } } }).to_string();
    let answer = crate::common::http(&second.addr, "POST", "/graphql", &[], &other)
        .await
        .json();
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
}

/// A key revoked (through the command line, on the shared database) closes its
/// WebSockets on every process.
#[tokio::test]
async fn a_revoked_key_closes_its_sockets_on_every_process() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let Some(scratch) = PgScratch::database("agora_revoke").await else {
        eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let first = start_with(&scratch.url, &[]);
    let second = start_with(&scratch.url, &[]);
    let cli = || {
        let mut command = Command::new(AGORA);
        command.env("AGORA_DATABASE_URL", &scratch.url);
        command
    };
    let key = cli_key(&mut cli(), "read");
    let mut sockets = Vec::new();
    for addr in [&first.addr, &second.addr] {
        let mut socket = ws_connect(addr).await;
        let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {key}") } });
        socket
            .send(Message::Text(init.to_string().into()))
            .await
            .unwrap();
        // Positive control: the key runs a query on each process.
        let answer = crate::common::ws_operation(&mut socket, "q", "{ __typename }").await;
        assert!(answer.contains(r#""type":"next""#), "{answer}");
        sockets.push(socket);
    }
    let listed = cli().args(["keys", "list"]).output().unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    let id = listed
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .expect("the key's id")
        .to_string();
    let revoked = cli().args(["keys", "revoke", &id]).output().unwrap();
    assert!(revoked.status.success(), "{revoked:?}");
    for mut socket in sockets {
        let closed = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                match socket.next().await {
                    Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
                    Some(Ok(_)) => continue,
                    other => panic!("the socket ended without a close frame: {other:?}"),
                }
            }
        })
        .await
        .expect("the socket is closed");
        assert_eq!(closed, 4403);
    }
}
