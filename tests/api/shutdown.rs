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
    let dir = seeded_dir();
    let key = cli_key(
        Command::new(AGORA)
            .current_dir(dir.path())
            .env_remove("AGORA_DATABASE_URL"),
        "read",
    );
    let server = ServerProcess::start(logged(
        Command::new(AGORA)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(dir.path())
            .env_remove("AGORA_DATABASE_URL")
            .env("AGORA_DRAIN_MS", "10000"),
    ));
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
    seed(Command::new(AGORA).env("AGORA_DATABASE_URL", &url));
    let key = cli_key(Command::new(AGORA).env("AGORA_DATABASE_URL", &url), "read");
    let server = ServerProcess::start(logged(
        Command::new(AGORA)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("AGORA_DATABASE_URL", &url)
            .env("AGORA_DRAIN_MS", "10000"),
    ));
    drains_then_exits(server, &key).await;
}

/// Runs `agora seed` as `command` says (its folder or database).
pub fn seed(command: &mut Command) {
    let seeded = command.arg("seed").output().unwrap();
    assert!(seeded.status.success(), "{seeded:?}");
}

/// A temporary folder with a seeded `agora.db`.
fn seeded_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    seed(
        Command::new(AGORA)
            .current_dir(dir.path())
            .env_remove("AGORA_DATABASE_URL"),
    );
    dir
}

/// The JSON log lines of a server started with [`logged`], as they come.
fn log_lines(server: &mut ServerProcess) -> std::sync::mpsc::Receiver<Value> {
    use std::io::BufRead;
    let stderr = server
        .child
        .stderr
        .take()
        .expect("a server started by `logged`");
    let (lines, received) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let log = serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
            if lines.send(log).is_err() {
                return;
            }
        }
    });
    received
}

/// `command` with its log in JSON on standard error, requests' starts included.
fn logged(command: &mut Command) -> &mut Command {
    command
        .env("AGORA_LOG_FORMAT", "json")
        .env("AGORA_LOG", "info,tower_http=debug")
        .stderr(std::process::Stdio::piped())
}

/// Waits for the first log line that `wanted` accepts (the server logs it when it
/// happens); panics when the log ends, or after a bound no healthy run comes near.
fn wait_for_log(
    logs: &std::sync::mpsc::Receiver<Value>,
    what: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let bound = Instant::now() + Duration::from_secs(30);
    loop {
        let left = bound.saturating_duration_since(Instant::now());
        match logs.recv_timeout(left) {
            Ok(log) if wanted(&log) => return log,
            Ok(_) => {}
            Err(_) => panic!("the server never logged {what}"),
        }
    }
}

/// Sends SIGTERM to `server` (started with [`logged`]) with a subscription open and a
/// request in flight; checks that both end well, that new connections are refused, and
/// that the process exits 0 by itself, having drained before its drain time ran out.
/// Every step waits on an event: a protocol message, a log line, a closed connection.
async fn drains_then_exits(mut server: ServerProcess, key: &str) {
    let addr = server.addr.clone();
    let logs = log_lines(&mut server);

    // A subscription, once the connection is acknowledged.
    let mut socket = ws_connect(&addr).await;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {key}") } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    match socket.next().await {
        Some(Ok(Message::Text(t))) => assert!(t.contains("connection_ack"), "{t}"),
        other => panic!("no connection_ack: {other:?}"),
    }
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { recordChanged { op } }" } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();

    // A request in flight: headers and half of the body sent, and the server has started
    // on it (its log says so).
    let body = json!({ "query": "{ dialogueBySlug(slug: \"idm-2018\") { slug } }" }).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(first.as_bytes()).await.unwrap();
    wait_for_log(&logs, "the start of the POST", |log| {
        log["fields"]["message"] == "started processing request"
            && log["span"]["method"] == "POST"
            && log["span"]["path"] == "/graphql"
    });

    let kill = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());

    // The subscription is told the server is going away.
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .expect("the subscription hears of the shutdown")
        {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            other => panic!("the socket ended without a close frame: {other:?}"),
        }
    };
    assert_eq!(close, Some(1001));

    // New connections are refused: at once, or after connections the listener accepted
    // before it closed were answered in full. An accepted connection that stays silent
    // is not a refusal.
    loop {
        let Ok(mut s) = TcpStream::connect(&addr).await else {
            break;
        };
        let _ = s
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await;
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf))
            .await
            .expect("an accepted connection is answered or closed, never left silent");
        if read.is_err() || buf.is_empty() {
            break;
        }
        assert!(
            buf.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&buf)
        );
        tokio::task::yield_now().await;
    }

    // The request in flight is answered in full.
    slow.write_all(rest.as_bytes()).await.unwrap();
    let mut response = String::new();
    slow.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let json: Value = serde_json::from_str(response.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(json["data"]["dialogueBySlug"]["slug"], "idm-2018");

    // And the process ends by itself with 0, having drained: it logs that it stopped, and
    // never that the drain time ran out.
    let status = tokio::task::spawn_blocking(move || {
        let status = server.child.wait().unwrap();
        drop(server);
        status
    })
    .await
    .unwrap();
    assert!(status.success(), "exit status {status}");
    let rest: Vec<Value> = logs.iter().collect();
    let said = |message: &str| rest.iter().any(|l| l["fields"]["message"] == message);
    assert!(said("stopped"), "{rest:?}");
    assert!(
        !said("the drain time is over: closing the remaining connections"),
        "{rest:?}"
    );
}

