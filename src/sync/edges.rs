//! Adding and removing edges between records, of every kind.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::enums::{DeveloperRole, ParticipationRole, PartnershipLevel, PersonRole, ReportRole};
use sea_orm::ActiveEnum;

use crate::{
    error::{Error, Result},
    graphql::{
        id::encode,
        scalars::Date,
        write::{self as w, NodeRef, TextInput, in_transaction, resolve},
    },
    repo::{
        edges::{self as store, EdgeRow, RoleKind},
        write::{Outcome, TextMap, Writer},
    },
};

/// The kinds of edge between records. Each names its source and target: `from` and `to` of
/// an [`EdgeInput`].
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// From a dialogue to an organisation taking part, with a `participationRole`.
    DialogueParticipant,
    /// From a workshop to an organisation taking part, with a `participationRole`.
    WorkshopParticipant,
    /// From a dialogue to a person speaking (or its contact), with a `personRole`.
    DialoguePerson,
    /// From a workshop to a person speaking (or its contact), with a `personRole`.
    WorkshopPerson,
    /// From a dialogue to a report it references, with a `reportRole`.
    DialogueReport,
    /// From a workshop to a report it references, with a `reportRole`.
    WorkshopReport,
    /// From a report to an organisation that published it.
    ReportPublisher,
    /// From a report to a person who wrote it.
    ReportAuthor,
    /// From a tool to an organisation that developed it, with a `developerRole`.
    ToolDeveloper,
    /// From a workshop to a tool it presents.
    WorkshopTool,
    /// From an organisation to a partner organisation, with a `level` (mutual: it shows
    /// from both sides).
    Partnership,
    /// From a person to an organisation they are affiliated with, with an optional
    /// `position`, `startDate` and `endDate`.
    Affiliation,
    /// From a record of any type to a theme it is tagged with.
    ThemeTag,
    /// From a record of any type to a source that states it.
    Citation,
}

impl EdgeKind {
    /// The edge table of the kind, which says everything else about it.
    pub fn table(self) -> &'static store::EdgeTable {
        match self {
            EdgeKind::DialogueParticipant => &store::DIALOGUE_PARTICIPANT,
            EdgeKind::WorkshopParticipant => &store::WORKSHOP_PARTICIPANT,
            EdgeKind::DialoguePerson => &store::DIALOGUE_PERSON,
            EdgeKind::WorkshopPerson => &store::WORKSHOP_PERSON,
            EdgeKind::DialogueReport => &store::DIALOGUE_REPORT,
            EdgeKind::WorkshopReport => &store::WORKSHOP_REPORT,
            EdgeKind::ReportPublisher => &store::REPORT_PUBLISHER,
            EdgeKind::ReportAuthor => &store::REPORT_AUTHOR,
            EdgeKind::ToolDeveloper => &store::TOOL_DEVELOPER,
            EdgeKind::WorkshopTool => &store::WORKSHOP_TOOL,
            EdgeKind::Partnership => &store::PARTNERSHIP,
            EdgeKind::Affiliation => &store::AFFILIATION,
            EdgeKind::ThemeTag => &store::THEME_TAG,
            EdgeKind::Citation => &store::CITATION,
        }
    }

    /// The kind whose edge table is `table`.
    pub fn of_table(table: &str) -> Option<EdgeKind> {
        use async_graphql::resolver_utils::EnumType;
        EdgeKind::items()
            .iter()
            .map(|item| item.value)
            .find(|kind| kind.table().name == table)
    }
}

