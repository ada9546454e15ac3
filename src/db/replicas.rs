//! Read replicas: PostgreSQL streaming replicas that serve queries, each with a pool of its
//! own and a health check that takes it out of rotation when it is down or lags.
//!
//! Every `check` interval, one task reads the primary's WAL position
//! (`pg_current_wal_lsn()`) and each replica's replayed position
//! (`pg_last_wal_replay_lsn()`). A replica's lag is the time since the primary first stood
//! past the position the replica has replayed (zero when it has replayed all): a replica
//! paused or cut off from its primary shows a lag that grows while the primary takes
//! writes, and an idle pair shows none. A replica serves reads while it answers, is in
//! recovery, and lags at most `max_replica_lag_ms`.
//!
//! Read-your-writes: a write's answer carries the primary's position after its commit
//! ([`Lsn`], `Agora-Lsn`); a read that brings one back goes to a replica that has replayed
//! that far (as last checked, else asked once), or to the primary.

use std::{
    collections::VecDeque,
    fmt,
    str::FromStr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge},
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use super::{Database, DbOptions};
use crate::error::{Error, Result};

/// A position in PostgreSQL's write-ahead log (`pg_lsn`), written `X/Y` in hexadecimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lsn(pub u64);

impl FromStr for Lsn {
    type Err = Error;

    fn from_str(text: &str) -> Result<Lsn> {
        let bad = || Error::bad_input(format!("`{text}` is not a log position such as 0/16B3748"));
        let (high, low) = text.trim().split_once('/').ok_or_else(bad)?;
        if high.is_empty() || low.is_empty() || high.len() > 8 || low.len() > 8 {
            return Err(bad());
        }
        let high = u64::from_str_radix(high, 16).map_err(|_| bad())?;
        let low = u64::from_str_radix(low, 16).map_err(|_| bad())?;
        Ok(Lsn(high << 32 | low))
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// Where a replica stands, as its last check found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaState {
    /// Not checked yet (a replica serves no reads before its first check).
    Unknown,
    /// Answering and within the lag allowed: it serves reads.
    Up,
    /// It did not answer (or a read on it failed since the last check).
    Down,
    /// It answers, but lags more than allowed.
    Lagging,
    /// It answers, but is not in recovery: not a replica (or promoted), never read.
    NotAReplica,
}

impl ReplicaState {
    /// The state's name, as `/readyz` gives it.
    pub fn name(self) -> &'static str {
        match self {
            ReplicaState::Unknown => "unknown",
            ReplicaState::Up => "up",
            ReplicaState::Down => "down",
            ReplicaState::Lagging => "lagging",
            ReplicaState::NotAReplica => "not a replica",
        }
    }

    fn from_code(code: usize) -> ReplicaState {
        [
            ReplicaState::Unknown,
            ReplicaState::Up,
            ReplicaState::Down,
            ReplicaState::Lagging,
            ReplicaState::NotAReplica,
        ]
        .get(code)
        .copied()
        .unwrap_or(ReplicaState::Unknown)
    }

    fn code(self) -> usize {
        self as usize
    }
}

/// One replica: its pool and what its last check found.
pub struct Replica {
    /// Its name in metrics and `/readyz`: `replica1`, `replica2`, ... in the order of
    /// `replica_urls` (a URL may hold a password, so it is never shown).
    pub name: String,
    db: Database,
    state: AtomicUsize,
    /// The position it had replayed at its last check.
    replayed: AtomicU64,
    reads: Counter,
    up: Gauge,
    lag: Gauge,
}

impl Replica {
    /// Its state as last checked.
    pub fn state(&self) -> ReplicaState {
        ReplicaState::from_code(self.state.load(Ordering::Relaxed))
    }

    /// Its lag at the last check.
    pub fn lag(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.lag.get()).unwrap_or(0))
    }

    /// Its pool.
    pub fn database(&self) -> &Database {
        &self.db
    }

    fn set_state(&self, state: ReplicaState) {
        self.state.store(state.code(), Ordering::Relaxed);
        self.up.set(i64::from(state == ReplicaState::Up));
    }
}

/// The label of a database in the metrics: `primary`, or a replica's name.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Target {
    /// `primary`, `replica1`, ...
    pub target: String,
}

impl Target {
    fn named(name: &str) -> Target {
        Target {
            target: name.to_string(),
        }
    }
}

/// The replicas' metrics, by [`Target`].
#[derive(Clone, Default)]
pub struct ReplicaMetrics {
    /// Queries each database served.
    pub reads: Family<Target, Counter>,
    /// 1 while a replica serves reads.
    pub up: Family<Target, Gauge>,
    /// Each replica's lag in milliseconds, as last checked.
    pub lag: Family<Target, Gauge>,
}

