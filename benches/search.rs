//! Search latency on a generated graph, by default of about 100,000 records (scale 5.5:
//! 100,960 records, 250,000 texts; `AGORA_BENCH_SCALE` sets another), on SQLite and, when
//! `AGORA_BENCH_POSTGRES_URL` is set, on PostgreSQL. Each query goes through the whole
//! server (HTTP router, GraphQL, SQL) in process; the figures are wall-clock latencies per
//! request, one client.
//!
//! ```text
//! cargo bench --bench search
//! AGORA_BENCH_SCALE=100 AGORA_BENCH_POSTGRES_URL=postgres://agora:agora@127.0.0.1/agora_bench cargo bench --bench search
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

const RUNS: usize = 40;

/// The scale of the generated graph.
fn scale() -> f64 {
    std::env::var("AGORA_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.5)
}

/// The queries, by label.
fn queries() -> Vec<(String, String)> {
    // A family name that the generator gives to a few people at any scale.
    let (_, family) = agora::seed::generate::person_name(1);
    let page_with_facets = r#"{ search(query: "migration", first: 20) { totalCount edges { score node { id __typename } snippet { html } } } dialogues { facets { year { value count } country { value count } theme { value count } } } }"#;
    [
        (
            "one common word",
            r#"{ search(query: "migration", first: 20) { edges { score node { id } } } }"#.to_string(),
        ),
        (
            "one common word, with totalCount",
            r#"{ search(query: "migration", first: 20) { totalCount edges { node { id } } } }"#.into(),
        ),
        ("common word, page of 20 with facets", page_with_facets.into()),
        (
            "a rare family name",
            format!(r#"{{ search(query: "{family}", first: 20) {{ totalCount edges {{ node {{ id }} }} }} }}"#),
        ),
        (
            "French inflection, French texts",
            r#"{ search(query: "partenariat", lang: "fr", first: 20) { edges { node { id } snippet { html } } } }"#.into(),
        ),
        (
            "phrase",
            r#"{ search(query: "\"labour migration\"", first: 20) { edges { node { id } } } }"#.into(),
        ),
        (
            "prefix",
            r#"{ search(query: "remitt*", first: 20) { edges { node { id } } } }"#.into(),
        ),
        (
            "alternatives and exclusion",
            r#"{ search(query: "remesas OR remittances -diaspora", first: 20) { edges { node { id } } } }"#.into(),
        ),
        (
            "rare word, reports of 2020",
            r#"{ search(query: "climatique", types: [REPORT], filter: {year: {eq: 2020}}, first: 20) { edges { node { id } } } }"#.into(),
        ),
    ]
    .into_iter()
    .map(|(label, q)| (label.to_string(), q))
    .collect()
}

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
        agora::seed::generate::generate(&db.conn, &agora::seed::generate::Shape::scale(scale()), 1)
            .await
            .unwrap();
    println!(
        "{name}: generated {rows} rows (scale {}) in {:.1?}",
        scale(),
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
    for (label, query) in queries() {
        let query = query.as_str();
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
