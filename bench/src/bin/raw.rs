//! The raw baseline of the benchmarks: the practical limit of a GraphQL server on Agora's
//! data. Each scenario is one hand-written SQL statement that builds the whole JSON answer
//! in PostgreSQL (`json_agg`), returned as it comes; no GraphQL at all. The answers have
//! the shape and the records of Agora's answers to the same scenarios
//! (`bench/postgraphile/queries/agora/`).
//!
//! ```text
//! cargo run -p bench --release --bin raw -- --database-url postgres://... --listen 127.0.0.1:5680
//! GET /a?id=ID  /b  /c  /d?slug=SLUG  /e?after=ID
//! ```

use std::net::SocketAddr;

use axum::{
    Router,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use clap::Parser;
use sea_orm::sqlx::{AssertSqlSafe, PgPool, SqlSafeStr, SqlStr, postgres::PgPoolOptions};
use serde::Deserialize;

#[derive(Parser)]
struct Args {
    /// The PostgreSQL database (Agora's schema).
    #[arg(long)]
    database_url: String,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:5680")]
    listen: SocketAddr,
    /// Largest pool of connections (Agora's default is 10).
    #[arg(long, default_value_t = 10)]
    pool: u32,
}

/// A record's global id, as Agora writes it: URL-safe base64, without padding, of
/// `Type:id`.
fn gid(kind: &str, id: &str) -> String {
    format!(
        "translate(rtrim(encode(convert_to('{kind}:' || {id}, 'UTF8'), 'base64'), '='), '+/', '-_')"
    )
}

/// A record's text in English, with Agora's fallback (English, then the record's original
/// language, then the first language by code), as `{"text": ...}`.
fn text(owner: &str, alias: &str, field: &str) -> String {
    format!(
        "json_build_object('text', (SELECT t.value FROM translation t \
         WHERE t.owner_type = '{owner}' AND t.owner_id = {alias}.id AND t.field = '{field}' \
         ORDER BY t.lang = 'en' DESC, t.lang = {alias}.original_lang DESC, t.lang LIMIT 1))"
    )
}

/// (a) A dialogue by id: id, slug, English title.
fn node() -> String {
    format!(
        "SELECT json_build_object('data', json_build_object('node', (
            SELECT json_build_object('id', {id}, 'slug', d.slug, 'title', {title})
            FROM dialogue d WHERE d.id = $1 AND d.deleted_at IS NULL)))::text",
        id = gid("Dialogue", "d.id"),
        title = text("dialogue", "d", "title"),
    )
}

/// A dialogue of a list: id, slug, English title, start date.
fn dialogue_row() -> String {
    format!(
        "json_build_object('id', {id}, 'slug', d.slug, 'title', {title}, 'startDate', d.start_date)",
        id = gid("Dialogue", "d.id"),
        title = text("dialogue", "d", "title"),
    )
}

/// A page of 20 dialogues by id, of those that `condition` admits.
fn dialogues(condition: &str) -> String {
    format!(
        "SELECT json_build_object('data', json_build_object('dialogues', json_build_object('nodes',
            COALESCE((SELECT json_agg({row} ORDER BY d.id) FROM (
                SELECT * FROM dialogue WHERE deleted_at IS NULL AND {condition}
                ORDER BY id LIMIT 20) d), '[]'))))::text",
        row = dialogue_row(),
    )
}

/// (b) The first 20 dialogues.
fn list() -> String {
    dialogues("TRUE")
}

/// (c) 100 dialogues, 10 workshops each, 5 participating organisations each (with the
/// role), each organisation's slug and English name.
fn nested() -> String {
    format!(
        "SELECT json_build_object('data', json_build_object('dialogues', json_build_object('nodes',
          COALESCE((SELECT json_agg(json_build_object('id', {did}, 'slug', d.slug, 'workshops',
            json_build_object('nodes', COALESCE((
              SELECT json_agg(json_build_object('id', {wid}, 'participants', json_build_object('edges',
                COALESCE((
                  SELECT json_agg(json_build_object('role', upper(p.role), 'node',
                    json_build_object('id', {oid}, 'slug', o.slug, 'name', {name})) ORDER BY o.id, p.id)
                  FROM (SELECT * FROM workshop_participant WHERE workshop_id = w.id
                        ORDER BY organisation_id, id LIMIT 5) p
                  JOIN organisation o ON o.id = p.organisation_id AND o.deleted_at IS NULL), '[]')))
                ORDER BY w.id)
              FROM (SELECT * FROM workshop WHERE dialogue_id = d.id AND deleted_at IS NULL
                    ORDER BY id LIMIT 10) w), '[]'))) ORDER BY d.id)
          FROM (SELECT * FROM dialogue WHERE deleted_at IS NULL ORDER BY id LIMIT 100) d), '[]'))))::text",
        did = gid("Dialogue", "d.id"),
        wid = gid("Workshop", "w.id"),
        oid = gid("Organisation", "o.id"),
        name = text("organisation", "o", "name"),
    )
}

