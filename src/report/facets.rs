//! The facets of lists of reports.

use super::Report;
use crate::{graphql::facet::facets, repo::edges};

facets!(ReportFacets for Report {
        /// By year of publication.
        year = Column(column_name!(report.year));
        /// By kind of report.
        kind enum = Column(column_name!(report.kind));
        /// By theme (its code), for the themes reports are tagged with.
        theme = Theme;
        /// By the languages reports have texts in.
        language = Language;
        /// By the kind of the organisations that published them.
        publisher_kind enum = Through(&edges::REPORT_PUBLISHER, column_name!(organisation.kind));
} per_year);
