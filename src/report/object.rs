//! The `Report` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{
    enums::{ReportKind, ReportRole},
    report,
};
use sea_orm::sea_query::Condition;

use super::{ReportFilter, ReportOrderField, repo::Reference};
use crate::{
    dialogue::Dialogue,
    error::Result,
    graphql::{
        connection::Plain,
        i18n::{LocalizedText, check_language},
        id::{NodeType, encode},
        links::links,
        list::Listable,
        loader::Batched,
        record::{RecordFields, localized, required},
        scalars::Date,
    },
    organisation::Organisation,
    person::Person,
    plan::catalogue::{NodeCat, enum_names},
    workshop::Workshop,
};

/// The GraphQL object of a row of the `report` table.
#[derive(Clone, Debug)]
pub struct Report(pub Batched<report::Model>);

impl Listable for Report {
    type Entity = report::Entity;
    type Filter = ReportFilter;
    type Field = ReportOrderField;

    fn wrap(row: Batched<report::Model>) -> Self {
        Report(row)
    }

    fn condition(filter: &ReportFilter) -> Result<Condition> {
        filter.condition()
    }
}

/// A document: a UN report (such as the Secretary-General's "Making Migration Work for
/// All", A/72/643), a background paper or an outcome document.
#[Object]
impl Report {
    /// The report's global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Report, self.0.id)
    }

    #[graphql(flatten)]
    async fn record(&self) -> RecordFields<report::Model> {
        RecordFields(self.0.clone())
    }

    /// The report's title.
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

    /// What the report says.
    async fn summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language wanted (ISO 639-1); defaults to the request's Accept-Language."
        )]
        lang: Option<String>,
    ) -> Result<Option<LocalizedText>> {
        localized(ctx, &self.0, "summary", lang).await
    }

    /// The UN document symbol, such as `A/72/643`, for UN documents.
    async fn symbol(&self) -> Option<&str> {
        self.0.symbol.as_deref()
    }

    /// How to cite the report: a CSL-JSON item and a BibTeX entry, the title in `lang`
    /// (else in English, else in the original language).
    async fn citation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The language of the title (ISO 639-1); English by default.")]
        lang: Option<String>,
    ) -> Result<crate::export::graphql::Citation> {
        let lang = lang
            .as_deref()
            .map(check_language)
            .transpose()?
            .unwrap_or_else(|| "en".into());
        let siblings = self.0.siblings().iter().map(|r| r.id).collect();
        crate::export::graphql::citation_of(ctx, self.0.id, siblings, &lang)
            .await?
            .ok_or_else(|| crate::error::Error::internal("a loaded report has no citation"))
    }

    /// What kind of document the report is.
    async fn kind(&self) -> ReportKind {
        self.0.kind
    }

    /// The date of publication, if known.
    async fn published_on(&self) -> Option<Date> {
        self.0.published_on.map(Date)
    }

    /// The year of publication, if known (also when the exact date is not).
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The month of publication (1 to 12), if known (also when the exact date is not).
    async fn month(&self) -> Option<i32> {
        self.0.month
    }

    /// Where the report can be read.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    #[graphql(flatten)]
    async fn links(&self) -> ReportLinks {
        ReportLinks(self.0.clone())
    }
}

/// What the read planner (`crate::plan`) serves of a report: its columns, its texts (and
/// whether every report has one) and its lists. Other fields run on async-graphql's
/// executor.
pub fn planned() -> NodeCat {
    NodeCat::of::<Report>(
        &[
            report::Column::Symbol,
            report::Column::PublishedOn,
            report::Column::Year,
            report::Column::Month,
            report::Column::Url,
        ],
        vec![(
            report::Column::Kind,
            enum_names::<entity::enums::ReportKind>(),
        )],
        &[("title", true), ("summary", false)],
        ReportLinks::planned(),
    )
}

links!(ReportLinks(report::Model) {
    /// The organisations that published the report.
    publishers -> Organisation, Plain = crate::organisation::repo::OF_REPORT;
    /// The people who wrote the report.
    authors -> Person, Plain = crate::person::repo::OF_REPORT;
    /// The dialogues that reference the report, with the report's role in each.
    dialogues [role: ReportRole = dialogue_report.role]
        -> Dialogue, Reference = crate::dialogue::repo::OF_REPORT;
    /// The workshops that reference the report, with the report's role in each.
    workshops [role: ReportRole = workshop_report.role]
        -> Workshop, Reference = crate::workshop::repo::OF_REPORT;
});
