//! The test harness: an in-process Agora on a fresh database (SQLite in memory always,
//! PostgreSQL in a fresh schema when `AGORA_TEST_POSTGRES_URL` is set), and helpers to
//! send it GraphQL requests through the router.

use std::sync::atomic::{AtomicU64, Ordering};

use agora::{
    AppState,
    config::Settings,
    db::{Database, DbOptions},
};
use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An Agora server in process, on a database of its own.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    backend: Backend,
    _schema: Option<PgScratch>,
}

/// A schema or a database of one test on the test PostgreSQL server, dropped when the
/// test ends, passed or failed.
pub struct PgScratch {
    /// Its name.
    pub name: String,
    /// The URL to reach it: the server's (for a schema) or the database's own.
    pub url: String,
    admin_url: String,
    drop: String,
}

static SCRATCHES: AtomicU64 = AtomicU64::new(0);

impl PgScratch {
    /// A fresh schema named after `prefix`; `None` when no test server is configured.
    pub async fn schema(prefix: &str) -> Option<PgScratch> {
        let admin_url = postgres_url()?;
        let name = PgScratch::name(prefix);
        PgScratch::run(&admin_url, &format!("CREATE SCHEMA \"{name}\"")).await;
        Some(PgScratch {
            url: admin_url.clone(),
            drop: format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"),
            name,
            admin_url,
        })
    }

    /// A fresh database named after `prefix`, for server processes of their own.
    pub async fn database(prefix: &str) -> Option<PgScratch> {
        let admin_url = postgres_url()?;
        let name = PgScratch::name(prefix);
        PgScratch::run(&admin_url, &format!("CREATE DATABASE {name}")).await;
        let mut url = url::Url::parse(&admin_url).expect("a PostgreSQL URL");
        url.set_path(&name);
        Some(PgScratch {
            url: url.to_string(),
            drop: format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            name,
            admin_url,
        })
    }

    fn name(prefix: &str) -> String {
        format!(
            "{prefix}_{}_{}",
            std::process::id(),
            SCRATCHES.fetch_add(1, Ordering::SeqCst)
        )
    }

    async fn run(url: &str, sql: &str) {
        use sea_orm::ConnectionTrait;
        let admin = sea_orm::Database::connect(url)
            .await
            .expect("AGORA_TEST_POSTGRES_URL is set but PostgreSQL cannot be reached");
        admin.execute_unprepared(sql).await.expect(sql);
        admin.close().await.ok();
    }
}

impl Drop for PgScratch {
    fn drop(&mut self) {
        let (url, sql) = (self.admin_url.clone(), self.drop.clone());
        // Drop runs outside any runtime the test may still be using: use a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(db) = sea_orm::Database::connect(&url).await {
                    use sea_orm::ConnectionTrait;
                    let _ = db.execute_unprepared(&sql).await;
                }
            });
        })
        .join();
    }
}

/// The URL of the test PostgreSQL server, if the run has one. Without one the run covers
/// SQLite alone, and says so once; with `AGORA_REQUIRE_POSTGRES=1` (as in CI) a missing
/// server fails every PostgreSQL test instead.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("AGORA_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        assert!(
            std::env::var("AGORA_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "AGORA_REQUIRE_POSTGRES=1 but AGORA_TEST_POSTGRES_URL is not set"
        );
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            use std::io::Write;
            // Straight to standard error: the test harness captures `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "\nAGORA_TEST_POSTGRES_URL is not set: this run tests SQLite only\n"
            );
        });
    }
    url
}

impl TestApp {
    /// A server on `backend` with the seed loaded (`seed`) or an empty database; `None`
    /// for PostgreSQL when no test server is configured.
    pub async fn start(backend: Backend, seed: bool) -> Option<TestApp> {
        // Tests send requests as fast as they can: no rate limits, unless a test sets them.
        let settings = Settings {
            seed_when_empty: seed,
            rate_limit_operations: 0,
            rate_limit_cost: 0,
            ..Settings::default()
        };
        TestApp::start_with(backend, settings).await
    }

