//! The export forms of records in the GraphQL API: every node's `jsonLd`, and the
//! `citation` of reports, loaded in batches of siblings.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Context, Json, SimpleObject};
use sea_orm::DatabaseConnection;

use super::{citation, jsonld};
use crate::{
    auth::Principal,
    error::Result,
    export::repo::{CitationParts, Row, by_ids, children, citation_parts},
    graphql::{context::CtxExt, id::NodeType, loader::BatchLoad},
};

/// Records whole (columns, texts, edges) and the nodes below them, by id.
#[derive(Clone, Copy)]
pub struct Documents {
    /// The node type.
    pub kind: NodeType,
    /// Whether personal contact data is included.
    pub private: bool,
}

/// A record and the nodes below it.
pub type Document = Arc<(Row, Vec<(NodeType, i64)>)>;

impl BatchLoad for Documents {
    type Key = i64;
    type Value = Document;

    fn group(&self) -> String {
        format!("{:?}/{}", self.kind, self.private)
    }

    async fn load(&self, db: &DatabaseConnection, ids: Vec<i64>) -> Result<HashMap<i64, Document>> {
        let rows = by_ids(db, self.kind, &ids, self.private).await?;
        let mut below = children(db, self.kind, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let c = below.remove(&r.id).unwrap_or_default();
                (r.id, Arc::new((r, c)))
            })
            .collect())
    }
}

/// The authors and publishers of reports, by id.
#[derive(Clone, Copy)]
pub struct Citations;

impl BatchLoad for Citations {
    type Key = i64;
    type Value = Arc<CitationParts>;

    fn group(&self) -> String {
        String::new()
    }

    async fn load(
        &self,
        db: &DatabaseConnection,
        ids: Vec<i64>,
    ) -> Result<HashMap<i64, Arc<CitationParts>>> {
        let mut parts = citation_parts(db, &ids).await?;
        Ok(ids
            .into_iter()
            .map(|id| (id, Arc::new(parts.remove(&id).unwrap_or_default())))
            .collect())
    }
}

/// Whether the caller may see personal contact data.
pub fn private(ctx: &Context<'_>) -> bool {
    ctx.data_opt::<Principal>()
        .is_some_and(|p| p.require_read().is_ok())
}

/// The JSON-LD document of the node `id` of `kind`, loaded with its `siblings`.
pub async fn json_ld(
    ctx: &Context<'_>,
    kind: NodeType,
    id: i64,
    siblings: impl IntoIterator<Item = i64>,
) -> Result<Option<Json<serde_json::Value>>> {
    let loader = Documents {
        kind,
        private: private(ctx),
    };
    let doc = ctx.loaders().load(loader, id, siblings).await?;
    let base = ctx.settings().base_url();
    Ok(doc.map(|d| Json(jsonld::document(&base, &d.0, &d.1))))
}

/// How to cite a report.
#[derive(SimpleObject, Clone, Debug)]
pub struct Citation {
    /// The report as a CSL-JSON item (for Zotero, Pandoc, citeproc...). A CSL-JSON file is
    /// an array of such items, as `GET /export/<id>.csl.json` serves it.
    pub csl: Json<serde_json::Value>,
    /// The report as a BibTeX `@techreport` entry.
    pub bibtex: String,
}

/// The citation of the report `id` in `lang`, loaded with its `siblings`.
pub async fn citation_of(
    ctx: &Context<'_>,
    id: i64,
    siblings: Vec<i64>,
    lang: &str,
) -> Result<Option<Citation>> {
    let loader = Documents {
        kind: NodeType::Report,
        private: false,
    };
    let Some(doc) = ctx.loaders().load(loader, id, siblings.clone()).await? else {
        return Ok(None);
    };
    let parts = ctx
        .loaders()
        .load(Citations, id, siblings)
        .await?
        .unwrap_or_default();
    Ok(Some(Citation {
        csl: Json(citation::csl(&doc.0, &parts, lang)),
        bibtex: citation::bibtex(&doc.0, &parts, lang),
    }))
}
