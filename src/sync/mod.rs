//! Partner sync: writes (per type, edges, bulk), the change feed, history, and live
//! subscriptions.

pub mod edges;
pub mod hub;
pub mod bulk;
pub mod feed;
pub mod subscription;
pub mod ws;