/// With `AGORA_LOG_FORMAT=json`, every log line of a request is a JSON object that
/// carries the request's id, the one the client gets in `X-Request-Id`.
#[tokio::test]
async fn json_logs_carry_the_request_id_on_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(logged(
        Command::new(AGORA)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(dir.path())
            .env_remove("AGORA_DATABASE_URL"),
    ));
    let logs = log_lines(&mut server);
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
    // The request's lines, its start and its end (tower-http), carry its id.
    for (what, message) in [
        ("the request's start", "started processing request"),
        ("the request's end", "finished processing request"),
    ] {
        let log = wait_for_log(&logs, what, |log| {
            log["span"]["name"] == "request" && log["fields"]["message"] == message
        });
        assert_eq!(log["span"]["request_id"], id.as_str(), "{log}");
    }
}

/// Sends `body` to `/graphql` on a connection of its own; the task returned ends with
/// what the server sent back before it closed the connection.
async fn post_raw(addr: &str, body: String) -> tokio::task::JoinHandle<String> {
    post_raw_as(addr, "", body).await
}

/// [`post_raw`] with an API key (none when empty).
async fn post_raw_as(addr: &str, key: &str, body: String) -> tokio::task::JoinHandle<String> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let auth = if key.is_empty() {
        String::new()
    } else {
        format!("Authorization: Bearer {key}\r\n")
    };
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::spawn(async move {
        let mut got = Vec::new();
        let _ = stream.read_to_end(&mut got).await;
        String::from_utf8_lossy(&got).into_owned()
    })
}

