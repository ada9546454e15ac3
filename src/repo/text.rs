//! Translatable texts: loading them for many records at once, and writing them.

use std::{collections::HashMap, sync::Arc};

use entity::translation;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Set, sea_query::OnConflict};

use crate::{error::Result, repo::loader::BatchLoad, search::analysis::stems};

/// The columns of `translation`, the table of every translatable text, by name.
pub mod column {
    /// The text's id.
    pub const ID: &str = column_name!(translation.id);
    /// The table of the record it belongs to.
    pub const OWNER_TYPE: &str = column_name!(translation.owner_type);
    /// The id of the record it belongs to.
    pub const OWNER_ID: &str = column_name!(translation.owner_id);
    /// The translatable field (`title`, `summary`, ...).
    pub const FIELD: &str = column_name!(translation.field);
    /// Its language.
    pub const LANG: &str = column_name!(translation.lang);
    /// The text.
    pub const VALUE: &str = column_name!(translation.value);
    /// The text folded for matching (lower case, no accents).
    pub const FOLDED: &str = column_name!(translation.folded);
    /// Where it was taken from.
    pub const SOURCE_URL: &str = column_name!(translation.source_url);
    /// Its search stems.
    pub const STEMS: &str = column_name!(translation.stems);
}

/// Batched load of all texts of records of one owner type (`dialogue`, `affiliation`, ...).
#[derive(Clone, Copy)]
pub struct Texts(pub &'static str);

impl BatchLoad for Texts {
    type Key = i64;
    type Value = Arc<Vec<TextRow>>;

    fn group(&self) -> String {
        self.0.to_string()
    }

    async fn load(
        &self,
        db: &DatabaseConnection,
        ids: Vec<i64>,
    ) -> Result<HashMap<i64, Self::Value>> {
        let by_owner = crate::repo::rows::texts(db, self.0, &ids, None).await?;
        Ok(by_owner
            .into_iter()
            .map(|(k, v)| (k, Arc::new(v)))
            .collect())
    }
}

/// Writes the texts of one field of one record, replacing those of the same languages
/// (and forgetting their sources: a new text has none).
pub async fn write(
    db: &impl ConnectionTrait,
    owner_type: &str,
    owner_id: i64,
    field: &str,
    texts: &[(&str, &str)],
) -> Result<()> {
    let sourced: Vec<(&str, &str, Option<&str>)> =
        texts.iter().map(|(l, v)| (*l, *v, None)).collect();
    write_sourced(db, owner_type, owner_id, field, &sourced).await
}

/// Writes the texts of one field of one record, each with the web address it was taken
/// from (if known), replacing those of the same languages.
pub async fn write_sourced(
    db: &impl ConnectionTrait,
    owner_type: &str,
    owner_id: i64,
    field: &str,
    texts: &[(&str, &str, Option<&str>)],
) -> Result<()> {
    let rows = texts
        .iter()
        .map(|(lang, value, source)| row(owner_type, owner_id, field, lang, value, *source))
        .collect();
    write_rows(db, rows).await
}

/// A text to write: its owner, field and language, the text, and where it was taken from.
pub fn row(
    owner_type: &str,
    owner_id: i64,
    field: &str,
    lang: &str,
    value: &str,
    source: Option<&str>,
) -> translation::ActiveModel {
    translation::ActiveModel {
        owner_type: Set(owner_type.to_string()),
        owner_id: Set(owner_id),
        field: Set(field.to_string()),
        lang: Set(lang.to_string()),
        value: Set(value.to_string()),
        folded: Set(fold(value)),
        stems: Set(Some(stems(lang, value))),
        source_url: Set(source.map(str::to_string)),
        ..Default::default()
    }
}

/// Writes texts, each replacing the text of its owner, field and language if there is
/// one: a statement per 2,000 texts.
pub async fn write_rows(
    db: &impl ConnectionTrait,
    rows: Vec<translation::ActiveModel>,
) -> Result<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(2_000).collect();
        translation::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::columns([
                    translation::Column::OwnerType,
                    translation::Column::OwnerId,
                    translation::Column::Field,
                    translation::Column::Lang,
                ])
                .update_columns([
                    translation::Column::Value,
                    translation::Column::Folded,
                    translation::Column::Stems,
                    translation::Column::SourceUrl,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// One stored text of a record.
#[derive(Clone, Debug, PartialEq)]
pub struct TextRow {
    /// The translatable field it belongs to (`title`, `summary`, ...).
    pub field: String,
    /// Its language.
    pub lang: String,
    /// The text.
    pub value: String,
    /// Where the text was taken from.
    pub source: Option<String>,
}

/// The form of a text used for case- and accent-insensitive matching: decomposed,
/// stripped of combining marks, lower-cased.
pub fn fold(text: &str) -> String {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}
