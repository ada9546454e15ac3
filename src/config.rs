//! Settings: built-in defaults, then an optional TOML file, then `AGORA_*` environment
//! variables, then command-line flags.

use std::path::Path;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Every setting of an Agora server. Each field is also the name of its `AGORA_*` variable
/// (upper-cased) and of its key in the optional TOML file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server listens on: `HOST:PORT`, the host a name or an address.
    pub listen: String,
    /// Database URL: `sqlite://FILE?mode=rwc` (the embedded default) or `postgres://...`.
    pub database_url: String,
    /// Largest pool of database connections.
    pub db_max_connections: u32,
    /// Seed the knowledge base from the source document when the database is empty.
    pub seed_when_empty: bool,
    /// Page size when a connection is asked for without `first` or `last`.
    pub default_page_size: u32,
    /// Largest `first` or `last` a connection accepts.
    pub max_page_size: u32,
    /// Deepest nesting of fields in one operation.
    pub max_depth: usize,
    /// Deepest nesting of selection sets and fragment spreads together, checked before
    /// validation, so that a fragment bomb is refused before it is expanded.
    pub max_recursive_depth: usize,
    /// Largest number of fields in an operation once its fragments are expanded.
    pub max_complexity: usize,
    /// Highest cost of an operation: one per field, with the fields under a connection
    /// counted once per item of its page (`first`/`last`, else `default_page_size`).
    pub max_cost: u64,
    /// Most aliased fields in an operation, fragments expanded.
    pub max_aliases: usize,
    /// Most fields at the root of an operation.
    pub max_root_fields: usize,
    /// Most directives on one field.
    pub max_directives: usize,
    /// Most lexical tokens in a query text.
    pub max_tokens: usize,
    /// Largest request body, in bytes (a larger one is answered 413).
    pub max_body_bytes: usize,
    /// `development` or `production`: production turns suggestions off and changes the
    /// defaults of `introspection` and `console`.
    pub env: String,
    /// Who may introspect the schema: `on` (anyone), `authenticated` (clients with an API
    /// key) or `off`. Default: `on` in development, `authenticated` in production.
    pub introspection: Option<String>,
    /// Serve GraphiQL on a browser's GET of the GraphQL path. Default: on in development,
    /// off in production.
    pub console: Option<bool>,
    /// Serve the researchers' explorer at `/explore` (a page on the public API).
    pub explore: bool,
    /// Web origins (`https://app.example.org`) whose pages may call the API from a
    /// browser; none by default (only pages of the server's own origin).
    pub cors_origins: Vec<String>,
    /// A trusted-documents manifest: a JSON object of hash to GraphQL document. When set,
    /// anonymous clients may only run these documents; clients with an API key keep ad hoc
    /// queries.
    pub trusted_documents: Option<String>,
    /// How many automatic persisted queries each process remembers (0 turns them off).
    pub persisted_queries: usize,
    /// Take a client's address from the last entry of `X-Forwarded-For` (set this only
    /// behind a proxy that writes that header), for rate limits.
    pub forwarded_for: bool,
    /// Operations a client (an API key, else an address) may run per minute (0: no limit).
    pub rate_limit_operations: u32,
    /// Cost a client may spend per minute (0: no limit); see `max_cost`.
    pub rate_limit_cost: u32,
    /// Longest time a request may take, in milliseconds, before it fails with 503.
    pub request_timeout_ms: u64,
    /// Longest time one SQL statement may take on PostgreSQL, in milliseconds.
    pub statement_timeout_ms: u64,
    /// Longest wait for a database connection from the pool, in milliseconds.
    pub db_acquire_timeout_ms: u64,
    /// Operations that may execute at once in this process (0: twice the number of CPU
    /// cores); the others wait their turn, within `request_timeout_ms`. This bounds the
    /// memory that large answers take under load, and keeps the pool from running dry.
    pub max_concurrent_operations: usize,
    /// On shutdown, how long in-flight requests and subscriptions may take to finish, in
    /// milliseconds; statements still running then are cancelled, and the process exits
    /// within one more second.
    pub drain_ms: u64,
    /// Connections open at once (WebSockets included); more are answered 503 and closed.
    /// Lowered to fit below the process's file-descriptor limit.
    pub max_connections: usize,
    /// Longest time to receive a request head in full, in milliseconds: from the
    /// connection's start for its first request, from the first byte for later ones.
    pub header_timeout_ms: u64,
    /// Longest time a kept-alive connection may stay silent between requests, in
    /// milliseconds.
    pub keep_alive_timeout_ms: u64,
    /// Time a request body may take to arrive, in milliseconds, before `body_min_rate`
    /// extends it; a slower body is answered 408.
    pub body_timeout_ms: u64,
    /// Bytes per second of a request body that earn it one more second (0: none).
    pub body_min_rate: u64,
    /// Log output: `human` or `json`.
    pub log_format: String,
    /// Log filter, in `tracing_subscriber::EnvFilter` syntax (`RUST_LOG` overrides it).
    pub log: String,
    /// The address clients reach the server at (`https://agora.example.org`): the base of
    /// the links in exports (JSON-LD `@id`s). Default: `http://` and `listen`.
    pub public_url: Option<String>,
    /// Run every query the read planner serves on async-graphql's executor as well, and
    /// fail the request when the two answers differ (the tests turn this on; it doubles
    /// the work of each read).
    pub read_oracle: bool,
    /// Read-only PostgreSQL streaming replicas that serve queries (mutations, keys,
    /// idempotency and the change feed's writes stay on `database_url`, the primary). In
    /// `AGORA_REPLICA_URLS`, a list (`[url1, url2]`) or URLs separated by commas.
    #[serde(deserialize_with = "urls")]
    pub replica_urls: Vec<String>,
    /// A replica that lags the primary by more than this, in milliseconds, serves no reads
    /// until it catches up.
    pub max_replica_lag_ms: u64,
    /// How often each replica's state and lag are checked, in milliseconds.
    pub replica_check_ms: u64,
}

