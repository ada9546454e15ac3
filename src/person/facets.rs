//! The facets of lists of people.

use super::Person;
use crate::{graphql::facet::facets, repo::edges};

facets!(PersonFacets for Person {
        /// By the kind of the organisations people are (or were) affiliated with.
        affiliation_kind enum = Through(&edges::AFFILIATION, column_name!(organisation.kind));
        /// By theme (its code), for the themes people are tagged with.
        theme = Theme;
        /// By the languages people have texts in.
        language = Language;
});
