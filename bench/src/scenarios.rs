//! The scenarios, and the request each server under test gets for each: Agora's queries
//! are in `bench/postgraphile/queries/agora/`, PostGraphile's equivalents in
//! `bench/postgraphile/queries/`, and the raw baseline has one route per scenario.
//! PostGraphile's cluster gets exactly the requests of the single PostGraphile.

use std::{fs, path::Path, sync::OnceLock};

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Fallible;

/// A server under test (in the order of [`Target::ALL`], which its value indexes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Target {
    AgoraPostgres,
    AgoraSqlite,
    /// One Node process.
    PostGraphile,
    /// A `node:cluster` of [`cluster_workers`] Node workers on one port.
    PostGraphileCluster,
    Raw,
}

impl Target {
    /// Every target, in report order.
    pub const ALL: [Target; 5] = [
        Target::AgoraPostgres,
        Target::AgoraSqlite,
        Target::PostGraphile,
        Target::PostGraphileCluster,
        Target::Raw,
    ];

    /// Its name in the report.
    pub fn label(self) -> &'static str {
        match self {
            Target::AgoraPostgres => "Agora (PostgreSQL)",
            Target::AgoraSqlite => "Agora (SQLite)",
            Target::PostGraphile => "PostGraphile 5.1.5",
            Target::PostGraphileCluster => {
                static LABEL: OnceLock<String> = OnceLock::new();
                LABEL.get_or_init(|| format!("PostGraphile 5.1.5 ×{}", cluster_workers()))
            }
            Target::Raw => "raw SQL",
        }
    }

    /// Whether it is Agora.
    pub fn is_agora(self) -> bool {
        matches!(self, Target::AgoraPostgres | Target::AgoraSqlite)
    }
}

/// The number of workers of PostGraphile's cluster (its launcher gets it as `WORKERS`):
/// one per core this process may use (`available_parallelism`), or
/// `AGORA_BENCH_PGL_WORKERS`.
pub fn cluster_workers() -> usize {
    static WORKERS: OnceLock<usize> = OnceLock::new();
    *WORKERS.get_or_init(|| {
        std::env::var("AGORA_BENCH_PGL_WORKERS")
            .ok()
            .and_then(|n| n.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
    })
}

/// What the scenarios need to know about the data and the servers.
pub struct Facts {
    /// The dialogue asked for by id.
    pub dialogue_id: i64,
    /// The organisation of the deep query: the one in the most dialogues.
    pub organisation: (i64, String),
    /// The workshop id after which the deep page starts.
    pub deep_after: i64,
    /// Which page that is (1,000 at scale 1 and above).
    pub deep_page: i64,
    /// PostGraphile's cursor for the same place.
    pub deep_cursor_postgraphile: String,
    /// The partner whose records the upsert writes (and Agora's write keys for it).
    pub partner_id: i64,
    pub key_postgres: String,
    pub key_sqlite: String,
}

/// One request of a scenario.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: &'static str,
    pub path: String,
    pub body: Option<String>,
    pub headers: Vec<String>,
}

impl Req {
    fn graphql(body: Value, headers: Vec<String>) -> Req {
        Req {
            method: "POST",
            path: "/graphql".into(),
            body: Some(body.to_string()),
            headers,
        }
    }

    fn get(path: String) -> Req {
        Req {
            method: "GET",
            path,
            body: None,
            headers: Vec::new(),
        }
    }
}

/// A scenario: a name, what it does, and its request for each target that has it.
pub struct Scenario {
    pub key: &'static str,
    pub title: String,
    pub requests: Vec<(Target, Req)>,
}

/// The number of records of the bulk upsert.
pub const UPSERT_RECORDS: usize = 500;

fn query(dir: &Path, file: &str) -> Fallible<String> {
    Ok(fs::read_to_string(dir.join(file))
        .map_err(|e| format!("{}: {e}", dir.join(file).display()))?)
}

/// The header of an Agora API key.
fn bearer(key: &str) -> String {
    format!("Authorization: Bearer {key}")
}