/// A list of URLs, given as a list or as one text of URLs separated by commas.
fn urls<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Urls {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Urls::deserialize(d)? {
        Urls::List(list) => list,
        Urls::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(String::from)
            .collect(),
    })
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://agora.db?mode=rwc".into(),
            db_max_connections: 10,
            seed_when_empty: true,
            default_page_size: 20,
            max_page_size: 100,
            max_depth: 16,
            max_recursive_depth: 24,
            max_complexity: 5000,
            max_cost: 1_000_000,
            max_aliases: 30,
            max_root_fields: 20,
            max_directives: 5,
            max_tokens: 10_000,
            max_body_bytes: 1 << 20,
            env: "development".into(),
            introspection: None,
            console: None,
            explore: true,
            cors_origins: Vec::new(),
            trusted_documents: None,
            persisted_queries: 1000,
            forwarded_for: false,
            rate_limit_operations: 600,
            rate_limit_cost: 10_000_000,
            request_timeout_ms: 30_000,
            statement_timeout_ms: 15_000,
            db_acquire_timeout_ms: 3_000,
            max_concurrent_operations: 0,
            drain_ms: 20_000,
            max_connections: 1024,
            header_timeout_ms: 10_000,
            keep_alive_timeout_ms: 75_000,
            body_timeout_ms: 20_000,
            body_min_rate: 500,
            log_format: "human".into(),
            log: "info".into(),
            public_url: None,
            read_oracle: false,
            replica_urls: Vec::new(),
            max_replica_lag_ms: 5_000,
            replica_check_ms: 500,
        }
    }
}

