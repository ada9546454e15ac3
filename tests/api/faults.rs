//! Database faults, on PostgreSQL through a small TCP proxy that can pass the traffic or
//! cut it (at once, or inside a transaction before its COMMIT): requests fail fast with
//! 503 and `SERVICE_UNAVAILABLE`, `/readyz` turns false, a bulk write cut in the middle
//! leaves nothing, and the server recovers by itself when the database returns.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use agora::{
    AppState,
    config::Settings,
    db::{Database, DbOptions},
};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
};
use tokio_tungstenite::tungstenite::Message;
use tower::ServiceExt;

use crate::common::{PgScratch, error_code};

/// What the proxy does with the traffic.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Pass,
    /// Existing connections are closed and new ones refused.
    Cut,
    /// Pass until a transaction has begun and this many more chunks of it went to the
    /// database, then cut: the cut falls inside the transaction, before its COMMIT.
    CutInTransaction(usize),
}

/// A TCP proxy from a local port to PostgreSQL.
struct Proxy {
    addr: SocketAddr,
    mode: Arc<watch::Sender<Mode>>,
    /// Chunks sent to the database since the last `BEGIN` (0: none seen).
    in_transaction: Arc<std::sync::atomic::AtomicUsize>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(watch::Sender::new(Mode::Pass));
        let modes = mode.clone();
        let in_transaction = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = in_transaction.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if *modes.borrow() == Mode::Cut {
                    drop(inbound);
                    continue;
                }
                let Ok(outbound) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (ri, wi) = inbound.into_split();
                let (ro, wo) = outbound.into_split();
                let watched = Some((modes.clone(), counted.clone()));
                tokio::spawn(pipe(ri, wo, modes.subscribe(), watched));
                tokio::spawn(pipe(ro, wi, modes.subscribe(), None));
            }
        });
        Proxy {
            addr,
            mode,
            in_transaction,
        }
    }

    fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

/// The proxy's mode, and its count of chunks since `BEGIN`: what the client-to-database
/// direction watches.
type Watched = (
    Arc<watch::Sender<Mode>>,
    Arc<std::sync::atomic::AtomicUsize>,
);

