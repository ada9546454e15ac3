//! The live subscription to committed changes.

use async_graphql::{Context, Subscription};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::{
    auth::Principal,
    error::{Error, Result},
    graphql::{
        id::NodeType,
        loader::{Batched, Loaders},
    },
    sync::changes::{RECORD_OPS, Snapshots, read_after, read_snapshots},
    sync::{
        feed::{Change, feed_position, snapshots_asked},
        hub::SyncState,
    },
};

/// Live subscriptions.
#[derive(Default)]
pub struct SubscriptionRoot;

/// Live subscriptions (over the graphql-transport-ws protocol, at `/graphql/ws`).
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Each change committed from now on, in commit order, as the change feed records it:
    /// whichever server process the write went through. Needs an API key, passed in the
    /// `connection_init` payload as `{"authorization": "Bearer <key>"}`.
    async fn record_changed<'ctx>(
        &self,
        ctx: &Context<'ctx>,
        #[graphql(
            desc = "Only changes of records of these types (edge changes count for both ends)."
        )]
        types: Option<Vec<NodeType>>,
        #[graphql(
            desc = "Start after this change (a `cursor` of the feed or of a change delivered before): what was committed since comes first, so that a subscriber that reconnects misses nothing."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Change> + 'ctx> {
        ctx.data_opt::<Principal>()
            .unwrap_or(&Principal::Anonymous)
            .require_read()?;
        let sync = ctx
            .data::<SyncState>()
            .map_err(|_| Error::internal("no sync state"))?;
        // Subscribe first, then read where the feed is: every change after that arrives.
        let mut changes = sync.hub.subscribe();
        let start = match &after {
            Some(cursor) => Some(feed_position(cursor)?),
            None => None,
        };
        let mut last = start.unwrap_or_else(|| sync.hub.seen());
        let loaders: &'ctx Loaders = ctx.data_unchecked::<Loaders>();
        let tables: Option<Vec<&'static str>> =
            types.map(|t| t.iter().map(|k| k.table()).collect());
        // The records' values are read only for a subscriber that asks for them.
        let look = ctx.look_ahead();
        let snapshots = snapshots_asked(|field| look.field(field).exists());
        let wanted = move |c: &entity::change::Model| {
            tables.as_ref().is_none_or(|t| {
                t.contains(&c.node_type.as_str())
                    || c.target_type.as_deref().is_some_and(|x| t.contains(&x))
            })
        };
        Ok(async_stream::stream! {
            let mut catching_up = start.is_some();
            loop {
                let next = if catching_up {
                    // What was committed since `after`: from the feed itself, then live.
                    catching_up = false;
                    Err(RecvError::Lagged(0))
                } else {
                    changes.recv().await.map(|c| (*c).clone())
                };
                let batch = match next {
                    Ok(c) => vec![c],
                    // Fell behind the hub: read what was missed from the feed itself.
                    Err(RecvError::Lagged(_)) => match read_after(loaders.db(), last, 1000, snapshots).await {
                        Ok(rows) => {
                            // More to read: come back to the feed before the channel.
                            catching_up = rows.len() == 1000;
                            rows
                        }
                        Err(e) => {
                            tracing::warn!(error = ?e, "a subscriber could not catch up");
                            break;
                        }
                    },
                    Err(RecvError::Closed) => break,
                };
                for c in batch {
                    if c.seq <= last {
                        continue;
                    }
                    last = c.seq;
                    if wanted(&c) {
                        let mut c = c;
                        if snapshots == Snapshots::Read
                            && RECORD_OPS.contains(&c.op.as_str())
                            && c.before.is_none()
                            && c.after.is_none()
                            && let Err(e) = read_snapshots(loaders.db(), &mut c).await
                        {
                            tracing::warn!(error = ?e, "a subscriber could not read a change's values");
                            break;
                        }
                        loaders.clear();
                        yield Change(Batched::single(c));
                    }
                }
            }
        })
    }
}
