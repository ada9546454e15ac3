//! The facets of lists of tools.

use super::Tool;
use crate::{graphql::facet::facets, repo::edges};

facets!(ToolFacets for Tool {
        /// By year.
        year = Column(column_name!(tool.year));
        /// By kind of tool.
        kind enum = Column(column_name!(tool.kind));
        /// By theme (its code), for the themes tools are tagged with.
        theme = Theme;
        /// By the languages tools have texts in.
        language = Language;
        /// By the kind of the organisations that developed them.
        developer_kind enum = Through(&edges::TOOL_DEVELOPER, column_name!(organisation.kind));
        /// By the role of their developers.
        developer_role enum = Role(&edges::TOOL_DEVELOPER);
} per_year);
