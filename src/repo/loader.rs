//! Request-scoped batching of database loads: the dataloader of Agora.
//!
//! Every row an object is built from came from a batch (a page, a set of pages, a set of
//! rows by id), and the object keeps a handle on that whole batch (see [`Batched`]). When
//! an object needs something loaded (its texts, a related list, the row it points to), it
//! asks [`Loaders::load`] for its own key *and hands over the keys of all its siblings*:
//! the first sibling to ask loads for all of them in one SQL statement, and the others
//! find their value in the request's cache. Siblings share a selection set, so they all
//! ask for the same thing.
//!
//! So the number of statements a query issues depends on its shape alone: one per field
//! and level (and distinct arguments), whatever the number of parents, and the same every
//! time. async-graphql's own `DataLoader` batches what arrives within a delay (1 ms by
//! default) instead: how much one batch catches then depends on timing, and the delay
//! costs throughput (async-graphql issue #1306).

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    future::Future,
    hash::Hash,
    ops::Deref,
    sync::{Arc, Mutex, MutexGuard},
};

use futures_util::future::{BoxFuture, FutureExt, Shared};
use sea_orm::DatabaseConnection;

use crate::error::{Error, Result};

/// One row of a batch, with a handle on the whole batch (its siblings).
pub struct Batched<M> {
    all: Arc<[M]>,
    at: usize,
}

impl<M> Batched<M> {
    /// The row at `at` of the batch `all`.
    pub fn new(all: Arc<[M]>, at: usize) -> Self {
        Batched { all, at }
    }

    /// A batch of one row.
    pub fn single(row: M) -> Self {
        Batched {
            all: Arc::from(vec![row]),
            at: 0,
        }
    }

    /// Every row of the batch, this one included.
    pub fn siblings(&self) -> &[M] {
        &self.all
    }

    /// Each row of the batch, as a handle.
    pub fn each(all: Arc<[M]>) -> impl Iterator<Item = Batched<M>> {
        (0..all.len()).map(move |at| Batched::new(all.clone(), at))
    }
}

impl<M> Clone for Batched<M> {
    fn clone(&self) -> Self {
        Batched {
            all: self.all.clone(),
            at: self.at,
        }
    }
}

impl<M> Deref for Batched<M> {
    type Target = M;

    fn deref(&self) -> &M {
        &self.all[self.at]
    }
}

impl<M: std::fmt::Debug> std::fmt::Debug for Batched<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.deref().fmt(f)
    }
}

/// A kind of batched load: turns many keys into one query.
pub trait BatchLoad: Send + Sync + 'static {
    /// What one caller asks for (usually a parent's id).
    type Key: Clone + Eq + Hash + Send + Sync + 'static;
    /// What one caller gets back.
    type Value: Clone + Send + Sync + 'static;

    /// Loads share a cache only when their loaders are of the same type and group; the
    /// group holds whatever else shapes the query (filter, order, page size...).
    fn group(&self) -> String;

    /// Loads the values of all `keys` at once; keys without a value are left out.
    fn load(
        &self,
        db: &DatabaseConnection,
        keys: Vec<Self::Key>,
    ) -> impl Future<Output = Result<HashMap<Self::Key, Self::Value>>> + Send;
}

type Batch<L> = Shared<
    BoxFuture<'static, Result<Arc<HashMap<<L as BatchLoad>::Key, <L as BatchLoad>::Value>>>>,
>;

struct SlotState<L: BatchLoad> {
    /// Values already loaded in this request (`None`: loaded and absent).
    cache: HashMap<L::Key, Option<L::Value>>,
    /// Keys being loaded, and the batch that loads them.
    loading: HashMap<L::Key, Batch<L>>,
}

/// The loads of one loader type and group.
struct Slot<L: BatchLoad> {
    state: Mutex<SlotState<L>>,
}

