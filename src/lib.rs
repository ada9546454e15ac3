//! Agora: a GraphQL knowledge graph of international migration governance.
//!
//! [`build_schema`] assembles the GraphQL schema, [`AppState::open`] connects, migrates and
//! (when empty) seeds the database, and [`app`] is the HTTP router: what `agora serve` runs
//! and what the tests call in process.

// The store first: its macros (`table!`, `column!`, `col!`), which name the tables and
// columns the entity crate declares, are in scope in every module after it.
#[macro_use]
pub mod repo;

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod export;
pub mod graphql;
pub mod http;
pub mod ops;
pub mod plan;
pub mod progress;
pub mod search;
pub mod seed;
pub mod sync;
pub mod web;

pub mod dialogue;
pub mod organisation;
pub mod person;
pub mod report;
pub mod source;
pub mod theme;
pub mod tool;
pub mod workshop;

use std::sync::Arc;

use async_graphql::{MergedObject, Schema, SchemaBuilder};

use crate::{
    config::Settings,
    db::{Database, DbOptions},
    dialogue::{DialogueLists, DialogueMutation, DialogueQuery},
    error::Result,
    graphql::node::NodeQuery,
    organisation::{OrganisationLists, OrganisationMutation, OrganisationQuery},
    person::{PersonLists, PersonMutation},
    report::{ReportLists, ReportMutation, ReportQuery},
    search::query::SearchRoot,
    source::{SourceLists, SourceMutation},
    sync::{
        bulk::SyncMutation, edges::EdgeMutation, feed::FeedQuery, hub::SyncState,
        subscription::SubscriptionRoot,
    },
    theme::{ThemeLists, ThemeMutation, ThemeQuery},
    tool::{ToolLists, ToolMutation},
    workshop::{WorkshopLists, WorkshopMutation},
};

pub use crate::http::app;

/// The entry points for reading the knowledge graph.
#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    DialogueLists,
    WorkshopLists,
    ReportLists,
    ToolLists,
    OrganisationLists,
    PersonLists,
    ThemeLists,
    SourceLists,
    DialogueQuery,
    OrganisationQuery,
    ReportQuery,
    ThemeQuery,
    FeedQuery,
    SearchRoot,
);

/// The entry points for writing: records of each type, edges, and batches.
#[derive(MergedObject, Default)]
pub struct Mutation(
    DialogueMutation,
    WorkshopMutation,
    ReportMutation,
    ToolMutation,
    OrganisationMutation,
    PersonMutation,
    ThemeMutation,
    SourceMutation,
    EdgeMutation,
    SyncMutation,
);

/// Agora's GraphQL schema.
pub type AgoraSchema = Schema<Query, Mutation, SubscriptionRoot>;

/// The schema with the limits of `settings` (a server adds its shared state).
fn schema_builder(settings: &Settings) -> SchemaBuilder<Query, Mutation, SubscriptionRoot> {
    let mut builder = Schema::build(Query::default(), Mutation::default(), SubscriptionRoot)
        .override_output_type_description::<chrono::DateTime<chrono::Utc>>(
            "A point in time in RFC 3339 form, such as `2018-03-26T09:00:00Z`.",
        )
        .data(settings.clone())
        .limit_depth(settings.max_depth)
        .limit_complexity(settings.max_complexity)
        .limit_recursive_depth(settings.max_recursive_depth)
        .limit_directives(settings.max_directives)
        .extension(plan::Engine);
    if settings.production() {
        builder = builder.disable_suggestions();
    }
    builder
}

/// Builds the schema with the limits of `settings`, without a server's shared state: for
/// printing the SDL and for validating documents (writes need [`AppState`]).
pub fn build_schema(settings: &Settings) -> AgoraSchema {
    schema_builder(settings).finish()
}

/// The printed SDL of the schema: what `agora schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema(&Settings::default()).sdl()
}

/// Keeps the rate limits (when any is set): says every `HEARTBEAT` that this process runs
/// and shares the limits among the processes that run (`ops::rate`), once now, then in
/// the background; and every minute forgets the clients whose allowance is whole again.
/// The background task ends when the limits are dropped.
async fn keep_rate_limits(
    db: &Database,
    registration: Arc<ops::shared::Registration>,
    limits: &Arc<ops::rate::RateLimits>,
) {
    if !limits.any() {
        return;
    }
    let conn = db.background();
    beat(&conn, &registration, limits).await;
    let limits = Arc::downgrade(limits);
    tokio::spawn(async move {
        let beats_a_minute = (60 / ops::shared::HEARTBEAT.as_secs().max(1)).max(1);
        let mut every = tokio::time::interval(ops::shared::HEARTBEAT);
        every.tick().await;
        for n in 1u64.. {
            every.tick().await;
            let Some(limits) = limits.upgrade() else {
                return;
            };
            beat(&conn, &registration, &limits).await;
            if n % beats_a_minute == 0 {
                limits.forget_idle();
            }
        }
    });
}

