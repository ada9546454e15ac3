//! Organisations: partners of every kind, their nesting, partnerships and the people
//! affiliated with them.

mod facets;
mod filter;
mod mutation;
mod object;
mod query;
pub mod repo;

pub use filter::{DeveloperFilter, OrganisationFilter, OrganisationOrderField, ParticipantFilter};
pub use mutation::{OrganisationInput, OrganisationMutation};
pub use object::{Organisation, planned};
pub use query::{OrganisationLists, OrganisationQuery};
