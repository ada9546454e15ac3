//! The store: Agora's talk with the database (SQL through SeaORM), shared by every
//! domain. It imports nothing from the layers above it (GraphQL, the read planner, HTTP),
//! which `tests/api/layers.rs` checks.
//!
//! - `node`: the node types and lookups on any node table;
//! - `edges`: the edge tables, and finding, adding and removing edges;
//! - `page` and `cursor`: keyset pagination, for root lists and for lists under many
//!   parents at once, and its cursors;
//! - `rows`: the same statements with a chosen select list, read by position (the read
//!   planner's);
//! - `loader`: the request's batched loads (the dataloader);
//! - `filter` and `facet`: the SQL of relation filters, and counts grouped by a field;
//! - `text`: translatable texts, loaded for many records at once and written;
//! - `write`: one transaction per write, versions, timestamps, the feed and history.
//!
//! Feature code keeps its SQL with its feature: the search index (`search::repo`), API
//! keys (`auth::keys`), the change feed and idempotency (`sync::changes`,
//! `sync::idempotency`), exports and imports (`export::repo`) and the synthetic graph
//! (`seed::generate`).

pub mod cursor;
pub mod edges;
pub mod facet;
pub mod filter;
pub mod loader;
pub mod node;
pub mod page;
pub mod rows;
pub mod text;
pub mod write;

use sea_orm::sea_query::Expr;

/// A column of a table, qualified by the table's name.
pub fn col(table: &'static str, column: &'static str) -> Expr {
    Expr::col((table, column))
}