impl<L: BatchLoad> Slot<L> {
    fn lock(&self) -> MutexGuard<'_, SlotState<L>> {
        // The state stays consistent whatever panicked while holding the lock.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The loaders of one request, with the database they read.
pub struct Loaders {
    db: DatabaseConnection,
    slots: Mutex<HashMap<(TypeId, String), Arc<dyn Any + Send + Sync>>>,
}

impl Loaders {
    /// Fresh loaders (and an empty cache) for one request.
    pub fn new(db: DatabaseConnection) -> Loaders {
        Loaders {
            db,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets everything loaded so far (a live subscription does this between events, so
    /// that each event shows the records as they are then).
    pub fn clear(&self) {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The database connection pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    fn slot<L: BatchLoad>(&self, group: String) -> Result<Arc<Slot<L>>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let any = slots
            .entry((TypeId::of::<L>(), group))
            .or_insert_with(|| {
                Arc::new(Slot::<L> {
                    state: Mutex::new(SlotState {
                        cache: HashMap::new(),
                        loading: HashMap::new(),
                    }),
                })
            })
            .clone();
        any.downcast::<Slot<L>>()
            .map_err(|_| Error::internal("loader slot of the wrong type"))
    }

    /// The value of `key`. On a miss, one statement loads it together with every key of
    /// `siblings` that is neither loaded nor being loaded.
    pub async fn load<L, I>(&self, loader: L, key: L::Key, siblings: I) -> Result<Option<L::Value>>
    where
        L: BatchLoad,
        I: IntoIterator<Item = L::Key>,
    {
        let slot = self.slot::<L>(loader.group())?;
        let batch = {
            let mut state = slot.lock();
            if let Some(hit) = state.cache.get(&key) {
                return Ok(hit.clone());
            }
            match state.loading.get(&key) {
                Some(batch) => batch.clone(),
                None => {
                    let mut keys = vec![key.clone()];
                    let mut seen = std::collections::HashSet::from([key.clone()]);
                    for k in siblings {
                        if !state.cache.contains_key(&k)
                            && !state.loading.contains_key(&k)
                            && seen.insert(k.clone())
                        {
                            keys.push(k);
                        }
                    }
                    let db = self.db.clone();
                    let load_keys = keys.clone();
                    let batch: Batch<L> =
                        async move { loader.load(&db, load_keys).await.map(Arc::new) }
                            .boxed()
                            .shared();
                    for k in keys {
                        state.loading.insert(k, batch.clone());
                    }
                    batch
                }
            }
        };
        let values = batch.await?;
        let value = values.get(&key).cloned();
        let mut state = slot.lock();
        state.loading.remove(&key);
        state.cache.insert(key, value.clone());
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::future::join_all;

    use super::*;

    struct Double(Arc<AtomicUsize>);

    impl BatchLoad for Double {
        type Key = i64;
        type Value = i64;

        fn group(&self) -> String {
            String::new()
        }

        async fn load(
            &self,
            _db: &DatabaseConnection,
            keys: Vec<i64>,
        ) -> Result<HashMap<i64, i64>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(keys
                .into_iter()
                .filter(|k| k % 7 != 0)
                .map(|k| (k, k * 2))
                .collect())
        }
    }

    #[tokio::test]
    async fn siblings_share_one_statement_whatever_their_number_or_timing() {
        for n in [2_i64, 100, 5000] {
            let loaders = Loaders::new(DatabaseConnection::default());
            let batches = Arc::new(AtomicUsize::new(0));
            let siblings: Vec<i64> = (1..=n).collect();
            let results = join_all(siblings.iter().map(|&k| {
                let (loaders, batches, siblings) = (&loaders, batches.clone(), siblings.clone());
                async move {
                    // Siblings arrive at different times, as resolvers do.
                    for _ in 0..(k % 5) {
                        tokio::task::yield_now().await;
                    }
                    loaders.load(Double(batches), k, siblings).await
                }
            }))
            .await;
            assert_eq!(batches.load(Ordering::SeqCst), 1, "{n} siblings");
            for (k, r) in siblings.iter().zip(results) {
                let expected = (k % 7 != 0).then_some(k * 2);
                assert_eq!(r.ok().flatten(), expected);
            }
        }
    }
}
