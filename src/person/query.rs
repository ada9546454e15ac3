//! Root fields about people.

use super::Person;
use crate::graphql::links::roots;

roots!(PersonLists {
    /// All people.
    people -> Person;
});
