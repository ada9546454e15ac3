//! Every query about workshops.

use crate::repo::page::{EdgeTable, Link, Via};

/// The workshops of a dialogue.
pub static OF_DIALOGUE: Link = Link {
    name: "dialogue.workshops",
    via: Via::Column("dialogue_id"),
};

/// The workshops an organisation takes part in.
pub static OF_ORGANISATION: Link = Link {
    name: "organisation.workshops",
    via: Via::Edge(EdgeTable {
        table: "workshop_participant",
        parent: "organisation_id",
        child: "workshop_id",
        extras: &["role"],
        only: None,
        symmetric: false,
    }),
};

/// The workshops a person speaks at (or is the contact for).
pub static OF_PERSON: Link = Link {
    name: "person.workshops",
    via: Via::Edge(EdgeTable {
        table: "workshop_person",
        parent: "person_id",
        child: "workshop_id",
        extras: &["role"],
        only: None,
        symmetric: false,
    }),
};

/// The workshops that reference a report.
pub static OF_REPORT: Link = Link {
    name: "report.workshops",
    via: Via::Edge(EdgeTable {
        table: "workshop_report",
        parent: "report_id",
        child: "workshop_id",
        extras: &["role"],
        only: None,
        symmetric: false,
    }),
};

/// The workshops that present a tool.
pub static OF_TOOL: Link = Link {
    name: "tool.workshops",
    via: Via::Edge(EdgeTable {
        table: "workshop_tool",
        parent: "tool_id",
        child: "workshop_id",
        extras: &[],
        only: None,
        symmetric: false,
    }),
};

/// The workshops tagged with a theme.
pub static OF_THEME: Link = Link {
    name: "theme.workshops",
    via: Via::Edge(EdgeTable {
        table: "theme_tag",
        parent: "theme_id",
        child: "node_id",
        extras: &[],
        only: Some(("node_type", "workshop")),
        symmetric: false,
    }),
};
