//! The `Person` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{enums::PersonRole, person};
use sea_orm::sea_query::Condition;

use super::{PersonFilter, PersonOrderField, repo::Involvement};
use crate::{
    dialogue::{Dialogue, DialogueFilter, DialogueOrderField},
    error::Result,
    graphql::{
        connection::{Connection, Plain},
        cursor::PageArgs,
        filter::OrderBy,
        i18n::LocalizedText,
        id::{NodeType, encode},
        list::{ListArgs, Listable, linked},
        loader::Batched,
        record::{RecordFields, localized},
    },
    organisation::{Organisation, OrganisationFilter, OrganisationOrderField, repo::Affiliation},
    repo::filter::role_in,
    report::{Report, ReportFilter, ReportOrderField},
    workshop::{Workshop, WorkshopFilter, WorkshopOrderField},
};

/// The GraphQL object of a row of the `person` table.
#[derive(Clone, Debug)]
pub struct Person(pub Batched<person::Model>);

impl Listable for Person {
    type Entity = person::Entity;
    type Filter = PersonFilter;
    type Field = PersonOrderField;
    fn wrap(row: Batched<person::Model>) -> Self {
        Person(row)
    }

    fn condition(filter: &PersonFilter) -> Result<Condition> {
        filter.condition()
    }
}

/// A speaker, author, office holder or contact, with affiliations over time.
#[Object]
impl Person {
    /// The person's global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Person, self.0.id)
    }

    #[graphql(flatten)]
    async fn record(&self) -> RecordFields<person::Model> {
        RecordFields(self.0.clone())
    }

    /// The person's name, as they write it.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// A short biography.
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

    /// The organisations the person is affiliated with, with position and period.
    async fn affiliations(
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
        #[graphql(desc = "Keep only the organisations that match.")] filter: Option<
            OrganisationFilter,
        >,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<OrganisationOrderField>,
        >,
    ) -> Result<Connection<Organisation, Affiliation>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        let args = ListArgs {
            filter,
            order: order_by,
        };
        let link = &crate::organisation::repo::OF_PERSON;
        linked(ctx, link, &self.0, page, args, Condition::all()).await
    }

    /// The dialogues the person speaks at (or is the contact for), with the role in each.
    async fn dialogues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keep only these roles.")] role: Option<Vec<PersonRole>>,
        #[graphql(
            desc = "Return the first n edges (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the edges after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n edges (at most the page-size limit).")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return the edges before this cursor.")] before: Option<String>,
        #[graphql(desc = "Keep only the dialogues that match.")] filter: Option<DialogueFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<DialogueOrderField>,
        >,
    ) -> Result<Connection<Dialogue, Involvement>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        let args = ListArgs {
            filter,
            order: order_by,
        };
        let edge = role_in("dialogue_person", "role", role);
        linked(
            ctx,
            &crate::dialogue::repo::OF_PERSON,
            &self.0,
            page,
            args,
            edge,
        )
        .await
    }

    /// The workshops the person speaks at (or is the contact for), with the role in each.
    async fn workshops(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keep only these roles.")] role: Option<Vec<PersonRole>>,
        #[graphql(
            desc = "Return the first n edges (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the edges after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n edges (at most the page-size limit).")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return the edges before this cursor.")] before: Option<String>,
        #[graphql(desc = "Keep only the workshops that match.")] filter: Option<WorkshopFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<WorkshopOrderField>,
        >,
    ) -> Result<Connection<Workshop, Involvement>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        let args = ListArgs {
            filter,
            order: order_by,
        };
        let edge = role_in("workshop_person", "role", role);
        linked(
            ctx,
            &crate::workshop::repo::OF_PERSON,
            &self.0,
            page,
            args,
            edge,
        )
        .await
    }

    /// The reports the person wrote.
    async fn reports(
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
        #[graphql(desc = "Keep only the reports that match.")] filter: Option<ReportFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<ReportOrderField>,
        >,
    ) -> Result<Connection<Report, Plain>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        let args = ListArgs {
            filter,
            order: order_by,
        };
        linked(
            ctx,
            &crate::report::repo::OF_AUTHOR,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }
}
