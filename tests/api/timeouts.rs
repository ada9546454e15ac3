//! A request that runs past `request_timeout_ms` is answered 503, and its statement stops
//! rather than running on for nobody (`db::cancel`): on SQLite the statement is
//! interrupted, on PostgreSQL its connection is closed and the backend stops it. Both
//! against a real `agora serve` process.

use std::{process::Command, time::Duration};

use serde_json::{Value, json};

use crate::{
    common::{AGORA, PgScratch, http, metric_at},
    processes::start_with,
    shutdown::seed,
};

/// The metric of statements stopped because their request ended.
const STOPPED: &str = "agora_sql_statements_stopped_total";

/// Waits until a statement of the process at `addr` has stopped for its request.
async fn until_stopped(addr: &str) {
    let waited = tokio::time::timeout(Duration::from_secs(30), async {
        while metric_at(addr, STOPPED).await < 1.0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "no statement stopped");
}

/// How many of Agora's statements on the database of `watcher` wait for a lock.
async fn waiters(watcher: &mut sea_orm::sqlx::PgConnection) -> i64 {
    use sea_orm::sqlx::Row;
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'agora/%' \
                   AND wait_event_type = 'Lock' AND datname = current_database()";
    let row = sea_orm::sqlx::query(waiting)
        .fetch_one(watcher)
        .await
        .unwrap();
    row.get::<i64, _>(0)
}

/// Posts `body` to `/graphql` of the process at `addr`: the status and the answer.
async fn post(addr: &str, body: &Value) -> (u16, Value) {
    let headers = [("content-type", "application/json")];
    let reply = http(addr, "POST", "/graphql", &headers, &body.to_string()).await;
    let answer = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply.status, answer)
}

/// A filter that keeps SQLite busy for seconds on [`slow_summaries`]: 50 long patterns
/// (the most texts a filter may match), each of which nearly matches at every place in
/// every summary.
fn slow_filter() -> Value {
    let patterns: Vec<Value> = (0..50)
        .map(|i| json!({ "summary": { "contains": format!("{}{i:03}", "qz".repeat(200)) } }))
        .collect();
    json!({
        "query": "query($f: DialogueFilter) { dialogues(filter: $f) { totalCount } }",
        "variables": { "f": { "or": patterns } },
    })
}

/// Lengthens the dialogues' summaries in the SQLite file at `url` by 2 KB of text that
/// [`slow_filter`]'s patterns nearly match everywhere.
async fn slow_summaries(url: &str) {
    use sea_orm::sqlx::{Connection, sqlite::SqliteConnection};
    let mut conn = SqliteConnection::connect(url).await.unwrap();
    let block = format!("{}x", "qz".repeat(200)).repeat(5);
    sea_orm::sqlx::query(
        "UPDATE translation SET folded = folded || ' ' || ? \
         WHERE owner_type = 'dialogue' AND field = 'summary'",
    )
    .bind(block)
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
}

/// CPU time the process `pid` has used so far, in clock ticks (`/proc/PID/stat`).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command's name, which is in brackets: utime and stime are
    // the 12th and 13th of them.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Clock ticks per second (`getconf CLK_TCK`).
fn ticks_per_second() -> u64 {
    let out = Command::new("getconf").arg("CLK_TCK").output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_timed_out_request_stops_its_sqlite_statement() {
    let dir = tempfile::tempdir().unwrap();
    // 300 dialogues.
    let generated = Command::new(AGORA)
        .args(["generate", "--scale", "0.3"])
        .current_dir(dir.path())
        .env_remove("AGORA_DATABASE_URL")
        .output()
        .unwrap();
    assert!(generated.status.success(), "{generated:?}");
    let url = format!("sqlite://{}", dir.path().join("agora.db").display());
    slow_summaries(&url).await;
    // A second: the statement would run for seconds more (over 30 s in a debug build).
    let server = start_with(&url, &[("AGORA_REQUEST_TIMEOUT_MS", "1000")]);
    assert_eq!(metric_at(&server.addr, STOPPED).await, 0.0);

    let (status, answer) = post(&server.addr, &slow_filter()).await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{answer}"
    );
    // The statement was still running when the request ended, and was interrupted.
    until_stopped(&server.addr).await;
    // The process is idle again: in the next second it uses a fraction of a core, where
    // the statement would have kept one busy for seconds more.
    let pid = server.child.id();
    let before = cpu_ticks(pid);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let used = cpu_ticks(pid) - before;
    let per_second = ticks_per_second();
    assert!(
        used * 2 < per_second,
        "{used} ticks of {per_second} in a second"
    );
    // The connection went back to the pool, and serves the next request.
    let small = json!({ "query": "{ dialogues(first: 1) { totalCount } }" });
    let (status, answer) = post(&server.addr, &small).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["data"]["dialogues"]["totalCount"].as_i64() > Some(0));
}

#[tokio::test]
async fn a_timed_out_request_stops_its_postgresql_statement() {
    use sea_orm::sqlx::{Connection, Executor, postgres::PgConnection};
    let Some(scratch) = PgScratch::database("agora_timeout").await else {
        eprintln!("AGORA_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let url = scratch.url.clone();
    seed(Command::new(AGORA).env("AGORA_DATABASE_URL", &url));
    let server = start_with(
        &url,
        &[
            ("AGORA_REQUEST_TIMEOUT_MS", "300"),
            ("AGORA_STATEMENT_TIMEOUT_MS", "0"),
        ],
    );
    // A statement that would wait for ever: the test holds a lock it needs.
    let mut locker = PgConnection::connect(&url).await.unwrap();
    locker.execute("BEGIN").await.unwrap();
    locker
        .execute("LOCK TABLE dialogue IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let mut watcher = PgConnection::connect(&url).await.unwrap();
    assert_eq!(waiters(&mut watcher).await, 0);

    let query = json!({ "query": "{ dialogues(first: 1) { nodes { slug } } }" });
    let (status, answer) = post(&server.addr, &query).await;
    assert_eq!(status, 503, "{answer}");
    until_stopped(&server.addr).await;
    // With the lock still held, no statement of Agora waits for it any more.
    let gone = tokio::time::timeout(Duration::from_secs(30), async {
        while waiters(&mut watcher).await > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "the statement still waits for the lock");
    locker.execute("ROLLBACK").await.unwrap();
    let (status, answer) = post(&server.addr, &query).await;
    assert_eq!(status, 200, "{answer}");
}
