//! The facets of lists of workshops.

use super::Workshop;
use crate::{graphql::facet::facets, repo::edges};

facets!(WorkshopFacets for Workshop {
        /// By year.
        year = Column(column_name!(workshop.year));
        /// By country (ISO 3166-1 alpha-2 code).
        country = Column(column_name!(workshop.country));
        /// By theme (its code), for the themes workshops are tagged with.
        theme = Theme;
        /// By the languages workshops have texts in.
        language = Language;
        /// By the kind of the organisations taking part (a workshop counts once per kind).
        participant_kind enum = Through(&edges::WORKSHOP_PARTICIPANT, column_name!(organisation.kind));
        /// By the role organisations took in workshops.
        participant_role enum = Role(&edges::WORKSHOP_PARTICIPANT);
} per_year);