    /// Like [`TestApp::start`], with `settings` (their database URL is ignored) and the
    /// read oracle on: every read the planner serves also runs on async-graphql's
    /// executor, and a disagreement fails the request, so the whole suite is the
    /// planner's oracle.
    pub async fn start_with(backend: Backend, settings: Settings) -> Option<TestApp> {
        let settings = Settings {
            read_oracle: true,
            ..settings
        };
        TestApp::start_exactly(backend, settings).await
    }

    /// Like [`TestApp::start_with`], with exactly `settings` (the oracle as they say).
    pub async fn start_exactly(backend: Backend, settings: Settings) -> Option<TestApp> {
        // `AGORA_TEST_LOG=agora=debug` shows the server's log (errors, SQL) under the test.
        if let Ok(filter) = std::env::var("AGORA_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let (db, schema) = match backend {
            Backend::Sqlite => {
                let db = Database::connect(&DbOptions {
                    url: "sqlite::memory:".into(),
                    max_connections: 1,
                    schema: None,
                    ..DbOptions::default()
                })
                .await
                .expect("in-memory SQLite opens");
                (db, None)
            }
            Backend::Postgres => {
                let guard = PgScratch::schema("test").await?;
                let db = Database::connect(&DbOptions {
                    url: guard.url.clone(),
                    max_connections: 4,
                    schema: Some(guard.name.clone()),
                    ..DbOptions::default()
                })
                .await
                .expect("PostgreSQL opens");
                (db, Some(guard))
            }
        };
        let state = AppState::with_database(settings, db)
            .await
            .expect("the app starts");
        Some(TestApp {
            router: agora::app(state.clone()),
            state,
            backend,
            _schema: schema,
        })
    }

    /// The database the app runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database's connection pool.
    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.state.db.conn
    }

    /// How many SQL statements the database has run so far.
    pub fn statements(&self) -> u64 {
        self.state.db.statement_count()
    }

    /// Sends an HTTP request to the router; returns the status and the body as JSON (or as
    /// a JSON string when it is not JSON).
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let (status, _, body) = self.exchange(request).await;
        (status, body)
    }

    /// Like [`TestApp::send`], with the response's headers.
    pub async fn exchange(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Value) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, headers, body)
    }

    /// A new API key of the organisation `slug` with `scopes` (such as `write`).
    pub async fn key(&self, slug: &str, scopes: &str) -> String {
        let scopes = agora::auth::Scopes::parse(scopes).expect("valid scopes");
        agora::auth::keys::create(self.db(), slug, scopes, None)
            .await
            .expect("a key")
            .1
    }

    /// POSTs a GraphQL request with `key`; returns the whole response body.
    pub async fn post_as(&self, key: &str, query: &str, variables: Value) -> Value {
        let auth = format!("Bearer {key}");
        self.post_with(query, variables, &[("authorization", auth.as_str())])
            .await
    }

    /// Runs a query with `key` that must succeed; returns its `data`.
    pub async fn data_as(&self, key: &str, query: &str, variables: Value) -> Value {
        let body = self.post_as(key, query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "unexpected errors: {body:#}\nquery: {query}"
        );
        body["data"].clone()
    }

    /// Serves the app on a real socket on 127.0.0.1 (for WebSocket clients); returns the
    /// address. The server stops with the test's runtime.
    pub async fn serve(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let addr = listener.local_addr().expect("an address");
        let router = self.router.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        addr
    }

    /// POSTs a GraphQL request with extra headers; returns the whole response body.
    pub async fn post_with(
        &self,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> Value {
        let mut request =
            Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        let (status, body) = self
            .send(request.body(Body::from(body)).expect("a request"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// POSTs a GraphQL request; returns the whole response body.
    pub async fn post(&self, query: &str, variables: Value) -> Value {
        self.post_with(query, variables, &[]).await
    }

    /// Runs a query that must succeed; returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.post(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "unexpected errors: {body:#}\nquery: {query}"
        );
        body["data"].clone()
    }

    /// Runs a query that must fail; returns the code of its first error.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let body = self.post(query, variables).await;
        error_code(&body)
    }
}

