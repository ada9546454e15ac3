//! Tools: cooperation frameworks, guidelines, indicator sets, platforms and trainings.

mod facets;
mod filter;
mod mutation;
mod object;
mod query;
pub mod repo;

pub use filter::{ToolFilter, ToolOrderField};
pub use mutation::{ToolInput, ToolMutation};
pub use object::{Tool, planned};
pub use query::ToolLists;
