//! Full-text search across every node type.

pub mod analysis;
pub mod keys;
pub mod query;
pub mod repo;
