//! The `agora` command line: serve, migrate, seed, generate, schema, export, import and
//! keys. It lives in the library, and `main.rs` only calls it, so that the binary crate
//! compiles in seconds: the generic code the commands use is instantiated once, here.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use crate::{
    AppState,
    config::Settings,
    db::{Database, DbOptions},
    error::Error,
    http::{
        GRAPHQL_PATH,
        server::{self, Limits},
    },
};
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

/// Agora: a GraphQL knowledge graph of international migration governance.
#[derive(Parser)]
#[command(name = "agora", version)]
struct Cli {
    /// A TOML settings file. Settings come from the defaults, then this file, then
    /// AGORA_* environment variables, then command-line flags.
    #[arg(long, global = true, env = "AGORA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates the database first, and seeds it when empty).
    Serve {
        /// Address to listen on, HOST:PORT (a name or an address) [default: 127.0.0.1:8080;
        /// AGORA_LISTEN]
        #[arg(long)]
        listen: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Apply pending database migrations.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Load the knowledge base of the source document (does nothing if it is there).
    Seed {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Fill an empty database with a deterministic synthetic graph (for benchmarks).
    Generate {
        /// Size: 1 is 2,000 organisations, 1,000 dialogues with 10 workshops each, ...
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Seed of the generator: the same seed gives the same graph.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Export a list (or `all` of them) as JSON Lines or CSV, in the format `import` reads.
    Export {
        /// dialogues, workshops, reports, tools, organisations, people, themes, or all
        /// (every list, JSON Lines only).
        list: String,
        /// A filter of the list, as in GraphQL, in JSON: '{"year": {"gte": 2015}}'.
        #[arg(long)]
        filter: Option<String>,
        /// The format [default: the output file's extension, else jsonl].
        #[arg(long, value_enum)]
        format: Option<crate::export::stream::Format>,
        /// The language of the CSV `label` column.
        #[arg(long, default_value = "en")]
        lang: String,
        /// Write to this file rather than to standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Import records from a JSON Lines or CSV file in the export format. Every record is
    /// checked first; on any problem nothing is written (unless --skip-invalid).
    Import {
        /// The file (`.jsonl` or `.csv`).
        file: PathBuf,
        /// The format [default: from the file's extension].
        #[arg(long, value_enum)]
        format: Option<crate::export::stream::Format>,
        /// Write the valid records and report the others, rather than writing nothing.
        #[arg(long)]
        skip_invalid: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Manage the API keys of partner organisations.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key for an organisation; the key is printed once and never stored.
    Create {
        /// The slug of the organisation the key belongs to.
        #[arg(long)]
        organisation: String,
        /// Comma-separated scopes: read, write, admin (admin implies write, write implies read).
        #[arg(long, default_value = "read")]
        scopes: String,
        /// A note to recognise the key by.
        #[arg(long)]
        label: Option<String>,
    },
    /// List the keys (never their secrets).
    List,
    /// Revoke a key: it stops working at once.
    Revoke {
        /// The key's id, as `keys list` shows it.
        id: i64,
    },
}

#[derive(Args)]
struct DbArgs {
    /// Database URL [default: sqlite://agora.db?mode=rwc; AGORA_DATABASE_URL]
    #[arg(long, global = true)]
    database_url: Option<String>,
}

/// Runs the command line: parses the arguments, runs the command, and reports an error
/// on standard error.
#[tokio::main]
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agora: {}", detail(&e));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Error> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    init_logging(&settings);
    match cli.command {
        Command::Schema => {
            print!("{}", crate::sdl());
            Ok(())
        }
        Command::Migrate { db } => {
            apply(&mut settings, db);
            let db = connect(&settings).await?;
            db.migrate().await?;
            println!("migrations applied to {}", redact(&settings.database_url));
            Ok(())
        }
        Command::Seed { db } => {
            apply(&mut settings, db);
            let db = connect(&settings).await?;
            db.migrate().await?;
            let seeded = crate::seed::seed(&db.conn).await?;
            if seeded.written {
                println!("seeded {} records:", seeded.records.len());
                for r in seeded.records {
                    println!("  {r}");
                }
            } else {
                println!("the knowledge base is already seeded; nothing written");
            }
            Ok(())
        }
        Command::Generate { scale, seed, db } => {
            apply(&mut settings, db);
            let db = connect(&settings).await?;
            db.migrate().await?;
            let shape = crate::seed::generate::Shape::scale(scale);
            let started = std::time::Instant::now();
            let rows = crate::seed::generate::generate_with_progress(
                &db.conn,
                &shape,
                seed,
                progress().as_mut(),
            )
            .await?;
            println!(
                "generated {rows} rows at scale {scale} in {:.1?}",
                started.elapsed()
            );
            Ok(())
        }
        Command::Keys { command, db } => {
            apply(&mut settings, db);
            if let KeysCommand::Create { scopes, .. } = &command {
                crate::auth::Scopes::parse(scopes)?;
            }
            let db = connect_existing(&settings).await?;
            db.migrate().await?;
            keys(&db, command).await
        }
        Command::Export {
            list,
            filter,
            format,
            lang,
            output,
            db,
        } => {
            apply(&mut settings, db);
            let lang = crate::graphql::i18n::check_language(&lang)?;
            let db = connect_existing(&settings).await?;
            db.migrate().await?;
            export(&db, list, filter, format, lang, output).await
        }
        Command::Import {
            file,
            format,
            skip_invalid,
            db,
        } => {
            apply(&mut settings, db);
            if !file.is_file() {
                return Err(Error::bad_input(format!(
                    "there is no file {}",
                    file.display()
                )));
            }
            let db = connect(&settings).await?;
            db.migrate().await?;
            import(&db, &file, format, skip_invalid).await
        }
        Command::Serve { listen, db } => {
            apply(&mut settings, db);
            if let Some(listen) = listen {
                settings.listen = listen;
            }
            settings.check_replicas()?;
            serve(settings).await
        }
    }
}

async fn keys(db: &Database, command: KeysCommand) -> Result<(), Error> {
    use crate::{auth::Scopes, auth::keys};
    match command {
        KeysCommand::Create {
            organisation,
            scopes,
            label,
        } => {
            let scopes = Scopes::parse(&scopes)?;
            let (id, secret) = keys::create(&db.conn, &organisation, scopes, label).await?;
            println!("key {id} for {organisation} ({}):", scopes.to_text());
            println!("{secret}");
            println!("Keep it now: it is not stored and cannot be shown again.");
        }
        KeysCommand::List => {
            println!(
                "{:>5}  {:<24} {:<16} {:<20} {:<20} {:<20} label",
                "id", "organisation", "scopes", "created", "last used", "revoked"
            );
            let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|| "-".into())
            };
            for k in keys::list(&db.conn).await? {
                println!(
                    "{:>5}  {:<24} {:<16} {:<20} {:<20} {:<20} {}",
                    k.key.id,
                    k.organisation,
                    k.key.scopes,
                    time(Some(k.key.created_at)),
                    time(k.key.last_used_at),
                    time(k.key.revoked_at),
                    k.key.label.unwrap_or_default()
                );
            }
        }
        KeysCommand::Revoke { id } => {
            keys::revoke(&db.conn, id).await?;
            println!("key {id} revoked");
        }
    }
    Ok(())
}

async fn export(
    db: &Database,
    list: String,
    filter: Option<String>,
    format: Option<crate::export::stream::Format>,
    lang: String,
    output: Option<PathBuf>,
) -> Result<(), Error> {
    use crate::export::stream::{Export, Format, condition, list_type, stream};
    use futures_util::StreamExt;
    use std::io::Write;
    let format = format
        .or_else(|| {
            output
                .as_ref()
                .and_then(|p| p.extension()?.to_str().and_then(Format::of_extension))
        })
        .unwrap_or(Format::Jsonl);
    let kinds = match (list.as_str(), list_type(&list)) {
        ("all", _) => crate::export::import::ORDER.to_vec(),
        (_, Some(kind)) => vec![kind],
        _ => {
            return Err(Error::bad_input(format!(
                "`{list}` is not a list: use dialogues, workshops, reports, tools, organisations, people, themes or all"
            )));
        }
    };
    let filter = filter
        .map(|f| {
            serde_json::from_str(&f)
                .map_err(|e| Error::bad_input(format!("--filter is not JSON: {e}")))
        })
        .transpose()?;
    if filter.is_some() && kinds.len() > 1 {
        return Err(Error::bad_input("--filter needs a single list"));
    }
    let cond = condition(kinds[0], filter)?;
    let mut out: Box<dyn Write> = match &output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| Error::bad_input(format!("cannot write {}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let ex = Export {
        kinds,
        cond,
        format,
        private: true,
        lang,
    };
    let mut chunks = std::pin::pin!(stream(db.conn.clone(), ex));
    let mut progress = progress();
    progress.phase("exporting", 0, "bytes");
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        out.write_all(&chunk)
            .map_err(|e| Error::internal(format!("cannot write the export: {e}")))?;
        progress.advance(chunk.len() as u64);
    }
    progress.finish();
    out.flush()
        .map_err(|e| Error::internal(format!("cannot write the export: {e}")))
}

async fn import(
    db: &Database,
    file: &std::path::Path,
    format: Option<crate::export::stream::Format>,
    skip_invalid: bool,
) -> Result<(), Error> {
    use crate::export::{import::import, stream::Format};
    let format = match format.or_else(|| file.extension()?.to_str().and_then(Format::of_extension))
    {
        Some(f) => f,
        None => {
            return Err(Error::bad_input(
                "give --format: the file's extension is neither .jsonl nor .csv",
            ));
        }
    };
    let outcome = import(&db.conn, file, format, skip_invalid, progress().as_mut()).await?;
    for p in &outcome.problems {
        eprintln!("{}:{}: {}", file.display(), p.line, p.reason);
    }
    if outcome.problems.is_empty() || skip_invalid {
        println!(
            "imported {} of {} records{}",
            outcome.written,
            outcome.records,
            if outcome.problems.is_empty() {
                String::new()
            } else {
                format!(" ({} left out)", outcome.problems.len())
            }
        );
        Ok(())
    } else {
        Err(Error::bad_input(format!(
            "{} problems in {} records: nothing imported (fix them, or pass --skip-invalid)",
            outcome.problems.len(),
            outcome.records
        )))
    }
}

/// Progress on standard error: a bar on a terminal, else a line every few seconds.
fn progress() -> Box<dyn crate::progress::Progress> {
    use crate::progress::{Bar, Lines};
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        Box::new(Bar::new())
    } else {
        Box::new(Lines::new(Duration::from_secs(2)))
    }
}

fn apply(settings: &mut Settings, db: DbArgs) {
    if let Some(url) = db.database_url {
        settings.database_url = url;
    }
}

/// Opens the database of `settings`, a SQLite file created if missing; errors name the
/// file.
async fn connect(settings: &Settings) -> Result<Database, Error> {
    let file = sqlite_file(&settings.database_url);
    Database::connect(&DbOptions::from_settings(settings))
        .await
        .map_err(|e| match &file {
            Some(path) => Error::bad_input(format!(
                "cannot open the database {}: {}",
                absolute(path).display(),
                detail(&e)
            )),
            None => e,
        })
}

/// Opens the database of `settings` for a command that works on an existing one: a
/// missing SQLite file is an error that says where it was looked for, not a new empty
/// database.
async fn connect_existing(settings: &Settings) -> Result<Database, Error> {
    if let Some(path) = sqlite_file(&settings.database_url)
        && !path.exists()
    {
        return Err(Error::bad_input(format!(
            "there is no database at {} (start `agora serve` or run `agora seed` in that \
             folder first, or give --database-url)",
            absolute(&path).display()
        )));
    }
    connect(settings).await
}

/// The file of a SQLite URL (`sqlite://FILE?...`, `sqlite:FILE`), unless in memory.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:") && !url.contains("mode=memory"))
        .then(|| PathBuf::from(path))
}

