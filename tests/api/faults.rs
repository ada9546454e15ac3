//! Database faults, on PostgreSQL through a small TCP proxy that can pass, delay and cut
//! the traffic: requests fail fast with 503 and `SERVICE_UNAVAILABLE`, `/readyz` turns
//! false, a bulk write cut in the middle leaves nothing, and the server recovers by itself
//! when the database returns.

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
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
};
use tower::ServiceExt;

use crate::common::{PgScratch, error_code};

/// What the proxy does with the traffic.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Pass,
    /// Every chunk waits this long in each direction.
    Delay(Duration),
    /// Existing connections are closed and new ones refused.
    Cut,
}

/// A TCP proxy from a local port to PostgreSQL.
struct Proxy {
    addr: SocketAddr,
    mode: Arc<watch::Sender<Mode>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(watch::Sender::new(Mode::Pass));
        let modes = mode.clone();
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
                tokio::spawn(pipe(ri, wo, modes.subscribe()));
                tokio::spawn(pipe(ro, wi, modes.subscribe()));
            }
        });
        Proxy { addr, mode }
    }

    fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

/// Copies one direction until either side closes or the proxy cuts.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut mode: watch::Receiver<Mode>,
) {
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
            Mode::Delay(d) => tokio::time::sleep(d).await,
            Mode::Pass => {}
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
        request_timeout_ms: 3_000,
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

    // Cut: fail fast with 503, and not ready.
    proxy.set(Mode::Cut);
    let started = Instant::now();
    let (status, body) = server.post(COUNT, json!({}), None).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE");
    assert!(!body.to_string().contains("sqlx"), "{body}");
    println!("database cut: 503 in {took:.2?}");
    assert!(took < Duration::from_secs(5), "fails fast: {took:?}");
    assert_eq!(server.ready().await, StatusCode::SERVICE_UNAVAILABLE);

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
    println!("recovered in {:.2?}", started.elapsed());
    assert_eq!(server.ready().await, StatusCode::OK);

    // A bulk write cut in the middle leaves nothing behind.
    let key = agora::repo::keys::create(
        &server.state.db.conn,
        "iom",
        agora::auth::Scopes::parse("write").unwrap(),
        None,
    )
    .await
    .unwrap()
    .1;
    let records: Vec<Value> = (0..40)
        .map(|i| json!({ "person": { "externalId": format!("FAULT-{i}"), "input": { "name": format!("Person {i}") } } }))
        .collect();
    proxy.set(Mode::Delay(Duration::from_millis(20)));
    let sync = "mutation($records: [SyncRecord!]!) { sync(records: $records) { applied } }";
    let write = server.post(sync, json!({ "records": records }), Some(&key));
    let cut = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        proxy.set(Mode::Cut);
    };
    let ((status, body), ()) = tokio::join!(write, cut);
    assert_ne!(status, StatusCode::OK, "the cut write fails: {body}");
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