/// One heartbeat: this process runs; the limits are shared among those that run (the last
/// count stands while the database cannot answer).
async fn beat(
    conn: &sea_orm::DatabaseConnection,
    registration: &ops::shared::Registration,
    limits: &ops::rate::RateLimits,
) {
    match registration.beat(conn).await {
        Ok(processes) => limits.share_among(processes),
        Err(e) => {
            tracing::warn!(error = ?e, "cannot count the processes that share the rate limits")
        }
    }
}

/// Everything a running server shares between requests.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL schema.
    pub schema: AgoraSchema,
    /// The schema's output types, to complete its responses (`graphql::complete`).
    pub shapes: Arc<graphql::shapes::Shapes>,
    /// The database (the primary, when there are replicas).
    pub db: Database,
    /// The read replicas (none without `replica_urls`).
    pub replicas: Arc<db::replicas::Replicas>,
    /// The writers' lock and the live change feed of this process.
    pub sync: SyncState,
    /// The settings.
    pub settings: Arc<Settings>,
    /// The metrics of this process.
    pub metrics: Arc<ops::metrics::Metrics>,
    /// The rate limits of this process (its share of the deployment's).
    pub rate_limits: Arc<ops::rate::RateLimits>,
    /// This process among the processes on its database.
    pub registration: Arc<ops::shared::Registration>,
    /// Trusted documents and automatic persisted queries.
    pub documents: Arc<ops::persisted::Documents>,
    /// Set to `true` when the server is shutting down: `/readyz` answers 503 and
    /// WebSocket connections close with 1001 (going away).
    pub draining: tokio::sync::watch::Sender<bool>,
    /// Permits to execute an operation (`max_concurrent_operations`).
    pub executing: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// Opens the database of `settings`, migrates it, and seeds it when it is empty and
    /// `seed_when_empty` is set.
    pub async fn open(settings: Settings) -> Result<AppState> {
        let options = DbOptions {
            memory_map: true,
            ..DbOptions::from_settings(&settings)
        };
        let db = Database::connect(&options).await?;
        AppState::with_database(settings, db).await
    }

    /// Like [`AppState::open`], on a database already connected (tests pass their own).
    pub async fn with_database(settings: Settings, db: Database) -> Result<AppState> {
        db.migrate().await?;
        search::repo::backfill(&db.conn).await?;
        search::repo::build_keys_once(&db.conn).await?;
        if settings.seed_when_empty && repo::node::is_empty(&db.conn).await? {
            seed::seed(&db.conn).await?;
        }
        let replicas = Arc::new(
            db::replicas::Replicas::connect(
                &settings.replica_urls,
                &DbOptions::from_settings(&settings),
                std::time::Duration::from_millis(settings.max_replica_lag_ms),
            )
            .await?,
        );
        // A first look before serving, so that reads go to the replicas from the start.
        replicas.check(&db.background()).await;
        replicas.start_checks(
            db.background(),
            std::time::Duration::from_millis(settings.replica_check_ms),
        );
        let sync = SyncState::start(&db.background()).await?;
        let documents = Arc::new(ops::persisted::Documents::load(&settings)?);
        let rate_limits = Arc::new(ops::rate::RateLimits::new(&settings));
        let registration = Arc::new(ops::shared::Registration::new());
        keep_rate_limits(&db, registration.clone(), &rate_limits).await;
        let schema = schema_builder(&settings).data(sync.clone()).finish();
        Ok(AppState {
            shapes: Arc::new(graphql::shapes::Shapes::from_sdl(&schema.sdl())),
            schema,
            metrics: ops::metrics::Metrics::new(
                &db,
                &replicas,
                &registration,
                documents.trusted_operation_names(),
            ),
            registration,
            db,
            replicas,
            sync,
            executing: Arc::new(tokio::sync::Semaphore::new(settings.operation_permits())),
            settings: Arc::new(settings),
            rate_limits,
            documents,
            draining: tokio::sync::watch::Sender::new(false),
        })
    }
}
