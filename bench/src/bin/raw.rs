//! The raw baseline of the benchmarks: the practical limit of a GraphQL server on Agora's
//! data. Each scenario is one hand-written SQL statement that builds the whole JSON answer
//! in PostgreSQL (`json_agg`), returned as it comes; no GraphQL at all. The answers have
//! the shape and the records of Agora's answers to the same scenarios
//! (`bench/postgraphile/queries/agora/`).
//!
//! ```text
//! cargo run -p bench --release --bin raw -- --database-url postgres://... --listen 127.0.0.1:5680
//! GET /a?id=ID  /b  /c  /d?slug=SLUG  /e?after=ID  /f?q=TSQUERY  /h  /i
//! POST /g (a JSON array of dialogues to upsert)
//! ```

use std::net::SocketAddr;

use axum::{
    Router,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
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

/// A record's text in `lang`, with Agora's fallback (`lang`, English, the record's
/// original language, the first language by code), as `{"text": ...}`; null when the
/// record has no such text.
fn text_in(owner: &str, alias: &str, field: &str, lang: &str) -> String {
    format!(
        "(SELECT json_build_object('text', t.value) FROM translation t \
         WHERE t.owner_type = '{owner}' AND t.owner_id = {alias}.id AND t.field = '{field}' \
         ORDER BY t.lang = '{lang}' DESC, t.lang = 'en' DESC, t.lang = {alias}.original_lang DESC, t.lang LIMIT 1)"
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

/// (e) The 10 workshops written in English after the workshop id `$1`, by id.
fn keyset() -> String {
    format!(
        "SELECT json_build_object('data', json_build_object('workshops', (
          SELECT json_build_object(
            'edges', COALESCE(json_agg(json_build_object('cursor', w.id::text, 'node',
              json_build_object('id', {wid}, 'title', {wtitle})) ORDER BY w.id), '[]'),
            'pageInfo', json_build_object(
              'hasNextPage', EXISTS (SELECT 1 FROM workshop n WHERE n.deleted_at IS NULL
                AND n.original_lang = 'en' AND n.id > max(w.id)),
              'endCursor', max(w.id)::text))
          FROM (SELECT * FROM workshop WHERE deleted_at IS NULL AND original_lang = 'en'
                AND id > $1 ORDER BY id LIMIT 10) w)))::text",
        wid = gid("Workshop", "w.id"),
        wtitle = text("workshop", "w", "title"),
    )
}

/// A facet of the dialogues: `value` and `count` of each value of `expr` over `from`,
/// most frequent first.
fn facet(expr: &str, from: &str) -> String {
    format!(
        "(SELECT COALESCE(json_agg(json_build_object('value', v, 'count', n) ORDER BY n DESC, v), '[]')
          FROM (SELECT {expr} AS v, count(*) AS n {from} GROUP BY 1) f)"
    )
}

/// (f) Search with facets: the 20 records whose texts best match the tsquery `$1`
/// (Agora's search index, ranked by `ts_rank_cd`), how many records match, and the
/// dialogue facets by year, country and theme.
fn search() -> String {
    format!(
        "WITH hits AS (
           SELECT owner_type, owner_id, max(ts_rank_cd(tsv, to_tsquery('simple', $1))) AS score
           FROM search_entry WHERE tsv @@ to_tsquery('simple', $1)
           GROUP BY owner_type, owner_id)
         SELECT json_build_object('data', json_build_object(
           'search', json_build_object(
             'totalCount', (SELECT count(*) FROM hits),
             'edges', COALESCE((SELECT json_agg(json_build_object('score', score, 'node',
               json_build_object('id', {hid}, '__typename', initcap(owner_type)))
               ORDER BY score DESC, owner_type, owner_id)
               FROM (SELECT * FROM hits ORDER BY score DESC, owner_type, owner_id LIMIT 20) h), '[]')),
           'dialogues', json_build_object('facets', json_build_object(
             'year', {year}, 'country', {country}, 'theme', {theme}))))::text",
        hid = gid("' || initcap(h.owner_type) || '", "h.owner_id"),
        year = facet(
            "year::text",
            "FROM dialogue WHERE deleted_at IS NULL AND year IS NOT NULL"
        ),
        country = facet(
            "country",
            "FROM dialogue WHERE deleted_at IS NULL AND country IS NOT NULL"
        ),
        theme = facet(
            "th.code",
            "FROM theme_tag tt JOIN dialogue d ON d.id = tt.node_id AND d.deleted_at IS NULL
             JOIN theme th ON th.id = tt.theme_id WHERE tt.node_type = 'dialogue'"
        ),
    )
}

/// (g) A bulk upsert of dialogues by (partner, external id), with their English titles,
/// in one statement: `$1` is a JSON array of {partner_id, external_id, slug, title, year}.
fn upsert() -> String {
    "WITH r AS (
       SELECT * FROM json_to_recordset($1::json)
         AS x(partner_id bigint, external_id text, slug text, title text, year int)
     ), d AS (
       INSERT INTO dialogue (slug, original_lang, partner_id, external_id, year, version,
                             created_at, updated_at)
       SELECT slug, 'en', partner_id, external_id, year, 1, now(), now() FROM r
       ON CONFLICT (partner_id, external_id) WHERE deleted_at IS NULL
       DO UPDATE SET year = EXCLUDED.year, version = dialogue.version + 1, updated_at = now()
       RETURNING id, external_id, version
     ), t AS (
       INSERT INTO translation (owner_type, owner_id, field, lang, value, folded)
       SELECT 'dialogue', d.id, 'title', 'en', r.title, lower(r.title)
       FROM d JOIN r USING (external_id)
       ON CONFLICT (owner_type, owner_id, field, lang)
       DO UPDATE SET value = EXCLUDED.value, folded = EXCLUDED.folded
       RETURNING owner_id
     )
     SELECT json_build_object('data', json_build_object('sync', json_build_object(
       'applied', true,
       'results', (SELECT json_agg(json_build_object('version', d.version)) FROM d),
       'written', (SELECT count(*) FROM t))))::text"
        .to_owned()
}