/// An Agora global id.
fn agora_id(kind: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

/// The scenarios, in the order they run (writes last, the feed read after them).
pub fn all(root: &Path, f: &Facts) -> Fallible<Vec<Scenario>> {
    let pg = root.join("bench/postgraphile/queries");
    let ag = pg.join("agora");
    let both = |file: &str,
                agora_vars: Value,
                pg_vars: Value,
                raw: String|
     -> Fallible<Vec<(Target, Req)>> {
        let a = json!({"query": query(&ag, file)?, "variables": agora_vars});
        let p = json!({"query": query(&pg, file)?, "variables": pg_vars});
        Ok(vec![
            (Target::AgoraPostgres, Req::graphql(a.clone(), vec![])),
            (Target::AgoraSqlite, Req::graphql(a, vec![])),
            (Target::PostGraphile, Req::graphql(p.clone(), vec![])),
            (Target::PostGraphileCluster, Req::graphql(p, vec![])),
            (Target::Raw, Req::get(raw)),
        ])
    };
    let (org_id, org_slug) = &f.organisation;
    let agora_cursor = |id: i64| URL_SAFE_NO_PAD.encode(json!(["id.asc", id, id]).to_string());
    let mut scenarios = vec![
        Scenario {
            key: "node",
            title: "node by id".into(),
            requests: both(
                "a-node.graphql",
                json!({"id": agora_id("Dialogue", f.dialogue_id)}),
                json!({"id": STANDARD.encode(json!(["Dialogue", f.dialogue_id.to_string()]).to_string())}),
                format!("/a?id={}", f.dialogue_id),
            )?,
        },
        Scenario {
            key: "flat",
            title: "flat list of 20".into(),
            requests: both("b-list.graphql", json!({}), json!({}), "/b".into())?,
        },
        Scenario {
            key: "nested",
            title: "nested 100 → 10 → 5 → 1".into(),
            requests: both("c-nested.graphql", json!({}), json!({}), "/c".into())?,
        },
        Scenario {
            key: "page",
            title: "front-end page in French".into(),
            requests: both("i-page.graphql", json!({}), json!({}), "/i".into())?,
        },
        Scenario {
            key: "deep",
            title: "organisation → 20 → 10 → 5".into(),
            requests: both(
                "d-org-path.graphql",
                json!({"slug": org_slug}),
                json!({"rowId": org_id.to_string()}),
                format!("/d?slug={org_slug}"),
            )?,
        },
        Scenario {
            key: "page1",
            title: "keyset page 1".into(),
            requests: both(
                "e-keyset.graphql",
                json!({"after": null}),
                json!({"after": null}),
                "/e?after=0".into(),
            )?,
        },
        Scenario {
            key: "pagedeep",
            title: format!("keyset page {}", f.deep_page),
            requests: both(
                "e-keyset.graphql",
                json!({"after": agora_cursor(f.deep_after)}),
                json!({"after": f.deep_cursor_postgraphile}),
                format!("/e?after={}", f.deep_after),
            )?,
        },
        Scenario {
            key: "search",
            title: "search with facets".into(),
            requests: both(
                "f-search.graphql",
                json!({}),
                json!({}),
                "/f?q=migrat".into(),
            )?,
        },
    ];
    scenarios.push(upsert(&ag, &pg, f)?);
    // The feed needs a key (it shows who changed what).
    let mut feed = both("h-feed.graphql", json!({}), json!({}), "/h".into())?;
    for (target, req) in &mut feed {
        match target {
            Target::AgoraPostgres => req.headers = vec![bearer(&f.key_postgres)],
            Target::AgoraSqlite => req.headers = vec![bearer(&f.key_sqlite)],
            _ => {}
        }
    }
    scenarios.push(Scenario {
        key: "feed",
        title: "change feed, 100".into(),
        requests: feed,
    });
    Ok(scenarios)
}

/// The bulk upsert: 500 dialogues by external id, their titles changed by every request
/// (`@N@` is replaced by a number of its own in each request). Each server writes its
/// own 500 records; PostGraphile's two deployments write the same ones, with the same
/// request.
fn upsert(ag: &Path, pg: &Path, f: &Facts) -> Fallible<Scenario> {
    let title = |i: usize| format!("Bench dialogue {i} (@N@)");
    let agora_records: Vec<Value> = (0..UPSERT_RECORDS)
        .map(|i| {
            json!({"dialogue": {"externalId": format!("bench-{i}"), "input": {
                "slug": format!("bench-agora-{i}"), "originalLanguage": "en", "year": 2020,
                "title": [{"lang": "en", "text": title(i)}]}}})
        })
        .collect();
    let plain = |side: &str| -> Vec<Value> {
        (0..UPSERT_RECORDS)
            .map(|i| {
                json!({"partner_id": f.partner_id, "external_id": format!("{side}-{i}"),
                       "slug": format!("bench-{side}-{i}"), "title": title(i), "year": 2020})
            })
            .collect()
    };
    let agora_query = query(ag, "g-upsert.graphql")?;
    let agora = |key: &str| {
        Req::graphql(
            json!({"query": agora_query, "variables": {"records": agora_records}}),
            vec![bearer(key)],
        )
    };
    let postgraphile = Req::graphql(
        json!({"query": query(pg, "g-upsert.graphql")?, "variables": {"records": plain("pgl")}}),
        vec![],
    );
    Ok(Scenario {
        key: "upsert",
        title: format!("bulk upsert of {UPSERT_RECORDS}"),
        requests: vec![
            (Target::AgoraPostgres, agora(&f.key_postgres)),
            (Target::AgoraSqlite, agora(&f.key_sqlite)),
            (Target::PostGraphile, postgraphile.clone()),
            (Target::PostGraphileCluster, postgraphile),
            (
                Target::Raw,
                Req {
                    method: "POST",
                    path: "/g".into(),
                    body: Some(Value::Array(plain("raw")).to_string()),
                    headers: vec![],
                },
            ),
        ],
    })
}