/// Where a query runs.
#[derive(Clone)]
pub enum Route {
    /// On the primary.
    Primary,
    /// On the replica at this index of [`Replicas::list`], through this pool.
    Replica(usize, DatabaseConnection),
}

/// The replicas of a server (none without `replica_urls`).
pub struct Replicas {
    /// The replicas, in the order of `replica_urls`.
    pub list: Vec<Replica>,
    /// Queries the primary served.
    pub primary_reads: Counter,
    /// The metrics of the replicas and the primary's reads.
    pub metrics: ReplicaMetrics,
    max_lag: Duration,
    next: AtomicUsize,
    /// The primary's positions at the recent checks, oldest first.
    history: Mutex<VecDeque<(Instant, Lsn)>>,
    /// Set once the checks run.
    checking: AtomicBool,
}

/// How many of the primary's positions are kept to measure lag: at one check every
/// 500 ms, ten minutes' worth. A replica further behind shows at least that lag.
const HISTORY: usize = 1200;

/// Longest wait for one check's answer.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

impl Replicas {
    /// No replicas: every query runs on the primary.
    pub fn none() -> Replicas {
        Replicas::from_list(Vec::new(), ReplicaMetrics::default(), Duration::ZERO)
    }

    fn from_list(list: Vec<Replica>, metrics: ReplicaMetrics, max_lag: Duration) -> Replicas {
        Replicas {
            list,
            primary_reads: metrics.reads.get_or_create_owned(&Target::named("primary")),
            metrics,
            max_lag,
            next: AtomicUsize::new(0),
            history: Mutex::new(VecDeque::new()),
            checking: AtomicBool::new(false),
        }
    }

    /// Pools for the replicas at `urls`, opened lazily (a replica that is down at start
    /// is only out of rotation), with the options of the primary's pool but a short wait
    /// for a connection: a read whose replica cannot give one goes to the primary.
    pub async fn connect(
        urls: &[String],
        primary: &DbOptions,
        max_lag: Duration,
    ) -> Result<Replicas> {
        let metrics = ReplicaMetrics::default();
        let mut list = Vec::with_capacity(urls.len());
        for (i, url) in urls.iter().enumerate() {
            let name = format!("replica{}", i + 1);
            let target = Target::named(&name);
            let options = DbOptions {
                url: url.clone(),
                lazy: true,
                acquire_timeout: primary.acquire_timeout.min(Duration::from_secs(1)),
                ..primary.clone()
            };
            list.push(Replica {
                db: Database::connect(&options).await?,
                state: AtomicUsize::new(ReplicaState::Unknown.code()),
                replayed: AtomicU64::new(0),
                reads: metrics.reads.get_or_create_owned(&target),
                up: metrics.up.get_or_create_owned(&target),
                lag: metrics.lag.get_or_create_owned(&target),
                name,
            });
        }
        Ok(Replicas::from_list(list, metrics, max_lag))
    }