/// The code of the first error of a response (and checks that every error has one).
pub fn error_code(body: &Value) -> String {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {body:#}"));
    for e in errors {
        assert!(
            e["extensions"]["code"].is_string(),
            "an error without a code: {body:#}"
        );
    }
    errors[0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The values at `field` of each element of a JSON array.
pub fn pluck(list: &Value, field: &str) -> Vec<Value> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|v| v[field].clone())
        .collect()
}

/// The strings at `field` of each element of a JSON array.
pub fn strings(list: &Value, field: &str) -> Vec<String> {
    pluck(list, field)
        .into_iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("not a string: {v}"))
                .to_string()
        })
        .collect()
}

/// Writes a generated graph of the given shape into the app's (empty) database.
pub async fn generate(app: &TestApp, shape: &agora::seed::generate::Shape) {
    agora::seed::generate::generate(app.db(), shape, 7)
        .await
        .expect("the graph is generated");
}

/// A small generated graph with every type and relation populated.
pub fn small_shape() -> agora::seed::generate::Shape {
    agora::seed::generate::Shape {
        organisations: 30,
        dialogues: 12,
        workshops_per_dialogue: 3,
        participants_per_workshop: 3,
        reports: 15,
        tools: 8,
        people: 10,
        themes: 12,
    }
}

/// Declares a test that runs on SQLite, and again on PostgreSQL when the run has one.
/// The body sees the app as `$app` (seeded when the flag is `seeded`, empty otherwise).
#[macro_export]
macro_rules! db_test {
    ($name:ident, with $settings:expr, |$app:ident| $body:block) => {
        $crate::db_test!(@settings $name, start_with, $settings, |$app| $body);
    };
    // Exactly these settings: without the read oracle unless they turn it on.
    ($name:ident, exactly $settings:expr, |$app:ident| $body:block) => {
        $crate::db_test!(@settings $name, start_exactly, $settings, |$app| $body);
    };
    (@settings $name:ident, $start:ident, $settings:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::common::TestApp) $body

            fn settings() -> agora::config::Settings {
                $settings
            }

            #[tokio::test]
            async fn sqlite() {
                let app =
                    $crate::common::TestApp::$start($crate::common::Backend::Sqlite, settings())
                        .await
                        .expect("SQLite is always there");
                run(app).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(app) = $crate::common::TestApp::$start(
                    $crate::common::Backend::Postgres,
                    settings(),
                )
                .await
                else {
                    eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
                    return;
                };
                run(app).await;
            }
        }
    };
    ($name:ident, $seed:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::common::TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                let app = $crate::common::TestApp::start(
                    $crate::common::Backend::Sqlite,
                    $crate::db_test!(@seed $seed),
                )
                .await
                .expect("SQLite is always there");
                run(app).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(app) = $crate::common::TestApp::start(
                    $crate::common::Backend::Postgres,
                    $crate::db_test!(@seed $seed),
                )
                .await
                else {
                    eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
                    return;
                };
                run(app).await;
            }
        }
    };
    (@seed seeded) => { true };
    (@seed empty) => { false };
}

/// The `agora` binary of this build.
pub const AGORA: &str = env!("CARGO_BIN_EXE_agora");

/// A real `agora serve` process, killed when dropped.
pub struct ServerProcess {
    /// The process.
    pub child: std::process::Child,
    /// The address it listens on (`127.0.0.1:PORT`).
    pub addr: String,
}

