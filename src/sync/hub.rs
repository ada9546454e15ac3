//! Delivering committed changes to live subscribers, across processes.
//!
//! The change feed (the `change` table) is the source of truth. Each server process runs
//! one task that reads the feed past the last change it has seen and hands each new
//! change to its subscribers. The task wakes when this process commits a write, when
//! PostgreSQL notifies that another process has (`NOTIFY agora_changes`), and once a
//! second in any case: a lost notification delays a change by a second at most, and loses
//! nothing.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use entity::change;
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{Mutex, Notify, broadcast};

use crate::{
    error::Result,
    sync::changes::{Snapshots, last_seq, read_after},
};

/// The PostgreSQL channel on which writers announce commits.
pub const CHANNEL: &str = "agora_changes";

/// How many changes a subscriber may fall behind before it reads the feed itself.
const BACKLOG: usize = 4096;

/// What the writers and subscribers of one process share.
#[derive(Clone)]
pub struct SyncState {
    /// Delivers committed changes.
    pub hub: ChangeHub,
    /// Serialises this process's write transactions (see `repo::write`).
    pub write_lock: Arc<Mutex<()>>,
}

/// Hands committed changes to the subscribers of this process.
#[derive(Clone)]
pub struct ChangeHub {
    tx: broadcast::Sender<Arc<change::Model>>,
    wake: Arc<Notify>,
    seen: Arc<AtomicI64>,
}

impl SyncState {
    /// A state without a feed reader, for a one-shot writer (an import, the seed): its
    /// changes go into the feed, where the servers' readers find them, and to no
    /// subscriber of its own.
    pub fn detached() -> SyncState {
        let (tx, _) = broadcast::channel(1);
        SyncState {
            hub: ChangeHub {
                tx,
                wake: Arc::new(Notify::new()),
                seen: Arc::new(AtomicI64::new(0)),
            },
            write_lock: Arc::new(Mutex::new(())),
        }
    }

    /// Starts the feed reader of this process on `db`.
    pub async fn start(db: &DatabaseConnection) -> Result<SyncState> {
        let (tx, _) = broadcast::channel(BACKLOG);
        let last = last_seq(db).await?;
        let hub = ChangeHub {
            tx,
            wake: Arc::new(Notify::new()),
            seen: Arc::new(AtomicI64::new(last)),
        };
        tokio::spawn(hub.clone().run(db.clone()));
        Ok(SyncState {
            hub,
            write_lock: Arc::new(Mutex::new(())),
        })
    }
}

impl ChangeHub {
    /// Says that this process committed changes.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A receiver of the changes committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<change::Model>> {
        self.tx.subscribe()
    }

    /// The last change handed to subscribers.
    pub fn seen(&self) -> i64 {
        self.seen.load(Ordering::SeqCst)
    }

    async fn run(self, db: DatabaseConnection) {
        let mut listener = match db.get_database_backend() {
            DbBackend::Postgres => listen(&db).await,
            _ => None,
        };
        loop {
            match &mut listener {
                Some(l) => {
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        n = l.recv() => {
                            if n.is_err() {
                                // The connection dropped: the next loop listens again.
                                listener = listen(&db).await;
                            }
                        }
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
                None => {
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                    if db.get_database_backend() == DbBackend::Postgres {
                        listener = listen(&db).await;
                    }
                }
            }
            if let Err(e) = self.deliver(&db).await {
                tracing::warn!(error = %e, "reading the change feed failed; retrying");
            }
        }
    }

    /// Hands every change past the last one seen to the subscribers.
    async fn deliver(&self, db: &DatabaseConnection) -> Result<()> {
        loop {
            let after = self.seen();
            // Without the records' values: a batch then weighs the same whatever its
            // records weigh; a subscriber that asks for them reads them itself.
            let batch = read_after(db, after, 500, Snapshots::Skip).await?;
            let done = batch.len() < 500;
            for c in batch {
                let seq = c.seq;
                // Counted as seen before it is sent: a subscriber subscribes, then reads
                // `seen` (see `sync::subscription`). If it reads the old value, it subscribed
                // before this send and receives the change; if it reads this one, it starts
                // after it. Either way it misses nothing. No subscriber is not an error.
                self.seen.store(seq, Ordering::SeqCst);
                let _ = self.tx.send(Arc::new(c));
            }
            if done {
                return Ok(());
            }
        }
    }
}

async fn listen(db: &DatabaseConnection) -> Option<sea_orm::sqlx::postgres::PgListener> {
    let pool = db.get_postgres_connection_pool();
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool)
        .await
        .ok()?;
    listener.listen(CHANNEL).await.ok()?;
    Some(listener)
}
