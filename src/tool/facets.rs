//! The facets of lists of tools.

use super::Tool;
use crate::graphql::facet::facets;

facets!(ToolFacets for Tool {
        /// By year.
        year = Column("year");
        /// By kind of tool.
        kind enum = Column("kind");
        /// By theme (its code), for the themes tools are tagged with.
        theme = Theme;
        /// By the languages tools have texts in.
        language = Language;
        /// By the kind of the organisations that developed them.
        developer_kind enum = Through {
            table: "tool_developer",
            from: "tool_id",
            to: "organisation_id",
            target: "organisation",
            column: "kind",
        };
        /// By the role of their developers.
        developer_role enum = Edge { table: "tool_developer", from: "tool_id", column: "role" };
} per_year);
