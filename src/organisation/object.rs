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
    dialogue::Dialogue,
    error::Result,
    graphql::{
        connection::Plain,
        i18n::LocalizedText,
        id::{NodeType, encode},
        links::links,
        list::{Listable, one},
        loader::Batched,
        record::{RecordFields, localized, private, required},
    },
    person::Person,
    plan::catalogue::{NodeCat, enum_names},
    report::Report,
    tool::Tool,
    workshop::Workshop,
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

    /// A contact e-mail address. Visible to authenticated partners only: without an API
    /// key, asking for it is an `UNAUTHENTICATED` error.
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        private(ctx)?;
        Ok(self.0.email.as_deref())
    }

    /// A contact telephone number. Visible to authenticated partners only.
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        private(ctx)?;
        Ok(self.0.phone.as_deref())
    }

    /// The organisation this one is part of, if any.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        one(ctx, &self.0, |m| m.parent_id).await
    }

    #[graphql(flatten)]
    async fn links(&self) -> OrganisationLinks {
        OrganisationLinks(self.0.clone())
    }
}

/// What the read planner (`crate::plan`) serves of an organisation: its columns, its texts (and
/// whether every organisation has one) and its lists. Other fields run on async-graphql's
/// executor.
pub fn planned() -> NodeCat {
    NodeCat::of::<Organisation>(
        &[
            organisation::Column::Slug,
            organisation::Column::Country,
            organisation::Column::FoundedYear,
            organisation::Column::MemberStateCount,
            organisation::Column::CountryPresenceCount,
            organisation::Column::Website,
        ],
        vec![(
            organisation::Column::Kind,
            enum_names::<entity::enums::OrganisationKind>(),
        )],
        &[("name", true), ("acronym", false), ("summary", false)],
        OrganisationLinks::planned(),
    )
}

links!(OrganisationLinks(organisation::Model) {
    /// The organisations that are part of this one (divisions, offices...).
    children -> Organisation, Plain = super::repo::CHILDREN;
    /// The organisations this one works in partnership with, with the level of each
    /// partnership (partnerships are mutual: they show from both sides).
    partners [level: PartnershipLevel = partnership.level]
        -> Organisation, Partnership = super::repo::PARTNERS;
    /// The dialogues the organisation takes part in, with its role in each.
    dialogues [role: ParticipationRole = dialogue_participant.role]
        -> Dialogue, Participation = crate::dialogue::repo::OF_ORGANISATION;
    /// The workshops the organisation takes part in, with its role in each.
    workshops [role: ParticipationRole = workshop_participant.role]
        -> Workshop, Participation = crate::workshop::repo::OF_ORGANISATION;
    /// The reports the organisation published.
    reports -> Report, Plain = crate::report::repo::OF_PUBLISHER;
    /// The tools the organisation developed, with its role in each.
    tools [role: DeveloperRole = tool_developer.role]
        -> Tool, Development = crate::tool::repo::OF_DEVELOPER;
    /// The people affiliated with the organisation, with their positions and periods.
    affiliates -> Person, Affiliation = crate::person::repo::OF_ORGANISATION;
});