/// (h) The first 100 changes of the feed, in sequence order.
fn feed() -> String {
    format!(
        "SELECT json_build_object('data', json_build_object('changes', json_build_object(
          'edges', COALESCE((SELECT json_agg(json_build_object('cursor', c.seq::text, 'node',
            json_build_object('sequence', c.seq::text, 'op', c.op, 'type', upper(c.node_type),
              'id', {cid}, 'externalId', c.external_id, 'version', c.version,
              'occurredAt', c.occurred_at)) ORDER BY c.seq)
            FROM (SELECT * FROM change ORDER BY seq LIMIT 100) c), '[]'),
          'pageInfo', json_build_object('hasNextPage',
            (SELECT count(*) > 100 FROM (SELECT 1 FROM change LIMIT 101) n)))))::text",
        cid = gid("' || initcap(c.node_type) || '", "c.node_id"),
    )
}

/// (i) A front-end page in French: 20 dialogues (title, summary), 10 workshops each
/// (title, 5 participants with role and name), 3 reports each dialogue references (role,
/// title).
fn page() -> String {
    format!(
        "SELECT json_build_object('data', json_build_object('dialogues', json_build_object('nodes',
          COALESCE((SELECT json_agg(json_build_object('id', {did}, 'slug', d.slug,
            'title', {dtitle}, 'summary', {dsummary}, 'workshops',
            json_build_object('nodes', COALESCE((
              SELECT json_agg(json_build_object('id', {wid}, 'title', {wtitle},
                'participants', json_build_object('edges', COALESCE((
                  SELECT json_agg(json_build_object('role', upper(p.role), 'node',
                    json_build_object('id', {oid}, 'name', {oname})) ORDER BY o.id, p.id)
                  FROM (SELECT * FROM workshop_participant WHERE workshop_id = w.id
                        ORDER BY organisation_id, id LIMIT 5) p
                  JOIN organisation o ON o.id = p.organisation_id AND o.deleted_at IS NULL), '[]')))
                ORDER BY w.id)
              FROM (SELECT * FROM workshop WHERE dialogue_id = d.id AND deleted_at IS NULL
                    ORDER BY id LIMIT 10) w), '[]')),
            'reports', json_build_object('edges', COALESCE((
              SELECT json_agg(json_build_object('role', upper(dr.role), 'node',
                json_build_object('id', {rid}, 'title', {rtitle})) ORDER BY r.id, dr.id)
              FROM (SELECT * FROM dialogue_report WHERE dialogue_id = d.id
                    ORDER BY report_id, id LIMIT 3) dr
              JOIN report r ON r.id = dr.report_id AND r.deleted_at IS NULL), '[]')))
            ORDER BY d.id)
          FROM (SELECT * FROM dialogue WHERE deleted_at IS NULL ORDER BY id LIMIT 20) d), '[]'))))::text",
        did = gid("Dialogue", "d.id"),
        wid = gid("Workshop", "w.id"),
        oid = gid("Organisation", "o.id"),
        rid = gid("Report", "r.id"),
        dtitle = text_in("dialogue", "d", "title", "fr"),
        dsummary = text_in("dialogue", "d", "summary", "fr"),
        wtitle = text_in("workshop", "w", "title", "fr"),
        oname = text_in("organisation", "o", "name", "fr"),
        rtitle = text_in("report", "r", "title", "fr"),
    )
}

#[derive(Clone)]
struct Baseline {
    pool: PgPool,
    sql: [SqlStr; 9],
}

#[derive(Deserialize, Default)]
struct Params {
    id: Option<i64>,
    slug: Option<String>,
    after: Option<i64>,
    q: Option<String>,
}

async fn answer(baseline: &Baseline, scenario: usize, params: Params, body: String) -> Response {
    let sql = baseline.sql[scenario].clone();
    let query = sea_orm::sqlx::query_scalar::<_, String>(sql);
    let query = match scenario {
        0 => query.bind(params.id.unwrap_or(1)),
        3 => query.bind(params.slug.unwrap_or_default()),
        4 => query.bind(params.after.unwrap_or(0)),
        5 => query.bind(params.q.unwrap_or_else(|| "migrat:A".into())),
        6 => query.bind(body),
        _ => query,
    };
    match query.fetch_one(&baseline.pool).await {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

macro_rules! scenario {
    ($n:expr) => {
        get(
            |State(b): State<Baseline>, Query(p): Query<Params>| async move {
                answer(&b, $n, p, String::new()).await
            },
        )
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
        sql: [
            node(),
            list(),
            nested(),
            org_path(),
            keyset(),
            search(),
            upsert(),
            feed(),
            page(),
        ]
        .map(|sql| AssertSqlSafe(sql).into_sql_str()),
    };
    let app = Router::new()
        .route("/a", scenario!(0))
        .route("/b", scenario!(1))
        .route("/c", scenario!(2))
        .route("/d", scenario!(3))
        .route("/e", scenario!(4))
        .route("/f", scenario!(5))
        .route(
            "/g",
            post(|State(b): State<Baseline>, body: String| async move {
                answer(&b, 6, Params::default(), body).await
            }),
        )
        .route("/h", scenario!(7))
        .route("/i", scenario!(8))
        .with_state(baseline);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!(
        "raw baseline listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
