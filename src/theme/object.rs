//! The `Theme` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{enums::ThemeScheme, theme};
use sea_orm::sea_query::Condition;

use super::{ThemeFilter, ThemeOrderField};
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
        record::{RecordFields, localized, required},
    },
    organisation::Organisation,
    person::Person,
    plan::catalogue::{NodeCat, enum_names},
    report::Report,
    tool::Tool,
    workshop::Workshop,
};

/// The GraphQL object of a row of the `theme` table.
#[derive(Clone, Debug)]
pub struct Theme(pub Batched<theme::Model>);

impl Listable for Theme {
    type Entity = theme::Entity;
    type Filter = ThemeFilter;
    type Field = ThemeOrderField;

    fn wrap(row: Batched<theme::Model>) -> Self {
        Theme(row)
    }

    fn condition(filter: &ThemeFilter) -> Result<Condition> {
        filter.condition()
    }
}

/// A term of a controlled vocabulary (an objective of the Global Compact for Migration, a
/// goal or target of the 2030 Agenda) or a free theme such as "partnerships".
#[Object]
impl Theme {
    /// The theme's global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Theme, self.0.id)
    }

    #[graphql(flatten)]
    async fn record(&self) -> RecordFields<theme::Model> {
        RecordFields(self.0.clone())
    }

    /// The theme's code within its vocabulary, such as `GCM` or `partnerships`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The vocabulary the theme belongs to.
    async fn scheme(&self) -> ThemeScheme {
        self.0.scheme
    }

    /// The theme's title.
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

    /// What the theme covers.
    async fn description(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language wanted (ISO 639-1); defaults to the request's Accept-Language."
        )]
        lang: Option<String>,
    ) -> Result<Option<LocalizedText>> {
        localized(ctx, &self.0, "description", lang).await
    }

    /// The broader theme this one belongs to, if any.
    async fn broader(&self, ctx: &Context<'_>) -> Result<Option<Theme>> {
        one(ctx, &self.0, |m| m.broader_id).await
    }

    #[graphql(flatten)]
    async fn links(&self) -> ThemeLinks {
        ThemeLinks(self.0.clone())
    }
}

/// What the read planner (`crate::plan`) serves of a theme: its columns, its texts (and
/// whether every theme has one) and its lists. Other fields run on async-graphql's
/// executor.
pub fn planned() -> NodeCat {
    NodeCat::of::<Theme>(
        &[theme::Column::Code],
        vec![(
            theme::Column::Scheme,
            enum_names::<entity::enums::ThemeScheme>(),
        )],
        &[("title", true), ("description", false)],
        ThemeLinks::planned(),
    )
}

links!(ThemeLinks(theme::Model) {
    /// The narrower themes within this one.
    narrower -> Theme, Plain = super::repo::NARROWER;
    /// The dialogues tagged with this theme.
    dialogues -> Dialogue, Plain = crate::dialogue::repo::OF_THEME;
    /// The workshops tagged with this theme.
    workshops -> Workshop, Plain = crate::workshop::repo::OF_THEME;
    /// The reports tagged with this theme.
    reports -> Report, Plain = crate::report::repo::OF_THEME;
    /// The tools tagged with this theme.
    tools -> Tool, Plain = crate::tool::repo::OF_THEME;
    /// The organisations tagged with this theme.
    organisations -> Organisation, Plain = crate::organisation::repo::OF_THEME;
    /// The people tagged with this theme.
    people -> Person, Plain = crate::person::repo::OF_THEME;
});
