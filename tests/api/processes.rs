//! Several `agora serve` processes on one PostgreSQL database: a change written through
//! one reaches the subscribers of another.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::postgres_url;

const AGORA: &str = env!("CARGO_BIN_EXE_agora");

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(url: &str) -> Server {
    let mut child = Command::new(AGORA)
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
        .env("AGORA_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("agora serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let Some(addr) = line.split("http://").nth(1) else {
        let out = child.wait_with_output().unwrap();
        panic!(
            "agora serve did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let addr = addr.split('/').next().unwrap().to_string();
    Server(child, addr)
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
    let Some(admin_url) = postgres_url() else {
        eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    // A database of its own, dropped at the end.
    let name = format!("agora_processes_{}", std::process::id());
    let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
    use sea_orm::ConnectionTrait;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, query) = admin_url
        .split_once('?')
        .map(|(b, q)| (b, format!("?{q}")))
        .unwrap_or((&admin_url, String::new()));
    let url = format!("{}/{name}{query}", &base[..base.rfind('/').unwrap()]);

    let first = start(&url);
    let second = start(&url);
    let key = {
        let out = Command::new(AGORA)
            .args([
                "keys",
                "create",
                "--organisation",
                "iom",
                "--scopes",
                "write",
                "--database-url",
                &url,
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .to_string()
    };

    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};
    let mut request = format!("ws://{}/graphql/ws", first.1)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {key}") } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    // From the start of the (empty) feed, so that the subscription cannot miss the write
    // whenever it gets going.
    let start = agora::graphql::cursor::Cursor {
        order: "seq.asc".into(),
        value: agora::graphql::cursor::SortValue::Int(0),
        id: 0,
    }
    .encode();
    let query = "subscription($after: String) { recordChanged(after: $after) { op externalId node { ... on Dialogue { slug } } } }";
    let subscribe = json!({ "type": "subscribe", "id": "x", "payload": { "query": query, "variables": { "after": start } } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();

    let written = post(&second.1, &key, r#"mutation { upsertDialogue(externalId: "X-1", input: {slug: "across", title: [{lang: "en", text: "Across"}]}) { outcome } }"#).await;
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
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}
