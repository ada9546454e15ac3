//! A query's SQL statements depend on its shape, never on how many parents it has.

use serde_json::json;

use crate::{common::*, db_test};

/// dialogues -> workshops -> participating organisations -> their parent, with texts.
const NESTED: &str = r#"{ dialogues(first: 100) { edges { node { slug title { text }
    workshops { edges { node { title { text }
        participants { edges { role node { slug name { text }
            parent { slug name { text } } } } } } } } } } } }"#;

/// Statements of `NESTED` at most: the dialogues, their titles, the workshops, their
/// titles, the participants, their names, the parents, and their names (one fewer when
/// every parent's name was loaded already as a participant's).
const AT_MOST: u64 = 8;

async fn count_for(app: &TestApp, dialogues: usize) -> (u64, usize) {
    let mut shape = small_shape();
    shape.dialogues = dialogues;
    shape.workshops_per_dialogue = 3;
    shape.participants_per_workshop = 3;
    generate(app, &shape).await;
    let before = app.statements();
    let d = app.data(NESTED, json!({})).await;
    let statements = app.statements() - before;
    let edges = d["dialogues"]["edges"].as_array().unwrap();
    let parents = edges
        .iter()
        .flat_map(|e| e["node"]["workshops"]["edges"].as_array().unwrap().iter())
        .flat_map(|w| {
            w["node"]["participants"]["edges"]
                .as_array()
                .unwrap()
                .iter()
        })
        .filter(|p| !p["node"]["parent"].is_null())
        .count();
    assert_eq!(edges.len(), dialogues);
    (statements, parents)
}

async fn same_count_over_2_and_100_dialogues(backend: Backend) {
    let (Some(two), Some(hundred)) = (
        TestApp::start(backend, false).await,
        TestApp::start(backend, false).await,
    ) else {
        eprintln!("no {backend:?} server: skipped");
        return;
    };
    let (small, small_parents) = count_for(&two, 2).await;
    let (large, large_parents) = count_for(&hundred, 100).await;
    assert!(small_parents > 0 && large_parents > small_parents);
    eprintln!("{backend:?}: {small} statements over 2 dialogues, {large} over 100");
    assert_eq!(small, large);
    assert!(
        (AT_MOST - 1..=AT_MOST).contains(&large),
        "{large} statements"
    );
}

#[tokio::test]
async fn nested_query_same_count_over_2_and_100_dialogues_sqlite() {
    same_count_over_2_and_100_dialogues(Backend::Sqlite).await;
}

#[tokio::test]
async fn nested_query_same_count_over_2_and_100_dialogues_postgres() {
    same_count_over_2_and_100_dialogues(Backend::Postgres).await;
}

db_test!(counts_and_nested_pages_stay_per_level, empty, |app| {
    generate(&app, &small_shape()).await;
    let q = r#"{ organisations(first: 30) { totalCount nodes {
        dialogues(first: 5) { totalCount edges { role node { themes { totalCount nodes { code } } } } }
        workshops(first: 1) { totalCount } } } }"#;
    let before = app.statements();
    app.data(q, json!({})).await;
    // Page and count of organisations, pages and counts of dialogues and workshops, page
    // and count of the dialogues' themes.
    assert_eq!(app.statements() - before, 8);
});

db_test!(
    the_change_feed_poller_is_not_counted_with_requests,
    seeded,
    |app| {
        let requests = app.statements();
        let background = app.state.db.background_statement_counter();
        let seen = background.get();
        // The poller reads the feed every second: wait for its next statement (the event),
        // giving up after a bound far above that.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while background.get() == seen {
            assert!(
                std::time::Instant::now() < deadline,
                "the poller ran no statement"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(
            app.statements(),
            requests,
            "the poller's statements count apart"
        );
        // A request's statements do count (the positive control).
        app.data("{ dialogues { totalCount } }", json!({})).await;
        assert!(app.statements() > requests);
    }
);

/// The first column of the one row `sql` answers on `db`.
async fn one<T: sea_orm::TryGetable>(db: &sea_orm::DatabaseConnection, sql: &str) -> T {
    use sea_orm::{ConnectionTrait, Statement};
    let statement = Statement::from_string(db.get_database_backend(), sql);
    let row = db.query_one_raw(statement).await.unwrap().unwrap();
    row.try_get_by_index::<T>(0).unwrap()
}

/// A server reads a SQLite file through a memory map, on every connection of its pool;
/// one-shot commands (their options are the settings' own) read it without.
#[tokio::test]
async fn a_server_reads_its_sqlite_file_through_a_memory_map() {
    use agora::{
        config::Settings,
        db::{Database, DbOptions},
    };
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        database_url: format!("sqlite://{}?mode=rwc", dir.path().join("a.db").display()),
        seed_when_empty: false,
        ..Settings::default()
    };
    let state = agora::AppState::open(settings.clone()).await.unwrap();
    // Two statements at once, each on a connection of its own.
    let (a, b) = tokio::join!(
        one::<i64>(&state.db.conn, "PRAGMA mmap_size"),
        one::<i64>(&state.db.conn, "PRAGMA mmap_size")
    );
    assert_eq!((a, b), (1 << 30, 1 << 30));
    let command = Database::connect(&DbOptions::from_settings(&settings))
        .await
        .unwrap();
    assert_eq!(one::<i64>(&command.conn, "PRAGMA mmap_size").await, 0);
}
