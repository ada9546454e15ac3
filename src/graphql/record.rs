//! The fields every node shares (version, timestamps, provenance, languages, themes), and
//! the reading of translatable text.

use std::{borrow::Cow, sync::Arc};

use async_graphql::{Context, Object, TypeName};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Condition;

use crate::{
    error::{Error, Result},
    graphql::{
        connection::{Connection, Plain},
        context::CtxExt,
        cursor::PageArgs,
        filter::OrderBy,
        i18n::{LocalizedText, check_language, languages_of, pick},
        list::{ListArgs, Listable, NodeModel, by_id, linked, sibling_ids},
        loader::Batched,
    },
    organisation::Organisation,
    repo::text::Texts,
    source::{Source, SourceFilter, SourceOrderField},
    sync::feed::{Change, history},
    theme::{Theme, ThemeFilter, ThemeOrderField},
};

/// The text of `field` of the record `id` of type `owner`, chosen along the language
/// fallback chain, loaded with the texts of `siblings`.
pub async fn text_of(
    ctx: &Context<'_>,
    owner: &'static str,
    id: i64,
    original: &str,
    siblings: impl IntoIterator<Item = i64>,
    field: &str,
    lang: Option<String>,
) -> Result<Option<LocalizedText>> {
    let requested = lang.as_deref().map(check_language).transpose()?;
    let texts = ctx
        .loaders()
        .load(Texts(owner), id, siblings)
        .await?
        .unwrap_or_default();
    Ok(pick(
        &texts,
        field,
        requested.as_deref(),
        ctx.languages(),
        original,
    ))
}

/// The text of an optional translatable field of a node.
pub async fn localized<M: NodeModel>(
    ctx: &Context<'_>,
    row: &Batched<M>,
    field: &str,
    lang: Option<String>,
) -> Result<Option<LocalizedText>> {
    let rec = row.record();
    text_of(
        ctx,
        M::KIND.table(),
        rec.id,
        rec.original_lang,
        sibling_ids(row),
        field,
        lang,
    )
    .await
}

/// The text of a field that every node of its type has (a title or a name).
pub async fn required<M: NodeModel>(
    ctx: &Context<'_>,
    row: &Batched<M>,
    field: &str,
    lang: Option<String>,
) -> Result<LocalizedText> {
    localized(ctx, row, field, lang).await?.ok_or_else(|| {
        Error::internal(format!(
            "{} {} has no {field}",
            M::KIND.name(),
            row.record().id
        ))
    })
}

/// Fails unless the request has an API key: guards personal contact data.
pub fn private(ctx: &Context<'_>) -> Result<()> {
    ctx.data_opt::<crate::auth::Principal>()
        .unwrap_or(&crate::auth::Principal::Anonymous)
        .require_read()
}

/// Where a record comes from.
pub struct Provenance {
    source_url: Option<String>,
    source_document: Option<String>,
    partner_id: Option<i64>,
    external_id: Option<String>,
    /// The partners of the record's siblings, to load them all at once.
    sibling_partners: Arc<dyn Fn() -> Vec<i64> + Send + Sync>,
}

/// Where a record comes from: its source, and the partner system that supplied it.
#[Object]
impl Provenance {
    /// The web address of the source the record's facts come from, as its supplier gave
    /// it; `sources` lists the sources themselves.
    async fn source_url(&self) -> Option<&str> {
        self.source_url.as_deref()
    }

    /// The source document the record's facts come from, when it is a document rather
    /// than (or as well as) a web page.
    async fn source_document(&self) -> Option<&str> {
        self.source_document.as_deref()
    }

    /// The partner organisation whose system supplied the record; null for records that
    /// Agora's own seed loaded.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.partner_id else {
            return Ok(None);
        };
        // Evaluated only when the partners of the siblings are not loaded yet.
        let siblings = std::iter::once(()).flat_map(|_| (self.sibling_partners)());
        by_id(ctx, id, siblings).await
    }

    /// The record's id in the supplying partner's own system (unique per partner and type).
    async fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }
}

/// The record fields of a node, merged into each node type.
pub struct RecordFields<M>(pub Batched<M>);

/// The fields every node has.
#[Object(name_type)]
impl<M: NodeModel> RecordFields<M> {
    /// Grows by one with every change to the record.
    async fn version(&self) -> i64 {
        self.0.record().version
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.record().created_at
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.record().updated_at
    }

    /// The language the record was first written in (ISO 639-1): the last step of the
    /// language fallback before any other language.
    async fn original_language(&self) -> &str {
        self.0.record().original_lang
    }

    /// The languages in which the record has at least one text, sorted by code.
    async fn available_languages(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let id = self.0.record().id;
        let texts = ctx
            .loaders()
            .load(Texts(M::KIND.table()), id, sibling_ids(&self.0))
            .await?
            .unwrap_or_default();
        Ok(languages_of(&texts))
    }

    /// The record as schema.org JSON-LD, the same document as
    /// `GET /export/<id>.jsonld`: its texts in every language, its links to other records
    /// by `@id`. Personal contact data only with an API key.
    async fn json_ld(&self, ctx: &Context<'_>) -> Result<async_graphql::Json<serde_json::Value>> {
        let id = self.0.record().id;
        crate::export::graphql::json_ld(ctx, M::KIND, id, sibling_ids(&self.0))
            .await?
            .ok_or_else(|| Error::internal("a loaded record has no JSON-LD document"))
    }

