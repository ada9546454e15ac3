//! Every query about tools.

use crate::repo::{
    edges,
    page::{EdgeWalk, Link, Via},
};

/// The tools an organisation developed.
pub static OF_DEVELOPER: Link = Link {
    name: "organisation.tools",
    via: Via::Edge(EdgeWalk::back(&edges::TOOL_DEVELOPER)),
};

/// The tools a workshop presents.
pub static OF_WORKSHOP: Link = Link {
    name: "workshop.tools",
    via: Via::Edge(EdgeWalk::forward(&edges::WORKSHOP_TOOL)),
};

/// The tools tagged with a theme.
pub static OF_THEME: Link = Link {
    name: "theme.tools",
    via: Via::Edge(EdgeWalk::back(&edges::THEME_TAG).of_type(table!(tool))),
};

/// The tools that cite a source.
pub static OF_SOURCE: Link = Link {
    name: "source.tools",
    via: Via::Edge(EdgeWalk::back(&edges::CITATION).of_type(table!(tool))),
};
