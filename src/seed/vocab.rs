//! Controlled vocabularies, loaded with the seed: the 23 objectives of the Global Compact for
//! Safe, Orderly and Regular Migration, and Sustainable Development Goal 10 with its
//! migration targets (10.7, 10.c) and the indicators of 10.7, as themes with codes,
//! broader themes and titles in English, French and Spanish.
//!
//! The texts are in `vocabularies.json`, each with the web address of a page about that
//! term (kept as the text's source), and each term cites its sources (the resolution that
//! states it, the UN Network on Migration's hub for the objectives' short labels, the UN
//! Statistics Division's list for indicators), which the knowledge base holds. Objectives
//! have a short title (the label the UN Network on Migration's hub uses) and, as their
//! description, the objective's full wording where a source was found in that language;
//! where none was, the language is left out rather than translated here, and readers get
//! the English text marked as a fallback.

use chrono::Utc;
use entity::{enums::ThemeScheme, theme};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use serde::Deserialize;

use crate::{
    error::{Error, Result},
    repo::{node::NodeType, text},
    theme::repo::by_code,
};

/// A text and where it was taken from.
#[derive(Deserialize)]
struct Sourced {
    text: String,
    source: String,
}

/// One theme of a vocabulary.
#[derive(Deserialize)]
struct Term {
    code: String,
    scheme: String,
    broader: String,
    /// The sources that state the term, each by its document symbol or web address
    /// (sources of the knowledge base).
    sources: Vec<String>,
    title: std::collections::BTreeMap<String, Sourced>,
    description: std::collections::BTreeMap<String, Sourced>,
}

fn scheme(name: &str) -> Result<ThemeScheme> {
    Ok(match name {
        "gcm_objective" => ThemeScheme::GcmObjective,
        "sdg_goal" => ThemeScheme::SdgGoal,
        "sdg_target" => ThemeScheme::SdgTarget,
        "sdg_indicator" => ThemeScheme::SdgIndicator,
        other => {
            return Err(Error::internal(format!(
                "unknown scheme {other} in vocabularies.json"
            )));
        }
    })
}

/// Writes the vocabularies' themes that the database does not hold yet (by code); returns
/// the code and id of each theme written.
pub async fn ensure(db: &impl ConnectionTrait) -> Result<Vec<(String, i64)>> {
    let terms: Vec<Term> = serde_json::from_str(include_str!("vocabularies.json"))
        .map_err(|e| Error::internal(format!("vocabularies.json: {e}")))?;
    let mut written = Vec::new();
    for term in terms {
        if by_code(db, &term.code).await?.is_some() {
            continue;
        }
        let broader = by_code(db, &term.broader).await?.map(|t| t.id);
        let now = Utc::now();
        let row = theme::ActiveModel {
            code: Set(term.code.clone()),
            scheme: Set(scheme(&term.scheme)?),
            broader_id: Set(broader),
            original_lang: Set("en".into()),
            source_url: Set(term.title.get("en").map(|t| t.source.clone())),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        for (field, texts) in [("title", &term.title), ("description", &term.description)] {
            let rows: Vec<(&str, &str, Option<&str>)> = texts
                .iter()
                .map(|(lang, t)| (lang.as_str(), t.text.as_str(), Some(t.source.as_str())))
                .collect();
            text::write_sourced(db, table!(theme), row.id, field, &rows).await?;
        }
        for key in &term.sources {
            let source = crate::source::repo::by_symbol_or_url(db, key)
                .await?
                .ok_or_else(|| {
                    Error::internal(format!("vocabularies.json: {}: no source {key}", term.code))
                })?;
            crate::source::repo::cite(db, NodeType::Theme, row.id, source).await?;
        }
        crate::search::repo::refresh_keys(db, NodeType::Theme, &[row.id]).await?;
        written.push((term.code, row.id));
    }
    Ok(written)
}
