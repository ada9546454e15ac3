//! Workshops: the sessions of a dialogue.

mod filter;
mod object;
mod query;
pub mod repo;

pub use filter::{WorkshopFilter, WorkshopOrderField};
pub use object::Workshop;
pub use query::WorkshopLists;
