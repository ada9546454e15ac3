//! Every query about workshops.

use crate::repo::{
    edges,
    page::{EdgeWalk, Link, Via},
};

/// The workshops of a dialogue.
pub static OF_DIALOGUE: Link = Link {
    name: "dialogue.workshops",
    via: Via::Column(column_name!(workshop.dialogue_id)),
};

/// The workshops an organisation takes part in.
pub static OF_ORGANISATION: Link = Link {
    name: "organisation.workshops",
    via: Via::Edge(EdgeWalk::back(&edges::WORKSHOP_PARTICIPANT)),
};

/// The workshops a person speaks at (or is the contact for).
pub static OF_PERSON: Link = Link {
    name: "person.workshops",
    via: Via::Edge(EdgeWalk::back(&edges::WORKSHOP_PERSON)),
};

/// The workshops that reference a report.
pub static OF_REPORT: Link = Link {
    name: "report.workshops",
    via: Via::Edge(EdgeWalk::back(&edges::WORKSHOP_REPORT)),
};

/// The workshops that present a tool.
pub static OF_TOOL: Link = Link {
    name: "tool.workshops",
    via: Via::Edge(EdgeWalk::back(&edges::WORKSHOP_TOOL)),
};

/// The workshops tagged with a theme.
pub static OF_THEME: Link = Link {
    name: "theme.workshops",
    via: Via::Edge(EdgeWalk::back(&edges::THEME_TAG).of_type(table!(workshop))),
};

/// The workshops that cite a source.
pub static OF_SOURCE: Link = Link {
    name: "source.workshops",
    via: Via::Edge(EdgeWalk::back(&edges::CITATION).of_type(table!(workshop))),
};