/// `path` from the current folder, for messages.
fn absolute(path: &std::path::Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The detail of an error, for the command line (never sent to a client).
fn detail(e: &Error) -> String {
    match e {
        Error::Database(db) => db.to_string(),
        Error::Internal(detail) => detail.to_string(),
        other => other.to_string(),
    }
}

async fn serve(settings: Settings) -> Result<(), Error> {
    let drain = Duration::from_millis(settings.drain_ms);
    let database = redact(&settings.database_url);
    let limits = Limits::from_settings(&settings);
    // The address first: a busy port fails before any migration or seed.
    let listener = tokio::net::TcpListener::bind(settings.listen.as_str())
        .await
        .map_err(|e| Error::bad_input(format!("cannot listen on {}: {e}", settings.listen)))?;
    let state = AppState::open(settings).await?;
    let local = listener.local_addr().map_err(Error::internal)?;
    println!("Agora listening on http://{local}{GRAPHQL_PATH} (database: {database})");
    // On a signal: readiness goes false, WebSockets are told to close, the listener stops
    // accepting, and in-flight requests get `drain_ms` to finish.
    let draining = state.draining.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        draining.send_replace(true);
    });
    let mut drained = state.draining.subscribe();
    let deadline = async move {
        let _ = drained.wait_for(|d| *d).await;
        tokio::time::sleep(drain).await;
    };
    let app = crate::app(state.clone());
    tokio::select! {
        () = server::serve(listener, app, &state, limits) => {}
        () = deadline => return overrun(&state).await,
    }
    if state.rate_limits.any() {
        // The other processes take back this one's share of the rate limits.
        let _ = state.registration.leave(&state.db.conn).await;
    }
    state.db.conn.close().await?;
    tracing::info!("stopped");
    Ok(())
}

