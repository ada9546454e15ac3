//! The `Tool` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{
    enums::{DeveloperRole, ToolKind},
    tool,
};
use sea_orm::sea_query::Condition;

use super::{ToolFilter, ToolOrderField};
use crate::{
    error::Result,
    graphql::{
        connection::Plain,
        i18n::LocalizedText,
        id::{NodeType, encode},
        links::links,
        list::Listable,
        loader::Batched,
        record::{RecordFields, localized, required},
    },
    organisation::{Organisation, repo::Development},
    plan::catalogue::{NodeCat, enum_names},
    workshop::Workshop,
};

/// The GraphQL object of a row of the `tool` table.
#[derive(Clone, Debug)]
pub struct Tool(pub Batched<tool::Model>);

impl Listable for Tool {
    type Entity = tool::Entity;
    type Filter = ToolFilter;
    type Field = ToolOrderField;

    fn wrap(row: Batched<tool::Model>) -> Self {
        Tool(row)
    }

    fn condition(filter: &ToolFilter) -> Result<Condition> {
        filter.condition()
    }
}

/// A cooperation framework, guideline, indicator set, platform or training that partners
/// built together, such as IOM's Migration Governance Framework.
#[Object]
impl Tool {
    /// The tool's global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Tool, self.0.id)
    }

    #[graphql(flatten)]
    async fn record(&self) -> RecordFields<tool::Model> {
        RecordFields(self.0.clone())
    }

    /// The tool's name.
    async fn name(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language wanted (ISO 639-1); defaults to the request's Accept-Language."
        )]
        lang: Option<String>,
    ) -> Result<LocalizedText> {
        required(ctx, &self.0, "name", lang).await
    }

    /// What the tool is for.
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

    /// What kind of tool it is.
    async fn kind(&self) -> ToolKind {
        self.0.kind
    }

    /// The year the tool was launched, if known.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// Where the tool can be found.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    #[graphql(flatten)]
    async fn links(&self) -> ToolLinks {
        ToolLinks(self.0.clone())
    }
}

/// What the read planner (`crate::plan`) serves of a tool: its columns, its texts (and
/// whether every tool has one) and its lists. Other fields run on async-graphql's
/// executor.
pub fn planned() -> NodeCat {
    NodeCat::of::<Tool>(
        &[tool::Column::Year, tool::Column::Url],
        vec![(tool::Column::Kind, enum_names::<entity::enums::ToolKind>())],
        &[("name", true), ("summary", false)],
        ToolLinks::planned(),
    )
}

links!(ToolLinks(tool::Model) {
    /// The organisations that developed the tool, with the role of each.
    developers [role: DeveloperRole = tool_developer.role]
        -> Organisation, Development = crate::organisation::repo::OF_TOOL;
    /// The workshops that presented the tool.
    workshops -> Workshop, Plain = crate::workshop::repo::OF_TOOL;
});
