//! State the processes of one deployment share through their database: which processes
//! run (each enforces its share of the rate limits), and the automatic persisted queries
//! any of them registered.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use entity::{persisted_query, server_process};
use prometheus_client::metrics::gauge::Gauge;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::OnConflict,
};

use crate::error::Result;

/// How often a process says it runs.
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// A process that has not said it runs for this long counts as gone (a process killed
/// without a chance to say so leaves within this time).
pub const GONE_AFTER: Duration = Duration::from_secs(7);

/// Milliseconds since 1970 on this process's clock.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// This process in the registry of running processes.
pub struct Registration {
    id: String,
    /// How many processes ran at the last heartbeat (this one included).
    pub processes: Gauge,
}

impl Registration {
    /// A name for this process, unique among those of the deployment.
    pub fn new() -> Registration {
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().chars().take(64).collect::<String>())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".into());
        let random = getrandom::u32().unwrap_or_default();
        Registration {
            id: format!("{host}/{}/{random:08x}", std::process::id()),
            processes: {
                let one = Gauge::default();
                one.set(1);
                one
            },
        }
    }

    /// Says this process runs, forgets processes long gone, and counts those that run.
    pub async fn beat(&self, db: &DatabaseConnection) -> Result<u32> {
        let now = now_ms();
        let me = server_process::ActiveModel {
            id: Set(self.id.clone()),
            seen_at: Set(now),
        };
        server_process::Entity::insert(me)
            .on_conflict(
                OnConflict::column(server_process::Column::Id)
                    .update_column(server_process::Column::SeenAt)
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        let gone = now - 10 * i64::try_from(GONE_AFTER.as_millis()).unwrap_or(i64::MAX);
        server_process::Entity::delete_many()
            .filter(server_process::Column::SeenAt.lt(gone))
            .exec(db)
            .await?;
        let since = now - i64::try_from(GONE_AFTER.as_millis()).unwrap_or(i64::MAX);
        let count = server_process::Entity::find()
            .filter(server_process::Column::SeenAt.gte(since))
            .count(db)
            .await?;
        let count = u32::try_from(count).unwrap_or(u32::MAX).max(1);
        self.processes.set(i64::from(count));
        Ok(count)
    }

    /// Takes this process out of the registry (on shutdown), so that the others take
    /// back its share at their next heartbeat.
    pub async fn leave(&self, db: &DatabaseConnection) -> Result<()> {
        server_process::Entity::delete_by_id(self.id.clone())
            .exec(db)
            .await?;
        Ok(())
    }
}

impl Default for Registration {
    fn default() -> Self {
        Registration::new()
    }
}

/// The query registered under `hash` by any process, if it is still kept.
pub async fn persisted_query(db: &DatabaseConnection, hash: &str) -> Result<Option<String>> {
    Ok(persisted_query::Entity::find_by_id(hash.to_string())
        .select_only()
        .column(persisted_query::Column::Query)
        .into_tuple::<String>()
        .one(db)
        .await?)
}

/// Keeps `query` under `hash` for every process; the oldest beyond `capacity` are
/// forgotten.
pub async fn persist_query(
    db: &DatabaseConnection,
    hash: &str,
    query: &str,
    capacity: usize,
) -> Result<()> {
    let row = persisted_query::ActiveModel {
        hash: Set(hash.to_string()),
        query: Set(query.to_string()),
        registered_at: Set(now_ms()),
    };
    persisted_query::Entity::insert(row)
        .on_conflict(
            OnConflict::column(persisted_query::Column::Hash)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    // The newest kept: anything older than the `capacity`-th newest goes.
    let oldest_kept = persisted_query::Entity::find()
        .select_only()
        .column(persisted_query::Column::RegisteredAt)
        .order_by_desc(persisted_query::Column::RegisteredAt)
        .offset(u64::try_from(capacity.saturating_sub(1)).unwrap_or(u64::MAX))
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?;
    if let Some(oldest) = oldest_kept {
        persisted_query::Entity::delete_many()
            .filter(persisted_query::Column::RegisteredAt.lt(oldest))
            .exec(db)
            .await?;
    }
    Ok(())
}