/// Sends SIGTERM to `server` and waits for it to exit by itself (within a bound no
/// healthy run comes near); returns its log lines up to its end.
async fn terminate(
    mut server: ServerProcess,
    logs: std::sync::mpsc::Receiver<Value>,
) -> Vec<Value> {
    let kill = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let exited = tokio::task::spawn_blocking(move || {
        let bound = Instant::now() + Duration::from_secs(30);
        while Instant::now() < bound {
            if let Some(status) = server.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    })
    .await
    .unwrap();
    let status = exited.expect("the process did not exit: its drain is not a bound");
    assert!(status.success(), "exit status {status}");
    logs.iter().collect()
}

/// When `drain_ms` runs out while a SQLite write waits for the file's lock (held here by
/// another connection, as another process would), the process exits without waiting for
/// it: the request is never answered. (SQLite statements that run are interrupted
/// between steps: `cancelling_interrupts_a_running_sqlite_statement`.)
#[tokio::test]
async fn a_drain_that_runs_out_does_not_wait_for_sqlite_statements() {
    use sea_orm::sqlx::{Connection, Executor, sqlite::SqliteConnection};
    let dir = seeded_dir();
    let key = cli_key(
        Command::new(AGORA)
            .current_dir(dir.path())
            .env_remove("AGORA_DATABASE_URL"),
        "write",
    );
    let mut server = ServerProcess::start(logged(
        Command::new(AGORA)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(dir.path())
            .env_remove("AGORA_DATABASE_URL")
            .env("AGORA_DRAIN_MS", "300")
            .env("AGORA_REQUEST_TIMEOUT_MS", "600000"),
    ));
    let logs = log_lines(&mut server);
    let url = format!("sqlite://{}", dir.path().join("agora.db").display());
    let mut holder = SqliteConnection::connect(&url).await.unwrap();
    holder.execute("BEGIN IMMEDIATE").await.unwrap();
    let write = json!({ "query": "mutation { createPerson(input: {name: \"Waiting\"}) { id } }" });
    let answer = post_raw_as(&server.addr, &key, write.to_string()).await;
    wait_for_log(&logs, "the start of the POST", |log| {
        log["fields"]["message"] == "started processing request" && log["span"]["method"] == "POST"
    });
    let rest = terminate(server, logs).await;
    let said = |message: &str| rest.iter().any(|l| l["fields"]["message"] == message);
    assert!(
        said("the drain time is over: cancelling the statements still running"),
        "{rest:?}"
    );
    assert!(said("stopped"), "{rest:?}");
    // The write waited for the lock (5 s at most) when the process ended: no answer.
    let answer = answer.await.unwrap();
    assert_eq!(answer, "", "answered before the process ended");
    holder.execute("ROLLBACK").await.unwrap();
}

/// The same on PostgreSQL: a statement waiting on a lock the test holds would wait for
/// ever; when `drain_ms` runs out it is cancelled (`pg_cancel_backend`), and the process
/// exits while the lock is still held.
#[tokio::test]
async fn a_drain_that_runs_out_cancels_postgresql_statements() {
    use sea_orm::sqlx::{Connection, Executor, Row, postgres::PgConnection};
    let Some(scratch) = PgScratch::database("agora_overrun").await else {
        eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let url = scratch.url.clone();
    seed(Command::new(AGORA).env("AGORA_DATABASE_URL", &url));
    let mut server = ServerProcess::start(logged(
        Command::new(AGORA)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("AGORA_DATABASE_URL", &url)
            .env("AGORA_DRAIN_MS", "300")
            .env("AGORA_STATEMENT_TIMEOUT_MS", "0")
            .env("AGORA_REQUEST_TIMEOUT_MS", "600000"),
    ));
    let logs = log_lines(&mut server);
    let mut locker = PgConnection::connect(&url).await.unwrap();
    locker.execute("BEGIN").await.unwrap();
    locker
        .execute("LOCK TABLE dialogue IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let body = json!({ "query": "{ dialogues(first: 1) { nodes { slug } } }" }).to_string();
    let answer = post_raw(&server.addr, body).await;
    // Agora's statements that wait for the lock, by its sessions' name.
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'agora/%' \
                   AND wait_event_type = 'Lock' AND datname = current_database()";
    let mut watcher = PgConnection::connect(&url).await.unwrap();
    let blocked = async {
        loop {
            let row = sea_orm::sqlx::query(waiting)
                .fetch_one(&mut watcher)
                .await
                .unwrap();
            if row.get::<i64, _>(0) > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), blocked)
        .await
        .expect("the query waits for the lock");

    let rest = terminate(server, logs).await;
    let cancelled = rest
        .iter()
        .find(|l| l["fields"]["message"] == "statements cancelled")
        .unwrap_or_else(|| panic!("no cancellation in {rest:?}"));
    assert!(
        cancelled["fields"]["cancelled"].as_u64() >= Some(1),
        "{cancelled}"
    );
    // With the lock still held, no statement of Agora waits for it any more.
    let row = sea_orm::sqlx::query(waiting)
        .fetch_one(&mut watcher)
        .await
        .unwrap();
    assert_eq!(row.get::<i64, _>(0), 0);
    locker.execute("ROLLBACK").await.unwrap();
    let answer = answer.await.unwrap();
    assert!(!answer.contains("\"slug\""), "{answer}");
}

/// What ends a SQLite statement at the end of a drain: after `cancel_statements`, a
/// statement that would never end on its own (an endless recursive count) is interrupted
/// at its next steps, and so is every later one.
#[tokio::test]
async fn cancelling_interrupts_a_running_sqlite_statement() {
    use agora::db::{Database, DbOptions};
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let dir = tempfile::tempdir().unwrap();
    let db = Database::connect(&DbOptions {
        url: format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display()),
        ..DbOptions::default()
    })
    .await
    .unwrap();
    let statement = |sql: &str| Statement::from_string(DbBackend::Sqlite, sql);
    // Control: statements run.
    assert!(db.conn.query_one_raw(statement("SELECT 1")).await.is_ok());
    let conn = db.conn.clone();
    let endless = tokio::spawn(async move {
        conn.query_one_raw(statement(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) \
             SELECT count(*) FROM n",
        ))
        .await
    });
    db.cancel_statements().await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(30), endless)
        .await
        .expect("the endless statement was interrupted")
        .unwrap();
    let error = ended.expect_err("an interrupted statement fails");
    assert!(error.to_string().contains("interrupted"), "{error}");
    assert!(db.interrupted_statements() >= 1);
}
