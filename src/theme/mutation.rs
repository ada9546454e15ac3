//! Writing themes.

use std::collections::HashMap;

use async_graphql::{InputObject, MaybeUndefined};
use entity::{enums::ThemeScheme, theme};

use super::Theme;
use crate::{
    error::{Error, Result},
    graphql::{
        id::NodeType,
        write::{self as w, NodeRef, RecordInput, TextInput, Writable, writes},
    },
    repo::write::TextMap,
};

/// The values of a theme. Every field is optional, so that an update changes only what it
/// names (null clears a field); creating a theme needs `code`, `scheme` and `title`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ThemeInput {
    #[graphql(flatten)]
    pub record: RecordInput,
    /// The code within its vocabulary (unique), such as `GCM-23`.
    pub code: Option<String>,
    /// The vocabulary.
    pub scheme: Option<ThemeScheme>,
    /// The title, one text per language.
    pub title: Option<Vec<TextInput>>,
    /// What the theme covers, one text per language.
    pub description: Option<Vec<TextInput>>,
    /// The broader theme.
    pub broader: MaybeUndefined<NodeRef>,
}

impl Writable for Theme {
    type Input = ThemeInput;
    const KIND: NodeType = NodeType::Theme;

    fn record_input(input: &ThemeInput) -> &RecordInput {
        &input.record
    }

    fn refs(input: &ThemeInput) -> Vec<(&'static str, NodeType, &NodeRef)> {
        input
            .broader
            .value()
            .map(|r| ("broader", NodeType::Theme, r))
            .into_iter()
            .collect()
    }

    fn check_create(input: &ThemeInput) -> Result<()> {
        w::required("code", &input.code)?;
        w::required("scheme", &input.scheme)?;
        w::required("title", &input.title)
    }

    fn apply(
        input: &ThemeInput,
        row: &mut theme::Model,
        texts: &mut TextMap,
        refs: &HashMap<&'static str, i64>,
    ) -> Result<()> {
        if let Some(c) = &input.code {
            row.code = w::text_column(column_name!(theme.code), "code", c)?;
        }
        if let Some(s) = input.scheme {
            row.scheme = s;
        }
        w::texts(texts, "title", &input.title, w::MAX_NAME)?;
        w::texts(texts, "description", &input.description, w::MAX_TEXT)?;
        w::maybe(&mut row.broader_id, &input.broader, |_| {
            w::resolved(refs, "broader")
        })
    }

    fn check(row: &theme::Model, texts: &TextMap) -> Result<()> {
        w::required_text("title", texts)?;
        if row.id != 0 && row.broader_id == Some(row.id) {
            return Err(Error::field(
                "broader",
                "a theme cannot be broader than itself",
            ));
        }
        Ok(())
    }

    fn controlled(row: &theme::Model) -> bool {
        row.scheme != ThemeScheme::Free
    }

    fn parent(row: &theme::Model) -> Option<(&'static str, &'static str, i64)> {
        row.broader_id
            .map(|id| ("broader", column_name!(theme.broader_id), id))
    }

    fn uniques(row: &theme::Model) -> Vec<(&'static str, &'static str, String)> {
        vec![("code", column_name!(theme.code), row.code.clone())]
    }
}

writes!(ThemeMutation: Theme {
    /// Creates a theme (with the `write` scope); the caller's organisation becomes the
    /// partner that supplied it. A term of a controlled vocabulary (any scheme but
    /// `FREE`) needs the `admin` scope.
    create_theme,
    /// Changes a theme: fields left out keep their values. Only the partner that supplied
    /// it, or an admin, may; only an admin may change a controlled vocabulary's term, or
    /// move a theme into one. A `broader` theme that would make the theme its own
    /// ancestor is refused.
    update_theme,
    /// Deletes a theme: reads no longer see it, and the change feed keeps a tombstone. Only
    /// the partner that supplied it, or an admin, may (only an admin, for a controlled
    /// vocabulary's term).
    delete_theme,
    /// Creates or updates the theme a partner's system knows by `externalId`. Sending the
    /// same values again changes nothing (`UNCHANGED`, same version).
    upsert_theme,
});
