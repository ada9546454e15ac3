//! Agora: a GraphQL knowledge graph of international migration governance.
//!
//! [`build_schema`] assembles the GraphQL schema, [`AppState::open`] connects, migrates and
//! (when empty) seeds the database, and [`app`] is the HTTP router: what `agora serve` runs
//! and what the tests call in process.

pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod repo;

pub mod dialogue;
pub mod organisation;
pub mod person;
pub mod report;
pub mod theme;
pub mod tool;
pub mod workshop;

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema};

use crate::{
    config::Settings,
    db::{Database, DbOptions},
    dialogue::{DialogueLists, DialogueQuery},
    error::Result,
    graphql::node::NodeQuery,
    organisation::{OrganisationLists, OrganisationQuery},
    person::PersonLists,
    report::{ReportLists, ReportQuery},
    theme::{ThemeLists, ThemeQuery},
    tool::ToolLists,
    workshop::WorkshopLists,
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
    DialogueQuery,
    OrganisationQuery,
    ReportQuery,
    ThemeQuery,
);

/// Agora's GraphQL schema.
pub type AgoraSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the schema with the limits of `settings`.
pub fn build_schema(settings: &Settings) -> AgoraSchema {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .override_output_type_description::<chrono::DateTime<chrono::Utc>>(
            "A point in time in RFC 3339 form, such as `2018-03-26T09:00:00Z`.",
        )
        .data(settings.clone())
        .limit_depth(settings.max_depth)
        .limit_complexity(settings.max_complexity)
        .limit_recursive_depth(settings.max_recursive_depth)
        .finish()
}

/// The printed SDL of the schema: what `agora schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema(&Settings::default()).sdl()
}

/// Everything a running server shares between requests.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL schema.
    pub schema: AgoraSchema,
    /// The database.
    pub db: Database,
    /// The settings.
    pub settings: Arc<Settings>,
}

impl AppState {
    /// Opens the database of `settings`, migrates it, and seeds it when it is empty and
    /// `seed_when_empty` is set.
    pub async fn open(settings: Settings) -> Result<AppState> {
        let db = Database::connect(&DbOptions {
            url: settings.database_url.clone(),
            max_connections: settings.db_max_connections,
            schema: None,
        })
        .await?;
        AppState::with_database(settings, db).await
    }

    /// Like [`AppState::open`], on a database already connected (tests pass their own).
    pub async fn with_database(settings: Settings, db: Database) -> Result<AppState> {
        db.migrate().await?;
        if settings.seed_when_empty && repo::node::is_empty(&db.conn).await? {
            repo::seed::seed(&db.conn).await?;
        }
        Ok(AppState {
            schema: build_schema(&settings),
            db,
            settings: Arc::new(settings),
        })
    }
}
