//! Every query about organisations, and the shapes of their edges.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};
use chrono::NaiveDate;
use entity::{
    enums::{DeveloperRole, ParticipationRole, PartnershipLevel},
    organisation,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};

use crate::{
    error::Result,
    graphql::{
        connection::{EdgeData, EdgeRow},
        i18n::{FALLBACK, LocalizedText},
        record::text_of,
        scalars::Date,
    },
    plan::catalogue::EdgeColumn,
    repo::{
        edges,
        page::{EdgeWalk, Link, Via},
    },
};

/// Organisations nested in a parent organisation.
pub static CHILDREN: Link = Link {
    name: "organisation.children",
    via: Via::Column(column_name!(organisation.parent_id)),
};

/// Partners of an organisation, in either direction of the partnership.
pub static PARTNERS: Link = Link {
    name: "organisation.partners",
    via: Via::Edge(EdgeWalk::forward(&edges::PARTNERSHIP)),
};

/// Organisations taking part in a dialogue.
pub static OF_DIALOGUE: Link = Link {
    name: "dialogue.participants",
    via: Via::Edge(EdgeWalk::forward(&edges::DIALOGUE_PARTICIPANT)),
};

/// Organisations taking part in a workshop.
pub static OF_WORKSHOP: Link = Link {
    name: "workshop.participants",
    via: Via::Edge(EdgeWalk::forward(&edges::WORKSHOP_PARTICIPANT)),
};

/// Organisations publishing a report.
pub static OF_REPORT: Link = Link {
    name: "report.publishers",
    via: Via::Edge(EdgeWalk::forward(&edges::REPORT_PUBLISHER)),
};

/// Organisations developing a tool.
pub static OF_TOOL: Link = Link {
    name: "tool.developers",
    via: Via::Edge(EdgeWalk::forward(&edges::TOOL_DEVELOPER)),
};

/// Organisations a person is affiliated with.
pub static OF_PERSON: Link = Link {
    name: "person.affiliations",
    via: Via::Edge(EdgeWalk::forward(&edges::AFFILIATION)),
};

/// Organisations tagged with a theme.
pub static OF_THEME: Link = Link {
    name: "theme.organisations",
    via: Via::Edge(EdgeWalk::back(&edges::THEME_TAG).of_type(table!(organisation))),
};

/// The live organisation with this slug.
pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug))
        .filter(organisation::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// An organisation's part in a dialogue or workshop.
#[derive(Clone, Debug, SimpleObject, FromQueryResult)]
pub struct Participation {
    /// The part the organisation plays.
    pub role: ParticipationRole,
}

impl EdgeRow for Participation {}

impl EdgeData for Participation {
    const NAME: &'static str = "Participation";

    fn planned() -> Option<Vec<EdgeColumn>> {
        Some(vec![EdgeColumn::enumerated::<ParticipationRole>(
            edges::column::ROLE,
        )])
    }
}

/// An organisation's part in developing a tool.
#[derive(Clone, Debug, SimpleObject, FromQueryResult)]
pub struct Development {
    /// The part the organisation played.
    pub role: DeveloperRole,
}

impl EdgeRow for Development {}

impl EdgeData for Development {
    const NAME: &'static str = "Development";

    fn planned() -> Option<Vec<EdgeColumn>> {
        Some(vec![EdgeColumn::enumerated::<DeveloperRole>(
            edges::column::ROLE,
        )])
    }
}

/// A partnership between two organisations.
#[derive(Clone, Debug, SimpleObject, FromQueryResult)]
pub struct Partnership {
    /// The level at which the two organisations work together.
    pub level: PartnershipLevel,
}

impl EdgeRow for Partnership {}

impl EdgeData for Partnership {
    const NAME: &'static str = "Partnership";

    fn planned() -> Option<Vec<EdgeColumn>> {
        Some(vec![EdgeColumn::enumerated::<PartnershipLevel>(
            column_name!(partnership.level),
        )])
    }
}

/// A person's affiliation with an organisation: a position held over a period.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Affiliation {
    /// The affiliation's own id (its position's texts hang off it).
    pub id: i64,
    /// When the affiliation began, if known.
    pub start_date: Option<NaiveDate>,
    /// When the affiliation ended, if it has and it is known.
    pub end_date: Option<NaiveDate>,
    /// The ids of the affiliations loaded in the same batch, to load their texts at once.
    #[sea_orm(skip)]
    pub siblings: Arc<[i64]>,
}

/// A person's affiliation with an organisation: a position held over a period.
#[Object]
impl Affiliation {
    /// The position held, such as "Director General", in the requested language (see
    /// `LocalizedText` for the fallback).
    async fn position(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language wanted (ISO 639-1); defaults to the request's Accept-Language."
        )]
        lang: Option<String>,
    ) -> Result<Option<LocalizedText>> {
        // Edges have no original language of their own: English, then any language.
        let siblings = self.siblings.iter().copied();
        text_of(
            ctx,
            table!(affiliation),
            self.id,
            FALLBACK,
            siblings,
            "position",
            lang,
        )
        .await
    }

    /// When the affiliation began, if known.
    async fn start_date(&self) -> Option<Date> {
        self.start_date.map(Date)
    }

    /// When the affiliation ended, if it has and it is known.
    async fn end_date(&self) -> Option<Date> {
        self.end_date.map(Date)
    }
}

impl EdgeData for Affiliation {
    const NAME: &'static str = "Affiliation";
}

impl EdgeRow for Affiliation {
    fn batch(edges: &mut [&mut Self]) {
        let ids: Arc<[i64]> = edges.iter().map(|e| e.id).collect();
        for e in edges {
            e.siblings = ids.clone();
        }
    }
}

/// The organisations that cite a source.
pub static OF_SOURCE: Link = Link {
    name: "source.organisations",
    via: Via::Edge(EdgeWalk::back(&edges::CITATION).of_type(table!(organisation))),
};
