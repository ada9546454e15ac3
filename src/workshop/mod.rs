//! Workshops: the sessions of a dialogue.

mod facets;
mod filter;
mod mutation;
mod object;
mod query;
pub mod repo;

pub use filter::{WorkshopFilter, WorkshopOrderField};
pub use mutation::{WorkshopInput, WorkshopMutation};
pub use object::{Workshop, planned};
pub use query::WorkshopLists;
