//! Writing tools.

use std::collections::HashMap;

use async_graphql::{InputObject, MaybeUndefined};
use entity::{enums::ToolKind, tool};

use super::Tool;
use crate::{
    error::Result,
    graphql::{
        id::NodeType,
        write::{self as w, NodeRef, RecordInput, TextInput, Writable, writes},
    },
    repo::write::TextMap,
};

/// The values of a tool. Every field is optional, so that an update changes only what it
/// names (null clears a field); creating a tool needs `kind` and `name`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ToolInput {
    #[graphql(flatten)]
    pub record: RecordInput,
    /// The kind of tool.
    pub kind: Option<ToolKind>,
    /// The name, one text per language.
    pub name: Option<Vec<TextInput>>,
    /// What the tool is for, one text per language.
    pub summary: Option<Vec<TextInput>>,
    /// The year it was launched.
    pub year: MaybeUndefined<i32>,
    /// Where it can be found (http or https).
    pub url: MaybeUndefined<String>,
}

impl Writable for Tool {
    type Input = ToolInput;
    const KIND: NodeType = NodeType::Tool;

    fn record_input(input: &ToolInput) -> &RecordInput {
        &input.record
    }

    fn refs(_input: &ToolInput) -> Vec<(&'static str, NodeType, &NodeRef)> {
        Vec::new()
    }

    fn check_create(input: &ToolInput) -> Result<()> {
        w::required("kind", &input.kind)?;
        w::required("name", &input.name)
    }

    fn apply(
        input: &ToolInput,
        row: &mut tool::Model,
        texts: &mut TextMap,
        _refs: &HashMap<&'static str, i64>,
    ) -> Result<()> {
        if let Some(kind) = input.kind {
            row.kind = kind;
        }
        w::texts(texts, "name", &input.name, w::MAX_NAME)?;
        w::texts(texts, "summary", &input.summary, w::MAX_TEXT)?;
        w::maybe(&mut row.year, &input.year, |y| {
            w::int_column(column_name!(tool.year), "year", *y)
        })?;
        w::maybe(&mut row.url, &input.url, |u| {
            w::text_column(column_name!(tool.url), "url", u)
        })
    }

    fn check(_row: &tool::Model, texts: &TextMap) -> Result<()> {
        w::required_text("name", texts)
    }
}

writes!(ToolMutation: Tool {
    /// Creates a tool (with the `write` scope); the caller's organisation becomes the
    /// partner that supplied it.
    create_tool,
    /// Changes a tool: fields left out keep their values. Only the partner that supplied
    /// it, or an admin, may.
    update_tool,
    /// Deletes a tool: reads no longer see it, and the change feed keeps a tombstone. Only
    /// the partner that supplied it, or an admin, may.
    delete_tool,
    /// Creates or updates the tool a partner's system knows by `externalId`. Sending the
    /// same values again changes nothing (`UNCHANGED`, same version).
    upsert_tool,
});
