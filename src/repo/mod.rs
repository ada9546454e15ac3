//! Agora's talk with the database (SQL through SeaORM), shared by every domain:
//!
//! - `page`: keyset pagination, for root lists and for lists under many parents at once;
//! - `rows`: the same statements with a chosen select list, read by position (the planner's);
//! - `filter` and `facet`: the SQL of relation filters, and counts grouped by a field;
//! - `text`: translatable texts, loaded for many records at once and written;
//! - `node` and `edges`: lookups on any node table, and the edge tables;
//! - `write`: one transaction per write, versions, timestamps, the feed and history;
//! - `changes`: reading the change feed;
//! - `search`: the full-text index (FTS5 on SQLite, `tsvector` on PostgreSQL);
//! - `keys` and `idempotency`: API keys, and the stored outcomes of retried writes;
//! - `export`: records in bulk, as exports and imports see them;
//! - `generate`: the synthetic graph of the benchmarks.
//!
//! The knowledge base of the source document and the vocabularies are data, loaded by
//! `crate::seed`.

pub mod changes;
pub mod edges;
pub mod export;
pub mod facet;
pub mod filter;
pub mod generate;
pub mod idempotency;
pub mod keys;
pub mod node;
pub mod page;
pub mod rows;
pub mod search;
pub mod text;
pub mod write;
