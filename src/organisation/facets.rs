//! The facets of lists of organisations.

use super::Organisation;
use crate::graphql::facet::facets;

facets!(OrganisationFacets for Organisation {
        /// By kind of organisation.
        kind enum = Column(column_name!(organisation.kind));
        /// By country (ISO 3166-1 alpha-2 code) of the headquarters.
        country = Column(column_name!(organisation.country));
        /// By theme (its code), for the themes organisations are tagged with.
        theme = Theme;
        /// By the languages organisations have texts in.
        language = Language;
});
