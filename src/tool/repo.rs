//! Every query about tools.

use crate::repo::page::{EdgeTable, Link, Via};

/// The tools an organisation developed.
pub static OF_DEVELOPER: Link = Link {
    name: "organisation.tools",
    via: Via::Edge(EdgeTable {
        table: "tool_developer",
        parent: "organisation_id",
        child: "tool_id",
        extras: &["role"],
        only: None,
        symmetric: false,
    }),
};

/// The tools a workshop presents.
pub static OF_WORKSHOP: Link = Link {
    name: "workshop.tools",
    via: Via::Edge(EdgeTable {
        table: "workshop_tool",
        parent: "workshop_id",
        child: "tool_id",
        extras: &[],
        only: None,
        symmetric: false,
    }),
};

/// The tools tagged with a theme.
pub static OF_THEME: Link = Link {
    name: "theme.tools",
    via: Via::Edge(EdgeTable {
        table: "theme_tag",
        parent: "theme_id",
        child: "node_id",
        extras: &[],
        only: Some(("node_type", "tool")),
        symmetric: false,
    }),
};
