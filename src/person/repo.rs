//! Every query about people, and the shape of their part in events.

use async_graphql::SimpleObject;
use entity::enums::PersonRole;
use sea_orm::FromQueryResult;

use crate::{
    graphql::connection::{EdgeData, EdgeRow},
    plan::catalogue::EdgeColumn,
    repo::{
        edges,
        page::{EdgeWalk, Link, Via},
    },
};

/// The people of a dialogue.
pub static OF_DIALOGUE: Link = Link {
    name: "dialogue.people",
    via: Via::Edge(EdgeWalk::forward(&edges::DIALOGUE_PERSON)),
};

/// The people of a workshop.
pub static OF_WORKSHOP: Link = Link {
    name: "workshop.people",
    via: Via::Edge(EdgeWalk::forward(&edges::WORKSHOP_PERSON)),
};

/// The authors of a report.
pub static OF_REPORT: Link = Link {
    name: "report.authors",
    via: Via::Edge(EdgeWalk::forward(&edges::REPORT_AUTHOR)),
};

/// The people affiliated with an organisation.
pub static OF_ORGANISATION: Link = Link {
    name: "organisation.affiliates",
    via: Via::Edge(EdgeWalk::back(&edges::AFFILIATION)),
};

/// The people tagged with a theme.
pub static OF_THEME: Link = Link {
    name: "theme.people",
    via: Via::Edge(EdgeWalk::back(&edges::THEME_TAG).of_type(table!(person))),
};

/// A person's part in a dialogue or workshop.
#[derive(Clone, Debug, SimpleObject, FromQueryResult)]
pub struct Involvement {
    /// The part the person plays.
    pub role: PersonRole,
}

impl EdgeRow for Involvement {}

impl EdgeData for Involvement {
    const NAME: &'static str = "Involvement";

    fn planned() -> Option<Vec<EdgeColumn>> {
        Some(vec![EdgeColumn::enumerated::<PersonRole>(
            edges::column::ROLE,
        )])
    }
}

/// The people that cite a source.
pub static OF_SOURCE: Link = Link {
    name: "source.people",
    via: Via::Edge(EdgeWalk::back(&edges::CITATION).of_type(table!(person))),
};
