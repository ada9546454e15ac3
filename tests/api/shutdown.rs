//! Graceful shutdown of a real `agora serve` process: on SIGTERM a request still in
//! flight (its body half sent) is answered, a subscription is closed with 1001 (going
//! away), new connections are refused, and the process exits with 0.

use std::{
    process::Command,
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{AGORA, PgScratch, ServerProcess, cli_key, ws_connect};

#[tokio::test]
async fn sigterm_drains_in_flight_work_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let seeded = Command::new(AGORA)
        .arg("seed")
        .current_dir(dir.path())
        .env_remove("AGORA_DATABASE_URL")
        .output()
        .unwrap();
    assert!(seeded.status.success());
    let key = cli_key(
        Command::new(AGORA)
            .current_dir(dir.path())
            .env_remove("AGORA_DATABASE_URL"),
        "read",
    );
    let server = ServerProcess::sqlite(dir.path(), &[("AGORA_DRAIN_MS", "10000")]);
    drains_then_exits(server, &key).await;
}

/// The same on PostgreSQL, where the process also holds a connection that listens for
/// other processes' changes: it must give it back for the pool to close.
#[tokio::test]
async fn sigterm_drains_and_exits_on_postgresql_too() {
    let Some(scratch) = PgScratch::database("agora_shutdown").await else {
        eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let url = scratch.url.clone();
    let seeded = Command::new(AGORA)
        .arg("seed")
        .env("AGORA_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(seeded.status.success());
    let key = cli_key(Command::new(AGORA).env("AGORA_DATABASE_URL", &url), "read");
    let server = ServerProcess::start(
        Command::new(AGORA)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("AGORA_DATABASE_URL", &url)
            .env("AGORA_DRAIN_MS", "10000")
            .env("AGORA_LOG", "warn")
            .stderr(std::process::Stdio::null()),
    );
    drains_then_exits(server, &key).await;
}

/// Sends SIGTERM to `server` with a subscription open and a request in flight; checks
/// that both end well, that new connections are refused and that the process exits 0.
async fn drains_then_exits(mut server: ServerProcess, key: &str) {
    let addr = server.addr.clone();

    // A subscription.
    let mut socket = ws_connect(&addr).await;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {key}") } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { recordChanged { op } }" } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();

    // A request in flight: headers and half of the body sent.
    let body = json!({ "query": "{ dialogueBySlug(slug: \"idm-2018\") { slug } }" }).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let stopped = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());

    // The subscription is told the server is going away.
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("the subscription hears of the shutdown")
        {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            other => panic!("the socket ended without a close frame: {other:?}"),
        }
    };
    assert_eq!(close, Some(1001));

    // New connections are refused.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = match TcpStream::connect(&addr).await {
        Err(_) => true,
        Ok(mut s) => {
            let _ = s
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                .await;
            let mut buf = Vec::new();
            matches!(
                tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut buf)).await,
                Ok(Ok(0))
            ) || buf.is_empty()
        }
    };
    assert!(refused, "a new connection is refused while draining");

    // The request in flight is answered in full.
    slow.write_all(rest.as_bytes()).await.unwrap();
    let mut response = String::new();
    slow.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let json: Value = serde_json::from_str(response.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(json["data"]["dialogueBySlug"]["slug"], "idm-2018");

    // And the process ends by itself, well within the drain time, with 0.
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(15),
            "the process did not stop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
    println!("drained and stopped in {:.2?}", stopped.elapsed());
}

/// With `AGORA_LOG_FORMAT=json`, every log line of a request is a JSON object that
/// carries the request's id, the one the client gets in `X-Request-Id`.
#[tokio::test]
async fn json_logs_carry_the_request_id_on_every_line() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(
        Command::new(AGORA)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(dir.path())
            .env_remove("AGORA_DATABASE_URL")
            .env("AGORA_LOG_FORMAT", "json")
            .env("AGORA_LOG", "info,tower_http=debug")
            .stderr(std::process::Stdio::piped()),
    );
    let stderr = server.child.stderr.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let body = json!({ "query": "{ nope }" }).to_string();
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let id = response
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .expect("an X-Request-Id header")
        .trim()
        .to_string();
    // The request's lines: its start and its end (tower-http), at least.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut of_request = 0;
    while of_request < 2 && Instant::now() < deadline {
        let Ok(line) = received.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        let log: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        if log["span"]["name"] == "request" {
            assert_eq!(log["span"]["request_id"], id.as_str(), "{line}");
            of_request += 1;
        }
    }
    assert!(of_request >= 2, "the request's log lines carry its id");
}
