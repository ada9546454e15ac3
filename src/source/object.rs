//! The `Source` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{enums::SourceKind, source};
use sea_orm::sea_query::Condition;

use super::{SourceFilter, SourceOrderField};
use crate::{
    dialogue::Dialogue,
    error::Result,
    graphql::{
        connection::Plain,
        i18n::LocalizedText,
        id::{NodeType, encode},
        links::links,
        list::{Listable, one},
        loader::Batched,
        record::{RecordFields, required},
        scalars::Date,
    },
    organisation::Organisation,
    person::Person,
    plan::catalogue::{NodeCat, enum_names},
    report::Report,
    theme::Theme,
    tool::Tool,
    workshop::Workshop,
};

/// The GraphQL object of a row of the `source` table.
#[derive(Clone, Debug)]
pub struct Source(pub Batched<source::Model>);

impl Listable for Source {
    type Entity = source::Entity;
    type Filter = SourceFilter;
    type Field = SourceOrderField;

    fn wrap(row: Batched<source::Model>) -> Self {
        Source(row)
    }

    fn condition(filter: &SourceFilter) -> Result<Condition> {
        filter.condition()
    }
}

/// Where knowledge comes from: a press release, a UN document, a resolution or a web page.
/// Records cite the sources that state them (their `sources`); a record can have several,
/// as a report that a press release mentions and whose symbol and date its own document
/// gives.
#[Object]
impl Source {
    /// The source's global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Source, self.0.id)
    }

    #[graphql(flatten)]
    async fn record(&self) -> RecordFields<source::Model> {
        RecordFields(self.0.clone())
    }

    /// The source's title (of the version in that language, where there is one).
    async fn title(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language wanted (ISO 639-1); defaults to the request's Accept-Language."
        )]
        lang: Option<String>,
    ) -> Result<LocalizedText> {
        required(ctx, &self.0, "title", lang).await
    }

    /// What kind of source it is.
    async fn kind(&self) -> SourceKind {
        self.0.kind
    }

    /// The document symbol, for a UN document or resolution (`A/72/643`).
    async fn symbol(&self) -> Option<&str> {
        self.0.symbol.as_deref()
    }

    /// The organisation that published it, if known.
    async fn publisher(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        one(ctx, &self.0, |m| m.publisher_id).await
    }

    /// The date of publication, if known.
    async fn published_on(&self) -> Option<Date> {
        self.0.published_on.map(Date)
    }

    /// The year of publication, if known (also when the exact date is not).
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The month of publication (1 to 12), if known.
    async fn month(&self) -> Option<i32> {
        self.0.month
    }

    /// Where it can be read.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// The languages the document was issued in (ISO 639-1), where known: a UN document's
    /// six language versions, a press release's one. Not the languages of Agora's texts
    /// about it (`availableLanguages`).
    async fn languages(&self) -> Vec<String> {
        languages(&self.0)
    }

    /// The day the web address was last consulted, for a page that may change.
    async fn consulted_on(&self) -> Option<Date> {
        self.0.consulted_on.map(Date)
    }

    #[graphql(flatten)]
    async fn links(&self) -> SourceLinks {
        SourceLinks(self.0.clone())
    }
}

/// The languages of a source's versions, as stored (comma-separated).
pub fn languages(row: &source::Model) -> Vec<String> {
    row.languages
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// What the read planner (`crate::plan`) serves of a source: its columns, its texts (and
/// whether every source has one) and its lists. Other fields run on async-graphql's
/// executor.
pub fn planned() -> NodeCat {
    NodeCat::of::<Source>(
        &[
            source::Column::Symbol,
            source::Column::PublishedOn,
            source::Column::Year,
            source::Column::Month,
            source::Column::Url,
            source::Column::ConsultedOn,
        ],
        vec![(source::Column::Kind, enum_names::<SourceKind>())],
        &[("title", true)],
        SourceLinks::planned(),
    )
}

links!(SourceLinks(source::Model) {
    /// The dialogues that cite this source.
    citing_dialogues -> Dialogue, Plain = crate::dialogue::repo::OF_SOURCE;
    /// The workshops that cite this source.
    citing_workshops -> Workshop, Plain = crate::workshop::repo::OF_SOURCE;
    /// The reports that cite this source.
    citing_reports -> Report, Plain = crate::report::repo::OF_SOURCE;
    /// The tools that cite this source.
    citing_tools -> Tool, Plain = crate::tool::repo::OF_SOURCE;
    /// The organisations that cite this source.
    citing_organisations -> Organisation, Plain = crate::organisation::repo::OF_SOURCE;
    /// The people that cite this source.
    citing_people -> Person, Plain = crate::person::repo::OF_SOURCE;
    /// The themes that cite this source.
    citing_themes -> Theme, Plain = crate::theme::repo::OF_SOURCE;
});
