//! The knowledge base of the source document (the IOM press release « Le Dialogue
//! international des Nations Unies sur la migration 2018 appuie le Pacte mondial sur la
//! migration », 2018, in French), loaded by `agora seed` and by `agora serve` into an empty
//! database, and the controlled vocabularies (`vocab`).
//!
//! Both are data, not code:
//! - `knowledge-base.jsonl` holds the records of the press release, one per line in the
//!   export format (`crate::export::format`), and is loaded through the importer, so under
//!   the same rules as any import and the API. Every record states only what the source
//!   states, in French (the original) and English; what the source leaves unknown (the
//!   second workshop's date and place, for one) stays out. Every record cites its sources
//!   (`CITATION` edges to the file's `Source` records): the press release, and where a fact
//!   comes from elsewhere (the report's symbol and date), that document too. To change the knowledge base, edit the file (or change a
//!   database and export it with `agora export`).
//! - `vocabularies.json` holds the vocabularies' themes (see `vocab`).
//!
//! Both are built into the binary: a fresh clone needs nothing else.

pub mod generate;
pub mod vocab;

use sea_orm::DatabaseConnection;
use serde_json::Value as Json;

use crate::{
    auth::Principal,
    error::{Error, Result},
    export::{
        format::Record,
        import::{Source, import_from},
        stream::Format,
    },
    graphql::id::NodeType,
    repo::write::{ChangeRecord, Writer, record_many, snapshots},
    sync::hub::SyncState,
};

/// The records of the press release, in the export format.
pub const KNOWLEDGE_BASE: &str = include_str!("knowledge-base.jsonl");

/// What one run of the seed wrote: a line per record, for people to read.
#[derive(Debug, Default)]
pub struct Seeded {
    /// `type slug-or-name` of each record, in the order of the file.
    pub records: Vec<String>,
    /// `false` when the database already held the seed, so nothing was written.
    pub written: bool,
}

/// Loads the knowledge base, unless the database already holds it, then the vocabularies'
/// themes that the database lacks (also into databases seeded before they were part of
/// the seed). The knowledge base is written in one transaction, the vocabularies in
/// another; every record written enters the change feed.
pub async fn seed(db: &DatabaseConnection) -> Result<Seeded> {
    let exists = crate::organisation::repo::by_slug(db, "iom")
        .await?
        .is_some();
    let mut out = Seeded {
        records: Vec::new(),
        written: !exists,
    };
    if !exists {
        let source = Source::Text(KNOWLEDGE_BASE);
        let outcome = import_from(
            db,
            source,
            Format::Jsonl,
            false,
            &mut crate::progress::Quiet,
        )
        .await?;
        if let Some(p) = outcome.problems.first() {
            return Err(Error::internal(format!(
                "knowledge-base.jsonl, line {}: {}",
                p.line, p.reason
            )));
        }
        out.records = labels(KNOWLEDGE_BASE)?;
    }
    // Each theme a creation in the change feed, as the knowledge base's records are.
    let sync = SyncState::detached();
    let mut w = Writer::begin(db, &sync, Principal::Anonymous).await?;
    let written = vocab::ensure(w.txn()).await?;
    let theme = NodeType::Theme.table();
    let ids: Vec<i64> = written.iter().map(|(_, id)| *id).collect();
    let mut values = snapshots(w.txn(), NodeType::Theme, &ids).await?;
    let changes = ids.iter().map(|id| ChangeRecord {
        after: values.remove(id),
        ..ChangeRecord::created(theme, *id)
    });
    record_many(&mut w, changes.collect()).await?;
    w.commit().await?;
    for (code, _) in written {
        out.records.push(format!("Theme {code}"));
        out.written = true;
    }
    Ok(out)
}

/// `Type label` for each record of `text`: its slug, code, symbol or name.
fn labels(text: &str) -> Result<Vec<String>> {
    let mut labels = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let record: Record = serde_json::from_str(line)
            .map_err(|e| Error::internal(format!("knowledge-base.jsonl: {e}")))?;
        let label = [
            column_name!(slug in dialogue, organisation),
            column_name!(theme.code),
            column_name!(report.symbol),
            column_name!(person.name),
        ]
        .iter()
        .find_map(|f| record.fields.get(*f).and_then(Json::as_str))
        .unwrap_or(&record.id);
        labels.push(format!("{} {label}", record.kind));
    }
    Ok(labels)
}
