//! Root fields about sources.

use super::Source;
use crate::graphql::links::roots;

roots!(SourceLists {
    /// All sources.
    sources -> Source;
});
