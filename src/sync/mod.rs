//! Partner sync: writes (per type, edges, bulk), the change feed, history, and live
//! subscriptions.

pub mod bulk;
pub mod changes;
pub mod edges;
pub mod feed;
pub mod hub;
pub mod idempotency;
pub mod subscription;
pub mod ws;