/// An edge between two records, to add or remove.
#[derive(InputObject, Clone, Debug)]
pub struct EdgeInput {
    /// The kind of edge (which says what `from` and `to` are).
    pub kind: EdgeKind,
    /// The edge's source record.
    pub from: NodeRef,
    /// The edge's target record.
    pub to: NodeRef,
    /// For DIALOGUE_PARTICIPANT and WORKSHOP_PARTICIPANT: the organisation's part.
    pub participation_role: Option<ParticipationRole>,
    /// For DIALOGUE_PERSON and WORKSHOP_PERSON: the person's part.
    pub person_role: Option<PersonRole>,
    /// For DIALOGUE_REPORT and WORKSHOP_REPORT: the report's part.
    pub report_role: Option<ReportRole>,
    /// For TOOL_DEVELOPER: the organisation's part.
    pub developer_role: Option<DeveloperRole>,
    /// For PARTNERSHIP: the level of the partnership.
    pub level: Option<PartnershipLevel>,
    /// For AFFILIATION: the position held, one text per language.
    pub position: Option<Vec<TextInput>>,
    /// For AFFILIATION: when it began.
    pub start_date: Option<Date>,
    /// For AFFILIATION: when it ended.
    pub end_date: Option<Date>,
}

impl EdgeInput {
    /// The role the edge kind takes, stored form; fails when it is missing, or when a role
    /// of another kind is given.
    fn role(&self, wanted: Option<RoleKind>) -> Result<Option<String>> {
        let given = [
            (
                RoleKind::Participation,
                "participationRole",
                self.participation_role.map(|r| r.to_value()),
            ),
            (
                RoleKind::Person,
                "personRole",
                self.person_role.map(|r| r.to_value()),
            ),
            (
                RoleKind::Report,
                "reportRole",
                self.report_role.map(|r| r.to_value()),
            ),
            (
                RoleKind::Developer,
                "developerRole",
                self.developer_role.map(|r| r.to_value()),
            ),
            (RoleKind::Level, "level", self.level.map(|r| r.to_value())),
        ];
        let mut found = None;
        for (role, field, value) in given {
            match (Some(role) == wanted, value) {
                (true, None) => {
                    return Err(Error::field(field, "is required for this kind of edge"));
                }
                (true, Some(v)) => found = Some(v),
                (false, Some(_)) => {
                    return Err(Error::field(field, "does not apply to this kind of edge"));
                }
                (false, None) => {}
            }
        }
        let affiliation = self.kind == EdgeKind::Affiliation;
        for (field, given) in [
            ("position", self.position.is_some()),
            ("startDate", self.start_date.is_some()),
            ("endDate", self.end_date.is_some()),
        ] {
            if given && !affiliation {
                return Err(Error::field(field, "applies to AFFILIATION edges only"));
            }
        }
        Ok(found)
    }
}

/// What adding or removing an edge did.
#[derive(SimpleObject, Clone, Debug)]
pub struct EdgeWriteResult {
    /// `CREATED` (added), `UPDATED` (an affiliation's end date or position set),
    /// `DELETED` (removed) or `UNCHANGED` (it was already so).
    pub outcome: Outcome,
    /// The kind of edge.
    pub kind: EdgeKind,
    /// The source record's global id.
    pub from: ID,
    /// The target record's global id.
    pub to: ID,
    /// The source record's version afterwards (edges are part of their source record).
    pub from_version: i64,
}

