//! The `Organisation` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{
    enums::{DeveloperRole, OrganisationKind, ParticipationRole, PartnershipLevel},
    organisation,
};
use sea_orm::sea_query::Condition;

use super::{
    OrganisationFilter, OrganisationOrderField,
    repo::{Affiliation, Development, Participation, Partnership},
};
use crate::{
    dialogue::{Dialogue, DialogueFilter, DialogueOrderField},
    error::Result,
    graphql::{
        connection::{Connection, Plain},
        cursor::PageArgs,
        filter::OrderBy,
        i18n::LocalizedText,
        id::{NodeType, encode},
        list::{ListArgs, Listable, linked, one},
        loader::Batched,
        record::{RecordFields, localized, required},
    },
    person::{Person, PersonFilter, PersonOrderField},
    repo::filter::role_in,
    report::{Report, ReportFilter, ReportOrderField},
    tool::{Tool, ToolFilter, ToolOrderField},
    workshop::{Workshop, WorkshopFilter, WorkshopOrderField},
};

/// The GraphQL object of a row of the `organisation` table.
#[derive(Clone, Debug)]
pub struct Organisation(pub Batched<organisation::Model>);

impl Listable for Organisation {
    type Entity = organisation::Entity;
    type Filter = OrganisationFilter;
    type Field = OrganisationOrderField;
    fn wrap(row: Batched<organisation::Model>) -> Self {
        Organisation(row)
    }

    fn condition(filter: &OrganisationFilter) -> Result<Condition> {
        filter.condition()
    }
}

/// A partner: a UN agency, intergovernmental body, government, local government, civil
/// society, migrant or diaspora organisation, company, university or media outlet.
/// Organisations nest: a division sits inside its parent organisation.
#[Object]
impl Organisation {
    /// The organisation's global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Organisation, self.0.id)
    }

    #[graphql(flatten)]
    async fn record(&self) -> RecordFields<organisation::Model> {
        RecordFields(self.0.clone())
    }

    /// A short unique name for URLs and lookups, such as `iom`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// What kind of body the organisation is.
    async fn kind(&self) -> OrganisationKind {
        self.0.kind
    }

    /// The organisation's name.
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

    /// The organisation's acronym (IOM in English, OIM in French), if it has one.
    async fn acronym(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language wanted (ISO 639-1); defaults to the request's Accept-Language."
        )]
        lang: Option<String>,
    ) -> Result<Option<LocalizedText>> {
        localized(ctx, &self.0, "acronym", lang).await
    }

    /// A short description of the organisation.
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

    /// The country of the headquarters (ISO 3166-1 alpha-2), if known.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }

    /// The year the organisation was founded, if known.
    async fn founded_year(&self) -> Option<i32> {
        self.0.founded_year
    }

    /// How many member states the organisation has, for intergovernmental bodies.
    async fn member_state_count(&self) -> Option<i32> {
        self.0.member_state_count
    }

    /// In how many countries the organisation is present, if known.
    async fn country_presence_count(&self) -> Option<i32> {
        self.0.country_presence_count
    }

    /// The organisation's website.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// The organisation this one is part of, if any.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        one(ctx, &self.0, |m| m.parent_id).await
    }

    /// The organisations that are part of this one (divisions, offices...).
    async fn children(
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
    ) -> Result<Connection<Organisation, Plain>> {
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
            &super::repo::CHILDREN,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }

    /// The organisations this one works in partnership with, with the level of each
    /// partnership (partnerships are mutual: they show from both sides).
    async fn partners(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keep only partnerships at these levels.")] level: Option<
            Vec<PartnershipLevel>,
        >,
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
    ) -> Result<Connection<Organisation, Partnership>> {
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
        let edge = role_in("partnership", "level", level);
        linked(ctx, &super::repo::PARTNERS, &self.0, page, args, edge).await
    }

    /// The dialogues the organisation takes part in, with its role in each.
    async fn dialogues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keep only these roles.")] role: Option<Vec<ParticipationRole>>,
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
    ) -> Result<Connection<Dialogue, Participation>> {
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
        let edge = role_in("dialogue_participant", "role", role);
        linked(
            ctx,
            &crate::dialogue::repo::OF_ORGANISATION,
            &self.0,
            page,
            args,
            edge,
        )
        .await
    }

    /// The workshops the organisation takes part in, with its role in each.
    async fn workshops(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keep only these roles.")] role: Option<Vec<ParticipationRole>>,
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
    ) -> Result<Connection<Workshop, Participation>> {
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
        let edge = role_in("workshop_participant", "role", role);
        linked(
            ctx,
            &crate::workshop::repo::OF_ORGANISATION,
            &self.0,
            page,
            args,
            edge,
        )
        .await
    }

    /// The reports the organisation published.
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
            &crate::report::repo::OF_PUBLISHER,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }

    /// The tools the organisation developed, with its role in each.
    async fn tools(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keep only these roles.")] role: Option<Vec<DeveloperRole>>,
        #[graphql(
            desc = "Return the first n edges (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the edges after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n edges (at most the page-size limit).")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return the edges before this cursor.")] before: Option<String>,
        #[graphql(desc = "Keep only the tools that match.")] filter: Option<ToolFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<ToolOrderField>,
        >,
    ) -> Result<Connection<Tool, Development>> {
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
        let edge = role_in("tool_developer", "role", role);
        linked(
            ctx,
            &crate::tool::repo::OF_DEVELOPER,
            &self.0,
            page,
            args,
            edge,
        )
        .await
    }

    /// The people affiliated with the organisation, with their positions and periods.
    async fn affiliates(
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
        #[graphql(desc = "Keep only the people that match.")] filter: Option<PersonFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<PersonOrderField>,
        >,
    ) -> Result<Connection<Person, Affiliation>> {
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
            &crate::person::repo::OF_ORGANISATION,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }
}
