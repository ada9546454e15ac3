//! The facets of lists of sources.

use super::Source;
use crate::graphql::facet::facets;

facets!(SourceFacets for Source {
        /// By year of publication.
        year = Column(column_name!(source.year));
        /// By kind of source.
        kind enum = Column(column_name!(source.kind));
        /// By the languages sources have texts in.
        language = Language;
} per_year);
