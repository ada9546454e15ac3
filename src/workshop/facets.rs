//! The facets of lists of workshops.

use super::Workshop;
use crate::graphql::facet::facets;

facets!(WorkshopFacets for Workshop {
        /// By year.
        year = Column("year");
        /// By country (ISO 3166-1 alpha-2 code).
        country = Column("country");
        /// By theme (its code), for the themes workshops are tagged with.
        theme = Theme;
        /// By the languages workshops have texts in.
        language = Language;
        /// By the kind of the organisations taking part (a workshop counts once per kind).
        participant_kind enum = Through {
            table: "workshop_participant",
            from: "workshop_id",
            to: "organisation_id",
            target: "organisation",
            column: "kind",
        };
        /// By the role organisations took in workshops.
        participant_role enum = Edge { table: "workshop_participant", from: "workshop_id", column: "role" };
} per_year);
