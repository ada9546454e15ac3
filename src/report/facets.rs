//! The facets of lists of reports.

use super::Report;
use crate::graphql::facet::facets;

facets!(ReportFacets for Report {
        /// By year of publication.
        year = Column("year");
        /// By kind of report.
        kind enum = Column("kind");
        /// By theme (its code), for the themes reports are tagged with.
        theme = Theme;
        /// By the languages reports have texts in.
        language = Language;
        /// By the kind of the organisations that published them.
        publisher_kind enum = Through {
            table: "report_publisher",
            from: "report_id",
            to: "organisation_id",
            target: "organisation",
            column: "kind",
        };
} per_year);
