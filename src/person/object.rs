//! The `Person` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{enums::PersonRole, person};
use sea_orm::sea_query::Condition;

use super::{PersonFilter, PersonOrderField, repo::Involvement};
use crate::{
    dialogue::Dialogue,
    error::Result,
    graphql::{
        connection::Plain,
        i18n::LocalizedText,
        id::{NodeType, encode},
        links::links,
        list::Listable,
        loader::Batched,
        record::{RecordFields, localized, private},
    },
    organisation::{Organisation, repo::Affiliation},
    plan::catalogue::NodeCat,
    report::Report,
    workshop::Workshop,
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

    /// The given names (`António`), where known.
    async fn given_name(&self) -> Option<&str> {
        self.0.given_name.as_deref()
    }

    /// The family name (`Guterres`), where known.
    async fn family_name(&self) -> Option<&str> {
        self.0.family_name.as_deref()
    }

    /// The person's e-mail address. Visible to authenticated partners only: without an API
    /// key, asking for it is an `UNAUTHENTICATED` error.
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        private(ctx)?;
        Ok(self.0.email.as_deref())
    }

    /// The person's telephone number. Visible to authenticated partners only.
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        private(ctx)?;
        Ok(self.0.phone.as_deref())
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

    #[graphql(flatten)]
    async fn links(&self) -> PersonLinks {
        PersonLinks(self.0.clone())
    }
}

/// What the read planner (`crate::plan`) serves of a person: its columns, its texts (and
/// whether every person has one) and its lists. Other fields run on async-graphql's
/// executor.
pub fn planned() -> NodeCat {
    NodeCat::of::<Person>(
        &[
            person::Column::Name,
            person::Column::GivenName,
            person::Column::FamilyName,
        ],
        vec![],
        &[("summary", false)],
        PersonLinks::planned(),
    )
}

links!(PersonLinks(person::Model) {
    /// The organisations the person is affiliated with, with position and period.
    affiliations -> Organisation, Affiliation = crate::organisation::repo::OF_PERSON;
    /// The dialogues the person speaks at (or is the contact for), with the role in each.
    dialogues [role: PersonRole = dialogue_person.role]
        -> Dialogue, Involvement = crate::dialogue::repo::OF_PERSON;
    /// The workshops the person speaks at (or is the contact for), with the role in each.
    workshops [role: PersonRole = workshop_person.role]
        -> Workshop, Involvement = crate::workshop::repo::OF_PERSON;
    /// The reports the person wrote.
    reports -> Report, Plain = crate::report::repo::OF_AUTHOR;
});
