//! People: speakers, authors, office holders and contacts.

mod facets;
mod filter;
mod mutation;
mod object;
mod query;
pub mod repo;

pub use filter::{InvolvementFilter, PersonFilter, PersonOrderField};
pub use mutation::{PersonInput, PersonMutation};
pub use object::{Person, planned};
pub use query::PersonLists;
