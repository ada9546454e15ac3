//! What completing an answer as the specification asks (`graphql::complete`: the
//! selection's order, null propagation) costs, beside the execution that produced it: the
//! nested query of `bench/` (100 dialogues → 10 workshops → 5 participants → organisation)
//! on a generated graph at scale 0.1, in process, on in-memory SQLite.
//!
//! ```text
//! cargo bench --bench complete
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use agora::{
    AppState,
    auth::Principal,
    config::Settings,
    db::{Database, DbOptions},
    graphql::{complete::Completion, i18n::RequestLanguages, loader::Loaders},
};
use async_graphql::Request;

const RUNS: u32 = 20;

const NESTED: &str = include_str!("../bench/postgraphile/queries/agora/c-nested.graphql");

#[tokio::main]
async fn main() {
    let db = Database::connect(&DbOptions {
        url: "sqlite::memory:".into(),
        max_connections: 1,
        schema: None,
        ..DbOptions::default()
    })
    .await
    .unwrap();
    let settings = Settings {
        seed_when_empty: false,
        ..Settings::default()
    };
    let state = AppState::with_database(settings, db).await.unwrap();
    let shape = agora::seed::generate::Shape::scale(0.1);
    agora::seed::generate::generate(&state.db.conn, &shape, 1)
        .await
        .unwrap();

    let request = || {
        let mut request = Request::new(NESTED);
        let completion = Completion::prepare(&mut request).unwrap();
        let request = request
            .data(Loaders::new(state.db.conn.clone()))
            .data(RequestLanguages::default())
            .data(Principal::Anonymous);
        (request, completion)
    };
    // One answer as the executor gives it, to complete over and over.
    let (first, completion) = request();
    let answer = state.schema.execute(first).await;
    assert!(answer.errors.is_empty(), "{:?}", answer.errors);
    let objects = serde_json::to_string(&answer.data)
        .unwrap()
        .matches('{')
        .count();

    let mut execute = Duration::ZERO;
    for _ in 0..RUNS {
        let (r, _) = request();
        let started = Instant::now();
        let _ = state.schema.execute(r).await;
        execute += started.elapsed();
    }
    let mut clone = Duration::ZERO;
    let mut complete = Duration::ZERO;
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut copy = async_graphql::Response::new(answer.data.clone());
        clone += started.elapsed();
        let started = Instant::now();
        completion.apply(&state.shapes, &mut copy);
        complete += started.elapsed();
    }
    let per = |d: Duration| d.as_secs_f64() * 1000.0 / f64::from(RUNS);
    println!("nested query, {objects} objects in the answer, {RUNS} runs each:");
    println!(
        "  execution (SQL and async-graphql): {:8.2} ms",
        per(execute)
    );
    println!(
        "  completion (order and nulls):      {:8.2} ms",
        per(complete)
    );
    println!(
        "  (cloning the answer, for scale:    {:8.2} ms)",
        per(clone)
    );
    println!(
        "  completion / execution:            {:8.1} %",
        100.0 * complete.as_secs_f64() / execute.as_secs_f64()
    );
}