/// Copies one direction until either side closes or the proxy cuts.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut mode: watch::Receiver<Mode>,
    watched: Option<Watched>,
) {
    use std::sync::atomic::Ordering;
    let mut buf = vec![0_u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
            _ = mode.wait_for(|m| *m == Mode::Cut) => return,
        };
        let current = *mode.borrow();
        match current {
            Mode::Cut => return,
            Mode::Pass => {}
            Mode::CutInTransaction(after) => {
                if let Some((modes, since_begin)) = &watched {
                    let chunk = &buf[..n];
                    if chunk.windows(5).any(|w| w == b"BEGIN") {
                        since_begin.store(1, Ordering::SeqCst);
                    } else if since_begin.load(Ordering::SeqCst) > 0
                        && since_begin.fetch_add(1, Ordering::SeqCst) >= after
                    {
                        modes.send_replace(Mode::Cut);
                        return;
                    }
                }
            }
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

struct Server {
    router: axum::Router,
    state: AppState,
}

impl Server {
    async fn post(&self, query: &str, variables: Value, key: Option<&str>) -> (StatusCode, Value) {
        let mut request =
            Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
        if let Some(key) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, body)
    }

    /// A new API key of `iom` with `scopes`.
    async fn key(&self, scopes: &str) -> String {
        let scopes = agora::auth::Scopes::parse(scopes).unwrap();
        agora::auth::keys::create(&self.state.db.conn, "iom", scopes, None)
            .await
            .unwrap()
            .1
    }

    async fn ready(&self) -> StatusCode {
        self.send(Request::get("/readyz").body(Body::empty()).unwrap())
            .await
            .0
    }
}

const COUNT: &str = "{ dialogues { totalCount } }";

#[tokio::test]
async fn database_faults_fail_fast_and_the_server_recovers() {
    let Some(scratch) = PgScratch::schema("faults").await else {
        eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let mut parsed = url::Url::parse(&scratch.url).unwrap();
    let upstream = format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(upstream).await;
    parsed.set_host(Some("127.0.0.1")).unwrap();
    parsed.set_port(Some(proxy.addr.port())).unwrap();

    let settings = Settings {
        request_timeout_ms: 600_000,
        statement_timeout_ms: 1_000,
        db_acquire_timeout_ms: 1_000,
        rate_limit_operations: 0,
        rate_limit_cost: 0,
        ..Settings::default()
    };
    let db = Database::connect(&DbOptions {
        url: parsed.to_string(),
        max_connections: 4,
        schema: Some(scratch.name.clone()),
        acquire_timeout: Duration::from_millis(settings.db_acquire_timeout_ms),
        statement_timeout: Some(Duration::from_millis(settings.statement_timeout_ms)),
        ..DbOptions::default()
    })
    .await
    .unwrap();
    let state = AppState::with_database(settings, db).await.unwrap();
    let server = Server {
        router: agora::app(state.clone()),
        state,
    };
    let (status, body) = server.post(COUNT, json!({}), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let dialogues = body["data"]["dialogues"]["totalCount"].clone();
    assert_eq!(server.ready().await, StatusCode::OK);

    use sea_orm::ConnectionTrait;
    // statement_timeout applies, and is the database being slow, not an internal error.
    let slow = server
        .state
        .db
        .conn
        .execute_unprepared("SELECT pg_sleep(3)")
        .await
        .unwrap_err();
    assert_eq!(
        agora::error::Error::from(slow).code(),
        "SERVICE_UNAVAILABLE"
    );

    let reader = server.key("read").await;
    // Positive control: the key reads, over HTTP and over a WebSocket.
    let (status, body) = server.post(COUNT, json!({}), Some(&reader)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let router = server.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let mut socket = crate::common::ws_connect(&addr).await;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {reader}") } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let first = crate::common::ws_operation(&mut socket, "1", COUNT).await;
    assert!(first.contains(r#""type":"next""#), "{first}");

    // Cut: fail fast with 503, and not ready. The request timeout is far beyond any run
    // of this test, so a 503 can only come from the database path failing fast (a hang
    // would show as the bound below, not as a 503).
    proxy.set(Mode::Cut);
    // With a key too: the key cannot be checked, which is the database being away.
    let (status, body) = tokio::time::timeout(
        Duration::from_secs(120),
        server.post(COUNT, json!({}), Some(&reader)),
    )
    .await
    .expect("the request fails instead of hanging");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE");
    let (status, body) = tokio::time::timeout(
        Duration::from_secs(120),
        server.post(COUNT, json!({}), None),
    )
    .await
    .expect("the request fails instead of hanging");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE");
    assert!(!body.to_string().contains("sqlx"), "{body}");
    assert_eq!(server.ready().await, StatusCode::SERVICE_UNAVAILABLE);
    // The WebSocket's periodic key check meets the outage (the event: its counter moves),
    // and the socket stays open.
    let deferred = server.state.metrics.key_checks_deferred().clone();
    let waiting = Instant::now();
    while deferred.get() == 0 {
        assert!(
            waiting.elapsed() < Duration::from_secs(60),
            "no key check met the outage"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Restored: the same server answers again, without a restart.
    proxy.set(Mode::Pass);
    let started = Instant::now();
    loop {
        let (status, body) = server.post(COUNT, json!({}), None).await;
        if status == StatusCode::OK {
            assert_eq!(body["data"]["dialogues"]["totalCount"], dialogues);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no recovery: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(server.ready().await, StatusCode::OK);
    // The socket that lived through the outage answers again.
    let subscribe = json!({ "type": "subscribe", "id": "2", "payload": { "query": COUNT } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    let after = loop {
        match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
            Ok(Some(Ok(Message::Text(t)))) if t.contains(r#""id":"2""#) => break t.to_string(),
            Ok(Some(Ok(Message::Text(_)))) => continue,
            other => panic!("the socket did not live through the outage: {other:?}"),
        }
    };
    assert!(after.contains(r#""type":"next""#), "{after}");

    // A bulk write cut in the middle leaves nothing behind.
    let key = server.key("write").await;
    let records: Vec<Value> = (0..40)
        .map(|i| json!({ "person": { "externalId": format!("FAULT-{i}"), "input": { "name": format!("Person {i}") } } }))
        .collect();
    // The proxy cuts the database off once the batch's transaction has sent 8 chunks
    // past its BEGIN: inside the write, before its COMMIT.
    proxy.set(Mode::CutInTransaction(8));
    let sync = "mutation($records: [SyncRecord!]!) { sync(records: $records) { applied } }";
    let (status, body) = server
        .post(sync, json!({ "records": records }), Some(&key))
        .await;
    assert_ne!(status, StatusCode::OK, "the cut write fails: {body}");
    assert_eq!(
        *proxy.mode.borrow(),
        Mode::Cut,
        "the cut fell inside the batch's transaction"
    );
    assert!(
        proxy
            .in_transaction
            .load(std::sync::atomic::Ordering::SeqCst)
            > 8,
        "statements of the batch reached the database before the cut"
    );
    proxy.set(Mode::Pass);
    let started = Instant::now();
    let people = loop {
        let (status, body) = server
            .post(
                "{ people(filter: {externalId: {startsWith: \"FAULT-\"}}) { totalCount } }",
                json!({}),
                None,
            )
            .await;
        if status == StatusCode::OK {
            break body["data"]["people"]["totalCount"].clone();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(people, 0, "no record of the cut batch was written");
}