impl Settings {
    /// Reads the settings: defaults, then `file` (when given), then `AGORA_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Settings> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(Error::bad_input(format!(
                    "configuration file {} does not exist",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file(file));
        }
        // Only the variables that name a setting: others (such as AGORA_TEST_POSTGRES_URL)
        // belong to other tools.
        let keys: Vec<String> = match serde_json::to_value(Settings::default()) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        };
        figment = figment.merge(
            Env::prefixed("AGORA_").filter(move |key| keys.iter().any(|k| key == k.as_str())),
        );
        let settings: Settings = figment
            .extract()
            .map_err(|e| Error::bad_input(format!("invalid configuration: {e}")))?;
        settings.check()?;
        Ok(settings)
    }

    /// Refuses settings whose values are not among those allowed.
    pub fn check(&self) -> Result<()> {
        if !matches!(self.env.as_str(), "development" | "production") {
            return Err(Error::bad_input(
                "invalid configuration: env must be `development` or `production`",
            ));
        }
        if let Some(mode) = &self.introspection
            && !matches!(mode.as_str(), "on" | "off" | "authenticated")
        {
            return Err(Error::bad_input(
                "invalid configuration: introspection must be `on`, `off` or `authenticated`",
            ));
        }
        if let Some(origin) = self
            .cors_origins
            .iter()
            .find(|o| !(o.starts_with("http://") || o.starts_with("https://")))
        {
            return Err(Error::bad_input(format!(
                "invalid configuration: the CORS origin `{origin}` must start with http:// or https://"
            )));
        }
        if let Some(url) = self
            .replica_urls
            .iter()
            .find(|u| !u.starts_with("postgres"))
        {
            let shown = url.split(['/', '?']).next().unwrap_or_default();
            return Err(Error::bad_input(format!(
                "invalid configuration: a replica URL must start with postgres:// (not `{shown}...`)"
            )));
        }
        if self.replica_check_ms == 0 {
            return Err(Error::bad_input(
                "invalid configuration: replica_check_ms must be above 0",
            ));
        }
        if !matches!(self.log_format.as_str(), "human" | "json") {
            return Err(Error::bad_input(
                "invalid configuration: log_format must be `human` or `json`",
            ));
        }
        Ok(())
    }

    /// Refuses replicas of a database that is not PostgreSQL (checked once the
    /// command line has named the database).
    pub fn check_replicas(&self) -> Result<()> {
        if !self.replica_urls.is_empty() && !self.database_url.starts_with("postgres") {
            return Err(Error::bad_input(
                "invalid configuration: replica_urls need a PostgreSQL database_url (the primary)",
            ));
        }
        Ok(())
    }

    /// Whether the server runs in production mode.
    pub fn production(&self) -> bool {
        self.env == "production"
    }

    /// How many operations may execute at once: `max_concurrent_operations`, or twice
    /// the number of CPU cores when it is 0.
    pub fn operation_permits(&self) -> usize {
        match self.max_concurrent_operations {
            0 => 2 * std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// Who may introspect: `on`, `authenticated` or `off`.
    pub fn introspection_mode(&self) -> &str {
        match &self.introspection {
            Some(mode) => mode,
            None if self.production() => "authenticated",
            None => "on",
        }
    }

    /// Whether a browser's GET of the GraphQL path gets GraphiQL.
    pub fn console_enabled(&self) -> bool {
        self.console.unwrap_or(!self.production())
    }

    /// The base of the links in exports: `public_url`, else `http://` and `listen`.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Settings for tests and tools: the defaults with another database.
    pub fn with_database(database_url: impl Into<String>) -> Settings {
        Settings {
            database_url: database_url.into(),
            ..Settings::default()
        }
    }
}

#[cfg(test)]
// figment's test jail returns its own (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "agora.toml",
                "listen = \"0.0.0.0:9000\"\nmax_page_size = 50\n",
            )?;
            jail.set_env("AGORA_MAX_PAGE_SIZE", "70");
            jail.set_env("AGORA_LOG_FORMAT", "json");
            // Variables of other tools are not settings, and are not errors either.
            jail.set_env("AGORA_TEST_POSTGRES_URL", "postgres://elsewhere");
            let s = Settings::load(Some(Path::new("agora.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(s.listen, "0.0.0.0:9000");
            assert_eq!(s.max_page_size, 70);
            assert_eq!(s.log_format, "json");
            assert_eq!(s.default_page_size, Settings::default().default_page_size);
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_missing_files_are_errors() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("typo.toml", "max_pagesize = 5\n")?;
            assert!(Settings::load(Some(Path::new("typo.toml"))).is_err());
            assert!(Settings::load(Some(Path::new("missing.toml"))).is_err());
            Ok(())
        });
    }
}
