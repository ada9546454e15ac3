//! Every query about reports, and the shape of their references.

use async_graphql::SimpleObject;
use entity::{enums::ReportRole, report};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};

use crate::{
    error::Result,
    graphql::connection::{EdgeData, EdgeRow},
    plan::catalogue::EdgeColumn,
    repo::{
        edges,
        page::{EdgeWalk, Link, Via},
    },
};

/// The reports an organisation published.
pub static OF_PUBLISHER: Link = Link {
    name: "organisation.reports",
    via: Via::Edge(EdgeWalk::back(&edges::REPORT_PUBLISHER)),
};

/// The reports a person wrote.
pub static OF_AUTHOR: Link = Link {
    name: "person.reports",
    via: Via::Edge(EdgeWalk::back(&edges::REPORT_AUTHOR)),
};

/// The reports a dialogue references.
pub static OF_DIALOGUE: Link = Link {
    name: "dialogue.reports",
    via: Via::Edge(EdgeWalk::forward(&edges::DIALOGUE_REPORT)),
};

/// The reports a workshop references.
pub static OF_WORKSHOP: Link = Link {
    name: "workshop.reports",
    via: Via::Edge(EdgeWalk::forward(&edges::WORKSHOP_REPORT)),
};

/// The reports tagged with a theme.
pub static OF_THEME: Link = Link {
    name: "theme.reports",
    via: Via::Edge(EdgeWalk::back(&edges::THEME_TAG).of_type(table!(report))),
};

/// The live report with this UN document symbol.
pub async fn by_symbol(db: &impl ConnectionTrait, symbol: &str) -> Result<Option<report::Model>> {
    Ok(report::Entity::find()
        .filter(report::Column::Symbol.eq(symbol))
        .filter(report::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// How a dialogue or workshop relates to a report.
#[derive(Clone, Debug, SimpleObject, FromQueryResult)]
pub struct Reference {
    /// The report's part: background paper, outcome or citation.
    pub role: ReportRole,
}

impl EdgeRow for Reference {}

impl EdgeData for Reference {
    const NAME: &'static str = "Reference";

    fn planned() -> Option<Vec<EdgeColumn>> {
        Some(vec![EdgeColumn::enumerated::<ReportRole>(
            edges::column::ROLE,
        )])
    }
}

/// The reports that cite a source.
pub static OF_SOURCE: Link = Link {
    name: "source.reports",
    via: Via::Edge(EdgeWalk::back(&edges::CITATION).of_type(table!(report))),
};
