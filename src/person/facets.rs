//! The facets of lists of people.

use super::Person;
use crate::graphql::facet::facets;

facets!(PersonFacets for Person {
        /// By the kind of the organisations people are (or were) affiliated with.
        affiliation_kind enum = Through {
            table: "affiliation",
            from: "person_id",
            to: "organisation_id",
            target: "organisation",
            column: "kind",
        };
        /// By theme (its code), for the themes people are tagged with.
        theme = Theme;
        /// By the languages people have texts in.
        language = Language;
});
