//! The facets of lists of themes.

use super::Theme;
use crate::graphql::facet::facets;

facets!(ThemeFacets for Theme {
        /// By vocabulary.
        scheme enum = Column(column_name!(theme.scheme));
        /// By the languages themes have titles in.
        language = Language;
});
