//! Themes: the controlled vocabularies (Global Compact objectives, 2030 Agenda goals and
//! targets) and free themes, with broader/narrower links, tagging any node.

mod facets;
mod filter;
mod mutation;
mod object;
mod query;
pub mod repo;

pub use filter::{ThemeFilter, ThemeOrderField, tagged_with, tagged_within};
pub use mutation::{ThemeInput, ThemeMutation};
pub use object::{Theme, planned};
pub use query::{ThemeLists, ThemeQuery};
