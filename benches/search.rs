//! Search latency on a generated graph of about 100,000 records (scale 5.5: 100,960
//! records, 250,000 texts), on SQLite and, when `AGORA_BENCH_POSTGRES_URL` is set, on
//! PostgreSQL. Each query goes through the whole server (HTTP router, GraphQL, SQL) in
//! process; the figures are wall-clock latencies per request.
//!
//! ```text
//! cargo bench --bench search
//! AGORA_BENCH_POSTGRES_URL=postgres://agora:agora@127.0.0.1/agora_bench cargo bench --bench search
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use agora::{
    AppState,
    config::Settings,
    db::{Database, DbOptions},
};
use axum::{body::Body, http::Request};
use http_body_util::BodyExt;
use tower::ServiceExt;

const SCALE: f64 = 5.5;
const RUNS: usize = 40;

const QUERIES: &[(&str, &str)] = &[
    (
        "one common word",
        r#"{ search(query: "migration", first: 20) { edges { score node { id } } } }"#,
    ),
    (
        "one common word, with totalCount",
        r#"{ search(query: "migration", first: 20) { totalCount edges { node { id } } } }"#,
    ),
    (
        "French inflection, French texts",
        r#"{ search(query: "partenariat", lang: "fr", first: 20) { edges { node { id } snippet { html } } } }"#,
    ),
    (
        "phrase",
        r#"{ search(query: "\"labour migration\"", first: 20) { edges { node { id } } } }"#,
    ),
    (
        "prefix",
        r#"{ search(query: "remitt*", first: 20) { edges { node { id } } } }"#,
    ),
    (
        "alternatives and exclusion",
        r#"{ search(query: "remesas OR remittances -diaspora", first: 20) { edges { node { id } } } }"#,
    ),
    (
        "rare word, reports of 2020",
        r#"{ search(query: "climatique", types: [REPORT], filter: {year: {eq: 2020}}, first: 20) { edges { node { id } } } }"#,
    ),
];

async fn post(router: &axum::Router, query: &str) -> Duration {
    let body = serde_json::json!({ "query": query }).to_string();
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let started = Instant::now();
    let response = router.clone().oneshot(request).await.unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("\"errors\""), "{text}");
    took
}

async fn run(name: &str, url: &str, schema: Option<String>) {
    let db = Database::connect(&DbOptions {
        url: url.into(),
        max_connections: 4,
        schema,
        ..DbOptions::default()
    })
    .await
    .unwrap();
    db.migrate().await.unwrap();
    let generated = Instant::now();
    let rows =
        agora::seed::generate::generate(&db.conn, &agora::seed::generate::Shape::scale(SCALE), 1)
            .await
            .unwrap();
    println!(
        "{name}: generated {rows} rows (scale {SCALE}) in {:.1?}",
        generated.elapsed()
    );
    let settings = Settings {
        seed_when_empty: false,
        ..Settings::default()
    };
    let state = AppState::with_database(settings, db).await.unwrap();
    let router = agora::app(state);
    println!(
        "{:<40} {:>9} {:>9} {:>9}",
        "query", "p50 ms", "p95 ms", "max ms"
    );
    for (label, query) in QUERIES {
        post(&router, query).await; // warm the caches
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            times.push(post(&router, query).await);
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<40} {:>9.2} {:>9.2} {:>9.2}",
            label,
            ms(times[RUNS / 2]),
            ms(times[RUNS * 95 / 100]),
            ms(times[RUNS - 1])
        );
    }
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bench.db");
    run(
        "SQLite",
        &format!("sqlite://{}?mode=rwc", file.display()),
        None,
    )
    .await;
    if let Ok(url) = std::env::var("AGORA_BENCH_POSTGRES_URL") {
        use sea_orm::ConnectionTrait;
        let schema = format!("bench_{}", std::process::id());
        let admin = sea_orm::Database::connect(&url).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
            .await
            .unwrap();
        run("PostgreSQL", &url, Some(schema.clone())).await;
        admin
            .execute_unprepared(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .await
            .unwrap();
    }
}