    /// Whether there are replicas at all.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Starts the health checks, every `every`, against `primary` (a handle whose
    /// statements count as background work). They stop when the replicas are dropped.
    pub fn start_checks(self: &Arc<Self>, primary: DatabaseConnection, every: Duration) {
        if self.list.is_empty() || self.checking.swap(true, Ordering::Relaxed) {
            return;
        }
        let replicas = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(replicas) = replicas.upgrade() else {
                    return;
                };
                replicas.check(&primary).await;
            }
        });
    }

    /// Checks every replica once: its state, replayed position and lag.
    pub async fn check(&self, primary: &DatabaseConnection) {
        let now = Instant::now();
        let primary_at = match tokio::time::timeout(CHECK_TIMEOUT, position(primary, CURRENT)).await
        {
            Ok(Ok(Some(lsn))) => Some(lsn),
            _ => None,
        };
        if let Some(lsn) = primary_at {
            let mut history = self.history.lock().unwrap_or_else(|e| e.into_inner());
            if history.back().is_none_or(|&(_, last)| last != lsn) {
                history.push_back((now, lsn));
            }
            while history.len() > HISTORY {
                history.pop_front();
            }
        }
        let checks = self.list.iter().map(|replica| async move {
            let conn = replica.db.background();
            let found = tokio::time::timeout(CHECK_TIMEOUT, standby(&conn)).await;
            match found {
                Ok(Ok(Some(replayed))) => {
                    replica.replayed.fetch_max(replayed.0, Ordering::Relaxed);
                    let lag = self.lag_of(replayed, now);
                    replica
                        .lag
                        .set(i64::try_from(lag.as_millis()).unwrap_or(i64::MAX));
                    replica.set_state(if lag <= self.max_lag {
                        ReplicaState::Up
                    } else {
                        ReplicaState::Lagging
                    });
                }
                Ok(Ok(None)) => replica.set_state(ReplicaState::NotAReplica),
                Ok(Err(_)) | Err(_) => replica.set_state(ReplicaState::Down),
            }
        });
        futures_util::future::join_all(checks).await;
    }

    /// How long ago the primary first stood past `replayed`: zero when the replica has
    /// replayed everything the primary had at its recent checks.
    fn lag_of(&self, replayed: Lsn, now: Instant) -> Duration {
        let history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        history
            .iter()
            .find(|&&(_, lsn)| lsn > replayed)
            .map(|&(at, _)| now.saturating_duration_since(at))
            .unwrap_or_default()
    }

    /// Where a query runs: the next replica that serves reads (in turn), and that has
    /// replayed `at_least` when it is given; else the primary. A replica whose last check
    /// is behind `at_least` is asked once where it stands now.
    pub async fn route(&self, at_least: Option<Lsn>) -> Route {
        let n = self.list.len();
        if n == 0 {
            self.primary_reads.inc();
            return Route::Primary;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let up = (0..n)
            .map(|k| (start + k) % n)
            .filter(|&i| self.list[i].state() == ReplicaState::Up);
        let mut behind = None;
        for i in up {
            let replica = &self.list[i];
            match at_least {
                Some(lsn) if replica.replayed.load(Ordering::Relaxed) < lsn.0 => {
                    behind.get_or_insert(i);
                }
                _ => return self.on_replica(i),
            }
        }
        if let (Some(i), Some(lsn)) = (behind, at_least) {
            let replica = &self.list[i];
            let conn = replica.db.background();
            let asked = tokio::time::timeout(CHECK_TIMEOUT, standby(&conn));
            if let Ok(Ok(Some(replayed))) = asked.await {
                replica.replayed.fetch_max(replayed.0, Ordering::Relaxed);
                if replayed >= lsn {
                    return self.on_replica(i);
                }
            }
        }
        self.primary_reads.inc();
        Route::Primary
    }

    fn on_replica(&self, i: usize) -> Route {
        let replica = &self.list[i];
        replica.reads.inc();
        Route::Replica(i, replica.db.conn.clone())
    }

    /// A read on replica `i` failed for want of the database: it is out of rotation
    /// until its next check finds it well.
    pub fn failed(&self, i: usize) {
        if let Some(replica) = self.list.get(i) {
            tracing::warn!(replica = %replica.name, "a read on the replica failed; it is out of rotation until it answers again");
            replica.set_state(ReplicaState::Down);
        }
    }
}

/// The primary's position now.
const CURRENT: &str = "SELECT pg_current_wal_lsn()::text";

/// The primary's position after the writes committed so far: what a write's answer
/// carries for read-your-writes (none on SQLite).
pub async fn commit_position(primary: &DatabaseConnection) -> Result<Option<Lsn>> {
    if primary.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    position(primary, CURRENT).await
}

async fn position(conn: &DatabaseConnection, sql: &str) -> Result<Option<Lsn>> {
    let row = conn
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    let text: Option<String> = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => None,
    };
    text.map(|t| t.parse()).transpose()
}

/// A replica's replayed position; `None` when the server is not in recovery.
async fn standby(conn: &DatabaseConnection) -> Result<Option<Lsn>> {
    position(
        conn,
        "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text END",
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_positions_read_and_print_as_postgresql_writes_them() {
        for text in ["0/16B3748", "1/0", "FFFFFFFF/FFFFFFFF", "A/B"] {
            assert_eq!(text.parse::<Lsn>().unwrap().to_string(), text);
        }
        assert_eq!("1/0".parse::<Lsn>().unwrap().0, 1 << 32);
        assert!("0/16B3748".parse::<Lsn>().unwrap() < "1/0".parse().unwrap());
        for bad in ["", "16B3748", "0/", "/1", "G/1", "1/2/3", "100000000/0"] {
            assert!(bad.parse::<Lsn>().is_err(), "{bad}");
        }
    }

    #[test]
    fn lag_is_the_time_since_the_primary_passed_the_replayed_position() {
        let replicas = Replicas::none();
        let t0 = Instant::now();
        {
            let mut history = replicas.history.lock().unwrap();
            history.push_back((t0, Lsn(100)));
            history.push_back((t0 + Duration::from_secs(1), Lsn(200)));
            history.push_back((t0 + Duration::from_secs(2), Lsn(300)));
        }
        let now = t0 + Duration::from_secs(5);
        // Replayed all: no lag, however long ago the last write was.
        assert_eq!(replicas.lag_of(Lsn(300), now), Duration::ZERO);
        // Behind the last write only: the time since that write.
        assert_eq!(replicas.lag_of(Lsn(250), now), Duration::from_secs(3));
        // Behind the first: the time since the first.
        assert_eq!(replicas.lag_of(Lsn(50), now), Duration::from_secs(5));
    }
}
