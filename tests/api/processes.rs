//! Several `agora serve` processes on one PostgreSQL database: a change written through
//! one reaches the subscribers of another.

use std::{process::Command, time::Duration};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{AGORA, PgScratch, ServerProcess, cli_key, ws_connect};

fn start(url: &str) -> ServerProcess {
    ServerProcess::start(
        Command::new(AGORA)
            .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
            .env("AGORA_LOG", "warn")
            .stderr(std::process::Stdio::null()),
    )
}

async fn post(addr: &str, key: &str, query: &str) -> Value {
    let body = json!({ "query": query }).to_string();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAuthorization: Bearer {key}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    serde_json::from_str(response.split_once("\r\n\r\n").unwrap().1).unwrap()
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
