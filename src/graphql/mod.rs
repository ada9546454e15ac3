//! What all domains share in the GraphQL layer: ids, cursors and connections, filters,
//! languages, the request context and the batching loaders.

pub mod complete;
pub mod connection;
pub mod context;
pub mod facet;
pub mod filter;
pub mod guard;
pub mod i18n;
pub mod id;
pub mod links;
pub mod list;
pub mod node;
pub mod record;
pub mod scalars;
pub mod shapes;
pub mod variables;
pub mod write;

// The store's batching loaders and keyset cursors, which resolvers use as they are.
pub use crate::repo::{cursor, loader};
