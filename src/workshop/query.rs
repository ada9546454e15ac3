//! Root fields about workshops.

use super::Workshop;
use crate::graphql::links::roots;

roots!(WorkshopLists {
    /// All workshops.
    workshops -> Workshop;
});