/// (d) An organisation by slug, the dialogues it takes part in (20, with its role), their
/// workshops (10), the reports each workshop references (5, with the report's role).
fn org_path() -> String {
    format!(
        "SELECT json_build_object('data', json_build_object('organisationBySlug', (
          SELECT json_build_object('id', {oid}, 'slug', o.slug, 'name', {oname}, 'dialogues',
            json_build_object('edges', COALESCE((
              SELECT json_agg(json_build_object('role', upper(dp.role), 'node', json_build_object(
                'id', {did}, 'slug', d.slug, 'title', {dtitle}, 'workshops', json_build_object('nodes',
                COALESCE((
                  SELECT json_agg(json_build_object('id', {wid}, 'title', {wtitle}, 'reports',
                    json_build_object('edges', COALESCE((
                      SELECT json_agg(json_build_object('role', upper(wr.role), 'node', json_build_object(
                        'id', {rid}, 'symbol', r.symbol, 'title', {rtitle})) ORDER BY r.id, wr.id)
                      FROM (SELECT * FROM workshop_report WHERE workshop_id = w.id
                            ORDER BY report_id, id LIMIT 5) wr
                      JOIN report r ON r.id = wr.report_id AND r.deleted_at IS NULL), '[]'))) ORDER BY w.id)
                  FROM (SELECT * FROM workshop WHERE dialogue_id = d.id AND deleted_at IS NULL
                        ORDER BY id LIMIT 10) w), '[]')))) ORDER BY d.id, dp.id)
              FROM (SELECT * FROM dialogue_participant WHERE organisation_id = o.id
                    ORDER BY dialogue_id, id LIMIT 20) dp
              JOIN dialogue d ON d.id = dp.dialogue_id AND d.deleted_at IS NULL), '[]')))
          FROM organisation o WHERE o.slug = $1 AND o.deleted_at IS NULL)))::text",
        oid = gid("Organisation", "o.id"),
        oname = text("organisation", "o", "name"),
        did = gid("Dialogue", "d.id"),
        dtitle = text("dialogue", "d", "title"),
        wid = gid("Workshop", "w.id"),
        wtitle = text("workshop", "w", "title"),
        rid = gid("Report", "r.id"),
        rtitle = text("report", "r", "title"),
    )
}

/// (e) The 20 dialogues written in English after the dialogue id `$1`, by id.
fn keyset() -> String {
    dialogues("original_lang = 'en' AND id > $1")
}

#[derive(Clone)]
struct Baseline {
    pool: PgPool,
    sql: [SqlStr; 5],
}

#[derive(Deserialize)]
struct Params {
    id: Option<i64>,
    slug: Option<String>,
    after: Option<i64>,
}

async fn answer(baseline: &Baseline, scenario: usize, params: Params) -> Response {
    let sql = baseline.sql[scenario].clone();
    let query = sea_orm::sqlx::query_scalar::<_, String>(sql);
    let query = match scenario {
        0 => query.bind(params.id.unwrap_or(1)),
        3 => query.bind(params.slug.unwrap_or_default()),
        4 => query.bind(params.after.unwrap_or(0)),
        _ => query,
    };
    match query.fetch_one(&baseline.pool).await {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

macro_rules! scenario {
    ($n:expr) => {
        get(|State(b): State<Baseline>, Query(p): Query<Params>| async move {
            answer(&b, $n, p).await
        })
    };
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let pool = PgPoolOptions::new()
        .max_connections(args.pool)
        .connect(&args.database_url)
        .await?;
    let baseline = Baseline {
        pool,
        sql: [node(), list(), nested(), org_path(), keyset()]
            .map(|sql| AssertSqlSafe(sql).into_sql_str()),
    };
    let app = Router::new()
        .route("/a", scenario!(0))
        .route("/b", scenario!(1))
        .route("/c", scenario!(2))
        .route("/d", scenario!(3))
        .route("/e", scenario!(4))
        .with_state(baseline);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!(
        "raw baseline listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
