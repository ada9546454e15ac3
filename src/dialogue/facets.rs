//! The facets of lists of dialogues.

use super::Dialogue;
use crate::graphql::facet::facets;

facets!(DialogueFacets for Dialogue {
        /// By year.
        year = Column("year");
        /// By country (ISO 3166-1 alpha-2 code).
        country = Column("country");
        /// By theme (its code), for the themes dialogues are tagged with.
        theme = Theme;
        /// By the languages dialogues have texts in.
        language = Language;
        /// By the kind of the organisations taking part (a dialogue counts once per kind).
        participant_kind enum = Through {
            table: "dialogue_participant",
            from: "dialogue_id",
            to: "organisation_id",
            target: "organisation",
            column: "kind",
        };
        /// By the role organisations took in dialogues.
        participant_role enum = Edge { table: "dialogue_participant", from: "dialogue_id", column: "role" };
} per_year);