impl ServerProcess {
    /// Starts `command` (an `agora serve --listen 127.0.0.1:0 ...` with its settings and
    /// its standard error) and reads where it listens from the first line it prints.
    pub fn start(command: &mut std::process::Command) -> ServerProcess {
        use std::io::BufRead;
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("agora serve starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("agora serve prints a line");
        let Some(addr) = line
            .split("http://")
            .nth(1)
            .and_then(|a| a.split('/').next())
        else {
            let _ = child.kill();
            panic!("agora serve did not start: {line}");
        };
        ServerProcess {
            addr: addr.to_string(),
            child,
        }
    }

    /// `agora serve` in `dir` on its embedded SQLite file, listening on a free port.
    pub fn sqlite(dir: &std::path::Path, env: &[(&str, &str)]) -> ServerProcess {
        let mut command = std::process::Command::new(AGORA);
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(dir)
            .env_remove("AGORA_DATABASE_URL")
            .env("AGORA_LOG", "warn")
            .envs(env.iter().copied())
            .stderr(std::process::Stdio::null());
        ServerProcess::start(&mut command)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens a graphql-transport-ws WebSocket to a server at `addr`.
pub async fn ws_connect(addr: &str) -> WsStream {
    use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};
    let mut request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .expect("a WebSocket request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket opens")
        .0
}

/// A WebSocket opened by [`ws_connect`].
pub type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Sends `query` as operation `id` on a socket whose `connection_init` went first; returns
/// the text of the first message after the `connection_ack` (its `next` or `error`).
pub async fn ws_operation(socket: &mut WsStream, id: &str, query: &str) -> String {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let subscribe = json!({ "type": "subscribe", "id": id, "payload": { "query": query } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .expect("the socket takes the message");
    loop {
        let Some(Ok(Message::Text(t))) = socket.next().await else {
            panic!("the socket closed");
        };
        if !t.contains(r#""type":"connection_ack""#) {
            return t.to_string();
        }
    }
}

/// Sends `connection_init` (with no payload) on a new socket.
pub async fn ws_init(socket: &mut WsStream) {
    use futures_util::SinkExt;
    let init = json!({ "type": "connection_init" }).to_string();
    socket
        .send(tokio_tungstenite::tungstenite::Message::Text(init.into()))
        .await
        .expect("the socket takes the message");
}

/// Creates an API key of `iom` with `scopes` through the command line, in `command`'s
/// directory and database; returns the key.
pub fn cli_key(command: &mut std::process::Command, scopes: &str) -> String {
    let out = command
        .args([
            "keys",
            "create",
            "--organisation",
            "iom",
            "--scopes",
            scopes,
        ])
        .output()
        .expect("agora keys create runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .nth(1)
        .expect("the key on the second line")
        .trim()
        .to_string()
}

/// The position of the column `name` in a CSV text, and its rows.
pub fn csv_column(text: &str, name: &str) -> (usize, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap();
    (at, reader.records().map(Result::unwrap).collect())
}

/// An answer of a server process: its status, headers (names in lower case) and body.
pub struct HttpAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpAnswer {
    /// The value of the header `name` (lower case), if the answer has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP/1.1 exchange with a server process at `addr` over a connection of its own:
/// `method` `path` with `headers` and `body` (JSON when not empty).
pub async fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> HttpAnswer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !body.is_empty() {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("the server takes connections");
    stream
        .write_all(format!("{head}{body}").as_bytes())
        .await
        .expect("the request is sent");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("an answer");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    HttpAnswer {
        status,
        headers,
        body: body.to_string(),
    }
}

/// A GraphQL request to a server process, with an API key and other headers.
pub async fn graphql_at(
    addr: &str,
    key: &str,
    query: &str,
    headers: &[(&str, &str)],
) -> HttpAnswer {
    let auth = format!("Bearer {key}");
    let mut all = vec![("Authorization", auth.as_str())];
    all.extend_from_slice(headers);
    let body = json!({ "query": query }).to_string();
    http(addr, "POST", "/graphql", &all, &body).await
}

/// The value of the sample `name` (with its labels, as the text format writes them) in
/// the `/metrics` of a server process; 0 when it has none.
pub async fn metric_at(addr: &str, sample: &str) -> f64 {
    let metrics = http(addr, "GET", "/metrics", &[], "").await.body;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(sample)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}
