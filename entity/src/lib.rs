//! SeaORM entities of Agora's knowledge graph: one module per table.
//!
//! Node tables (dialogue, workshop, report, tool, organisation, person, theme, source) share the
//! record columns: `original_lang`, provenance (`source_url`, `source_document`,
//! `partner_id`, `external_id`), `version`, `created_at`, `updated_at` and `deleted_at`.
//! Their translatable text lives in `translation`, keyed by owner type and id.

pub mod enums;

pub mod affiliation;
pub mod api_key;
pub mod change;
pub mod citation;
pub mod dialogue;
pub mod dialogue_participant;
pub mod dialogue_person;
pub mod dialogue_report;
pub mod idempotency_key;
pub mod organisation;
pub mod partnership;
pub mod persisted_query;
pub mod person;
pub mod report;
pub mod report_author;
pub mod report_publisher;
pub mod search_entry;
pub mod server_process;
pub mod source;
pub mod theme;
pub mod theme_tag;
pub mod tool;
pub mod tool_developer;
pub mod translation;
pub mod workshop;
pub mod workshop_participant;
pub mod workshop_person;
pub mod workshop_report;
pub mod workshop_tool;

/// The columns every node table carries, borrowed from a row of any node table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RecordRef<'a> {
    pub id: i64,
    pub original_lang: &'a str,
    pub source_url: Option<&'a str>,
    pub source_document: Option<&'a str>,
    pub partner_id: Option<i64>,
    pub external_id: Option<&'a str>,
    pub version: i64,
    pub created_at: sea_orm::prelude::DateTimeUtc,
    pub updated_at: sea_orm::prelude::DateTimeUtc,
    pub deleted_at: Option<sea_orm::prelude::DateTimeUtc>,
}

/// Implemented by the model of every node table.
pub trait HasRecord {
    /// The shared record columns of this row.
    fn record(&self) -> RecordRef<'_>;
}

macro_rules! impl_has_record {
    ($($table:ident),*) => {$(
        impl HasRecord for $table::Model {
            fn record(&self) -> RecordRef<'_> {
                RecordRef {
                    id: self.id,
                    original_lang: &self.original_lang,
                    source_url: self.source_url.as_deref(),
                    source_document: self.source_document.as_deref(),
                    partner_id: self.partner_id,
                    external_id: self.external_id.as_deref(),
                    version: self.version,
                    created_at: self.created_at,
                    updated_at: self.updated_at,
                    deleted_at: self.deleted_at,
                }
            }
        }
    )*};
}

impl_has_record!(
    dialogue,
    workshop,
    report,
    tool,
    organisation,
    person,
    theme,
    source
);
