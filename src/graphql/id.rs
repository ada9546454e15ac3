//! Node types and their opaque global ids.
//!
//! A global id is the URL-safe base64 (no padding) of `Type:number`, as in Relay's own
//! examples; clients must treat it as opaque.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::{Error, Result, truncate};
pub use crate::repo::node::NodeType;

/// The global id of a node.
pub fn encode(kind: NodeType, id: i64) -> ID {
    // Written without `format!`: a large answer encodes thousands of ids.
    let mut plain = String::with_capacity(kind.name().len() + 21);
    plain.push_str(kind.name());
    plain.push(':');
    plain.push_str(itoa::Buffer::new().format(id));
    ID(URL_SAFE_NO_PAD.encode(plain))
}

/// Reads a global id of any type.
pub fn decode(id: &str) -> Result<(NodeType, i64)> {
    let bad = || Error::bad_input(format!("`{}` is not a valid node id", truncate(id)));
    let bytes = URL_SAFE_NO_PAD.decode(id.as_bytes()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (name, number) = text.split_once(':').ok_or_else(bad)?;
    let kind = NodeType::from_name(name).ok_or_else(bad)?;
    let number: i64 = number.parse().map_err(|_| bad())?;
    if number <= 0 || encode(kind, number).0 != id {
        return Err(bad());
    }
    Ok((kind, number))
}

/// Reads a global id that must be of the given type.
pub fn decode_as(id: &str, expected: NodeType) -> Result<i64> {
    let (kind, number) = decode(id)?;
    if kind != expected {
        return Err(Error::bad_input(format!(
            "`{}` is the id of a {}, not of a {}",
            truncate(id),
            kind.name(),
            expected.name()
        )));
    }
    Ok(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let id = encode(NodeType::Dialogue, 42);
        assert_eq!(decode(&id).ok(), Some((NodeType::Dialogue, 42)));
        assert!(decode_as(&id, NodeType::Workshop).is_err());
        for bad in ["", "!!", "RGlhbG9ndWU", "RGlhbG9ndWU6LTE", "Rm9vOjE"] {
            assert!(decode(bad).is_err(), "{bad} should be rejected");
        }
    }
}
