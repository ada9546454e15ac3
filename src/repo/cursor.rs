//! Opaque cursors and the paging arguments of connections.
//!
//! A cursor is the URL-safe base64 of a JSON array `[order, sort value, id]`: the order it
//! was made under (so a cursor from another order is refused), the row's value of the sort
//! key, and its id, the tiebreaker. Pages are found by keyset, never by OFFSET, so page
//! 1,000 costs what page 1 costs.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, truncate};

/// A sort key's value inside a cursor. Dates and times travel as ISO 8601 text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    /// The row has no value for the sort key.
    Null,
    /// A number.
    Int(i64),
    /// Text, a date or a time.
    Text(String),
}

/// How a sort key's values are written in cursors and read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortType {
    /// Whole numbers.
    Int,
    /// Text.
    Text,
    /// Calendar dates (`YYYY-MM-DD`).
    Date,
    /// Points in time (RFC 3339).
    Time,
}

/// A position in an ordered list: just after (or before) the row with this key and id.
#[derive(Clone, Debug, PartialEq)]
pub struct Cursor {
    /// The order the cursor belongs to, such as `start_date.asc`.
    pub order: String,
    /// The row's value of the sort key.
    pub value: SortValue,
    /// The row's id.
    pub id: i64,
}

/// The opaque form of a position given as JSON: every cursor of the API, the lists' and
/// the search's.
pub fn encode_opaque(position: &impl Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_string(position).unwrap_or_default())
}

/// The position inside an opaque cursor, if `text` is one of that shape.
pub fn decode_opaque<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(text.as_bytes()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

impl Cursor {
    /// The opaque string handed to clients.
    pub fn encode(&self) -> String {
        encode_opaque(&(&self.order, &self.value, self.id))
    }

    /// Reads a cursor that must belong to `order`.
    pub fn decode(text: &str, order: &str) -> Result<Cursor> {
        let bad = || Error::bad_input(format!("`{}` is not a valid cursor", truncate(text)));
        let (found, value, id): (String, SortValue, i64) = decode_opaque(text).ok_or_else(bad)?;
        if found != order {
            return Err(Error::bad_input(format!(
                "the cursor `{}` belongs to another order ({found}); this list is ordered by {order}",
                truncate(text)
            )));
        }
        Ok(Cursor {
            order: found,
            value,
            id,
        })
    }
}

/// The Relay paging arguments of a connection field, as the client sent them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    /// Take this many edges from the start (after `after`).
    pub first: Option<i32>,
    /// Start after this cursor.
    pub after: Option<String>,
    /// Take this many edges from the end (before `before`).
    pub last: Option<i32>,
    /// End before this cursor.
    pub before: Option<String>,
}

/// What to fetch: the checked form of [`PageArgs`].
#[derive(Clone, Debug)]
pub struct Window {
    /// How many edges the page holds at most.
    pub limit: u64,
    /// `true` when paging from the end (`last`).
    pub backward: bool,
    /// Only rows after this position.
    pub after: Option<Cursor>,
    /// Only rows before this position.
    pub before: Option<Cursor>,
}

impl SortValue {
    /// A date as cursors carry it (`2018-03-26`).
    pub fn date(d: chrono::NaiveDate) -> SortValue {
        SortValue::Text(d.format("%Y-%m-%d").to_string())
    }

    /// An instant as cursors carry it (RFC 3339, nanoseconds, `Z`).
    pub fn time(t: chrono::DateTime<chrono::Utc>) -> SortValue {
        SortValue::Text(t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
    }
}

impl Window {
    /// `(hasPreviousPage, hasNextPage)` of a page, given whether rows were read past its
    /// limit: exact in the direction of paging; the other way, whether a cursor was given.
    pub fn flags(&self, more: bool) -> (bool, bool) {
        if self.backward {
            (more, self.before.is_some())
        } else {
            (self.after.is_some(), more)
        }
    }
}

impl PageArgs {
    /// Checks the arguments against the page-size bounds and decodes the cursors.
    pub fn window(&self, order: &str, default_size: u32, max_size: u32) -> Result<Window> {
        let check = |name: &str, value: i32| -> Result<u64> {
            if value < 0 || value as i64 > max_size as i64 {
                Err(Error::bad_input(format!(
                    "`{name}` must be between 0 and {max_size}, not {value}"
                )))
            } else {
                Ok(value as u64)
            }
        };
        let (limit, backward) = match (self.first, self.last) {
            (Some(_), Some(_)) => {
                return Err(Error::bad_input("pass either `first` or `last`, not both"));
            }
            (Some(first), None) => (check("first", first)?, false),
            (None, Some(last)) => (check("last", last)?, true),
            (None, None) => (default_size.min(max_size) as u64, false),
        };
        Ok(Window {
            limit,
            backward,
            after: self
                .after
                .as_deref()
                .map(|c| Cursor::decode(c, order))
                .transpose()?,
            before: self
                .before
                .as_deref()
                .map(|c| Cursor::decode(c, order))
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_order_check() {
        let c = Cursor {
            order: "start_date.asc".into(),
            value: SortValue::Text("2018-03-26".into()),
            id: 7,
        };
        let text = c.encode();
        assert_eq!(Cursor::decode(&text, "start_date.asc").ok(), Some(c));
        assert!(Cursor::decode(&text, "id.asc").is_err());
        assert!(Cursor::decode("not a cursor", "id.asc").is_err());
    }

    #[test]
    fn page_bounds() {
        let args = |first, last| PageArgs {
            first,
            last,
            ..PageArgs::default()
        };
        assert!(args(Some(101), None).window("id.asc", 20, 100).is_err());
        assert!(args(Some(-1), None).window("id.asc", 20, 100).is_err());
        assert!(args(Some(1), Some(1)).window("id.asc", 20, 100).is_err());
        assert_eq!(
            args(None, None)
                .window("id.asc", 20, 100)
                .map(|w| w.limit)
                .ok(),
            Some(20)
        );
        assert!(
            args(None, Some(5))
                .window("id.asc", 20, 100)
                .is_ok_and(|w| w.backward)
        );
    }
}
