//! Root fields about tools.

use super::Tool;
use crate::graphql::links::roots;

roots!(ToolLists {
    /// All tools.
    tools -> Tool;
});
