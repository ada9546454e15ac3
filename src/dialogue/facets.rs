//! The facets of lists of dialogues.

use super::Dialogue;
use crate::{graphql::facet::facets, repo::edges};

facets!(DialogueFacets for Dialogue {
        /// By year.
        year = Column(column_name!(dialogue.year));
        /// By country (ISO 3166-1 alpha-2 code).
        country = Column(column_name!(dialogue.country));
        /// By theme (its code), for the themes dialogues are tagged with.
        theme = Theme;
        /// By the languages dialogues have texts in.
        language = Language;
        /// By the kind of the organisations taking part (a dialogue counts once per kind).
        participant_kind enum = Through(&edges::DIALOGUE_PARTICIPANT, column_name!(organisation.kind));
        /// By the role organisations took in dialogues.
        participant_role enum = Role(&edges::DIALOGUE_PARTICIPANT);
} per_year);
