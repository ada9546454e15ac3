//! Every query about people, and the shape of their part in events.

use async_graphql::SimpleObject;
use entity::enums::PersonRole;
use sea_orm::FromQueryResult;

use crate::{
    graphql::connection::EdgeData,
    repo::page::{EdgeTable, Link, Via},
};

/// The people of a dialogue.
pub static OF_DIALOGUE: Link = Link {
    name: "dialogue.people",
    via: Via::Edge(EdgeTable {
        table: "dialogue_person",
        parent: "dialogue_id",
        child: "person_id",
        extras: &["role"],
        only: None,
        symmetric: false,
    }),
};

/// The people of a workshop.
pub static OF_WORKSHOP: Link = Link {
    name: "workshop.people",
    via: Via::Edge(EdgeTable {
        table: "workshop_person",
        parent: "workshop_id",
        child: "person_id",
        extras: &["role"],
        only: None,
        symmetric: false,
    }),
};

/// The authors of a report.
pub static OF_REPORT: Link = Link {
    name: "report.authors",
    via: Via::Edge(EdgeTable {
        table: "report_author",
        parent: "report_id",
        child: "person_id",
        extras: &[],
        only: None,
        symmetric: false,
    }),
};

/// The people affiliated with an organisation.
pub static OF_ORGANISATION: Link = Link {
    name: "organisation.affiliates",
    via: Via::Edge(EdgeTable {
        table: "affiliation",
        parent: "organisation_id",
        child: "person_id",
        extras: &["id", "start_date", "end_date"],
        only: None,
        symmetric: false,
    }),
};

/// The people tagged with a theme.
pub static OF_THEME: Link = Link {
    name: "theme.people",
    via: Via::Edge(EdgeTable {
        table: "theme_tag",
        parent: "theme_id",
        child: "node_id",
        extras: &[],
        only: Some(("node_type", "person")),
        symmetric: false,
    }),
};

/// A person's part in a dialogue or workshop.
#[derive(Clone, Debug, SimpleObject, FromQueryResult)]
pub struct Involvement {
    /// The part the person plays.
    pub role: PersonRole,
}

impl EdgeData for Involvement {
    const NAME: &'static str = "Involvement";
}