/// Adds (`add`) or removes an edge.
pub async fn write_edge(w: &mut Writer, input: &EdgeInput, add: bool) -> Result<EdgeWriteResult> {
    w.principal.require_write()?;
    let table = input.kind.table();
    let (from_type, to_type) = (table.source, table.target);
    let role = input.role(table.role.map(|r| r.kind))?;
    let (from_kind, from) = resolve(w, "from", &input.from, from_type).await?;
    let (_, to) = resolve(w, "to", &input.to, Some(to_type)).await?;
    if input.kind == EdgeKind::Partnership && from == to {
        return Err(Error::field(
            "to",
            "an organisation cannot be its own partner",
        ));
    }
    if let (Some(s), Some(e)) = (input.start_date, input.end_date)
        && s.0 > e.0
    {
        return Err(Error::field("startDate", "must not be after the end date"));
    }
    let source = store::source(w, from_kind.table(), from).await?;
    w.principal.may_change(source.partner_id)?;
    let mut position = TextMap::new();
    w::texts(&mut position, "position", &input.position, w::MAX_NAME)?;
    let row = EdgeRow {
        from_type: from_kind.table(),
        from,
        to,
        role,
        start_date: input.start_date.map(|d| d.0),
        end_date: input.end_date.map(|d| d.0),
    };
    let outcome = match add {
        true => store::add(w, table, &row, &position).await?,
        false if store::remove(w, table, &row).await? => Outcome::Deleted,
        false => Outcome::Unchanged,
    };
    let from_version = match outcome {
        Outcome::Unchanged => source.version,
        _ => store::touch(w, table, &row, &source, add).await?,
    };
    Ok(EdgeWriteResult {
        outcome,
        kind: input.kind,
        from: encode(from_kind, from),
        to: encode(to_type, to),
        from_version,
    })
}

/// Mutations of edges.
#[derive(Default)]
pub struct EdgeMutation;

/// Mutations of edges.
#[Object]
impl EdgeMutation {
    /// Adds an edge (`UNCHANGED` if it is there already). An affiliation is known by its
    /// person, organisation and start date: adding one that is there sets its end date and
    /// position to those given (`UPDATED`; absent means none). Only the partner that
    /// supplied the source record, or an admin, may; the source record's version grows by
    /// one.
    async fn add_edge(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The edge.")] input: EdgeInput,
    ) -> Result<EdgeWriteResult> {
        in_transaction(ctx, async |w| write_edge(w, &input, true).await).await
    }

    /// Removes an edge (`UNCHANGED` if it is not there). Only the partner that made the
    /// edge (and supplied the source record), or an admin, may; the source record's
    /// version grows by one.
    async fn remove_edge(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The edge; for AFFILIATION, `startDate` names which one (none: the one without a start date)."
        )]
        input: EdgeInput,
    ) -> Result<EdgeWriteResult> {
        in_transaction(ctx, async |w| write_edge(w, &input, false).await).await
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every edge table of the entity crate (a table with the edge columns and no
    /// `version`: edges are not versioned records) is declared in `edges::ALL`, and each
    /// declared table has exactly one kind in the API: a new edge table that one of them
    /// forgets fails here.
    #[test]
    fn every_edge_table_is_declared_and_has_a_kind() {
        let declared: BTreeSet<&str> = store::ALL.iter().map(|t| t.name).collect();
        assert_eq!(declared.len(), store::ALL.len(), "a table declared twice");
        let entity_src = concat!(env!("CARGO_MANIFEST_DIR"), "/entity/src");
        let mut edge_tables = BTreeSet::new();
        for entry in std::fs::read_dir(entity_src).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let Some(at) = text.find("table_name = \"") else {
                continue;
            };
            let rest = &text[at + "table_name = \"".len()..];
            let name = rest[..rest.find('"').unwrap()].to_string();
            if text.contains("pub partner_id:") && !text.contains("pub version:") {
                edge_tables.insert(name);
            }
        }
        // Positive control: the reading finds the edge tables it should.
        assert!(
            edge_tables.contains(table!(dialogue_participant))
                && edge_tables.contains(table!(theme_tag))
        );
        assert!(
            !edge_tables.contains(table!(dialogue)) && !edge_tables.contains(table!(translation))
        );
        let edge_tables: BTreeSet<&str> = edge_tables.iter().map(String::as_str).collect();
        assert_eq!(declared, edge_tables);

        use async_graphql::resolver_utils::EnumType;
        let kinds: Vec<EdgeKind> = EdgeKind::items().iter().map(|i| i.value).collect();
        assert_eq!(kinds.len(), store::ALL.len());
        for t in store::ALL {
            let kind = EdgeKind::of_table(t.name).unwrap();
            assert!(std::ptr::eq(kind.table(), t), "{}", t.name);
        }
    }
}