    /// Where the record comes from.
    async fn provenance(&self) -> Provenance {
        let rec = self.0.record();
        let row = self.0.clone();
        Provenance {
            source_url: rec.source_url.map(str::to_string),
            source_document: rec.source_document.map(str::to_string),
            partner_id: rec.partner_id,
            external_id: rec.external_id.map(str::to_string),
            sibling_partners: Arc::new(move || {
                row.siblings()
                    .iter()
                    .filter_map(|m| m.record().partner_id)
                    .collect()
            }),
        }
    }

    /// The record's revisions, newest first: what changed, when, and by whom. Needs an
    /// API key.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many revisions (at most the page-size limit).")]
        first: Option<i32>,
        #[graphql(desc = "Return the revisions older than this cursor.")] after: Option<String>,
    ) -> Result<Connection<Change, Plain>> {
        let id = self.0.record().id;
        history(ctx, M::KIND.table(), id, sibling_ids(&self.0), first, after).await
    }

    /// The themes the record is tagged with.
    async fn themes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n edges (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the edges after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n edges (at most the page-size limit).")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return the edges before this cursor.")] before: Option<String>,
        #[graphql(desc = "Keep only the themes that match.")] filter: Option<ThemeFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<ThemeOrderField>,
        >,
    ) -> Result<Connection<Theme, Plain>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        let link = crate::theme::repo::tags_of(M::KIND);
        plain_list(ctx, link, &self.0, page, filter, order_by).await
    }

    /// The sources that state the record: the documents and pages its facts come from.
    async fn sources(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n edges (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the edges after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n edges (at most the page-size limit).")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return the edges before this cursor.")] before: Option<String>,
        #[graphql(desc = "Keep only the sources that match.")] filter: Option<SourceFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<SourceOrderField>,
        >,
    ) -> Result<Connection<Source, Plain>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        let link = crate::source::repo::cited_by(M::KIND);
        plain_list(ctx, link, &self.0, page, filter, order_by).await
    }
}

/// A list of `N` linked to the record `row` by `link`, with no condition on the edges.
async fn plain_list<N: Listable, M: NodeModel>(
    ctx: &Context<'_>,
    link: &'static crate::repo::page::Link,
    row: &Batched<M>,
    page: PageArgs,
    filter: Option<N::Filter>,
    order: Option<OrderBy<N::Field>>,
) -> Result<Connection<N, Plain>> {
    let args = ListArgs { filter, order };
    linked(ctx, link, row, page, args, Condition::all()).await
}

impl<M: NodeModel> TypeName for RecordFields<M> {
    fn type_name() -> Cow<'static, str> {
        // Merged into each node type, so never seen on its own.
        format!("{}RecordFields", M::KIND.name()).into()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use async_graphql::{OutputType, registry::Registry};

    use super::RecordFields;
    use crate::{graphql::id::NodeType, plan::catalogue::Catalogue};

    /// The field names of an output type, as async-graphql registers it.
    fn names<T: OutputType>() -> BTreeSet<String> {
        let ty = Registry::default().create_fake_output_type::<T>();
        ty.fields().unwrap().keys().cloned().collect()
    }

    /// The record fields of a node type.
    fn record_fields(kind: NodeType) -> BTreeSet<String> {
        use entity::*;
        match kind {
            NodeType::Dialogue => names::<RecordFields<dialogue::Model>>(),
            NodeType::Workshop => names::<RecordFields<workshop::Model>>(),
            NodeType::Report => names::<RecordFields<report::Model>>(),
            NodeType::Tool => names::<RecordFields<tool::Model>>(),
            NodeType::Organisation => names::<RecordFields<organisation::Model>>(),
            NodeType::Person => names::<RecordFields<person::Model>>(),
            NodeType::Theme => names::<RecordFields<theme::Model>>(),
            NodeType::Source => names::<RecordFields<source::Model>>(),
        }
    }

    /// A node type merges its record fields and its lists into one object, and
    /// async-graphql keeps one of two fields of the same name without a word (a source's
    /// `themes` list once hid its record fields' `themes`): no list may take a record
    /// field's name.
    #[test]
    fn no_list_takes_the_name_of_a_record_field() {
        let catalogue = Catalogue::new();
        assert_eq!(catalogue.nodes.len(), NodeType::ALL.len());
        for kind in NodeType::ALL {
            let record = record_fields(kind);
            // Positive control: the record fields are read, the lists they hold included.
            assert!(
                ["version", "themes", "sources", "history"]
                    .iter()
                    .all(|f| record.contains(*f)),
                "{record:?}"
            );
            let node = &catalogue.nodes[kind.name()];
            let clash: Vec<&String> = node.links.keys().filter(|l| record.contains(*l)).collect();
            assert!(clash.is_empty(), "{}: {clash:?}", kind.name());
        }
        // And a clash would be seen: a theme's lists hold `narrower`, not a record field.
        assert!(catalogue.nodes["Theme"].links.contains_key("narrower"));
    }
}