/// The drain time is over with work still running: its statements are cancelled, and the
/// process exits within a second, whatever still holds on.
async fn overrun(state: &AppState) -> Result<(), Error> {
    tracing::warn!("the drain time is over: cancelling the statements still running");
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(900));
        tracing::error!("the drain time is over and work still holds on: exiting");
        std::process::exit(1);
    });
    let bound = Duration::from_millis(400);
    // The primary's statements, and the replicas' at the same time.
    let pools = std::iter::once(&state.db).chain(state.replicas.list.iter().map(|r| r.database()));
    let cancels = pools.map(|db| tokio::time::timeout(bound, db.cancel_statements()));
    for cancel in futures_util::future::join_all(cancels).await {
        match cancel {
            Ok(Ok(cancelled)) => tracing::info!(cancelled, "statements cancelled"),
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot cancel the statements"),
            Err(_) => tracing::warn!("cannot cancel the statements in time"),
        }
    }
    if tokio::time::timeout(bound, state.db.conn.clone().close())
        .await
        .is_err()
    {
        tracing::warn!("the pool did not close in time");
    }
    let interrupted = state.db.interrupted_statements();
    tracing::info!(interrupted, "stopped");
    std::process::exit(0);
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

fn init_logging(settings: &Settings) {
    // The span that marks a request's statements (`db::cancel`) is never logged.
    let mut filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.log));
    if let Ok(quiet) = format!("{}=off", crate::db::cancel::TARGET).parse() {
        filter = filter.add_directive(quiet);
    }
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt = if settings.log_format == "json" {
        fmt.json().boxed()
    } else {
        fmt.boxed()
    };
    // ... and exists whatever the filter says.
    let marks = tracing_subscriber::layer::Identity::new().with_filter(
        tracing_subscriber::filter::Targets::new()
            .with_target(crate::db::cancel::TARGET, tracing::Level::ERROR),
    );
    tracing_subscriber::registry()
        .with(fmt.with_filter(filter))
        .with(marks)
        .init();
}

/// A database URL without its password, for printing.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}://{user}:***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_string(),
    }
}
