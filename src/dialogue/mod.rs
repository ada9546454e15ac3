//! Dialogues: policy forums and the editions of meeting series.

mod facets;
mod filter;
mod mutation;
mod object;
mod query;
pub mod repo;

pub use filter::{DialogueFilter, DialogueOrderField};
pub use mutation::{DialogueInput, DialogueMutation};
pub use object::{Dialogue, planned};
pub use query::{DialogueLists, DialogueQuery};
