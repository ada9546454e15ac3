//! What all domains share in their talk with the database: pagination, texts, and the
//! batched loads by id.

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
pub mod search;
pub mod seed;
pub mod text;
pub mod vocab;
pub mod write;
