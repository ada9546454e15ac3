//! Sources: the press releases, UN documents, resolutions and web pages that records cite.

mod facets;
mod filter;
mod mutation;
mod object;
mod query;
pub mod repo;

pub use filter::{SourceFilter, SourceOrderField, citing};
pub use mutation::{SourceInput, SourceMutation};
pub use object::{Source, planned};
pub use query::SourceLists;
