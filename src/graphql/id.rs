//! Node types and their opaque global ids.
//!
//! A global id is the URL-safe base64 (no padding) of `Type:number`, as in Relay's own
//! examples; clients must treat it as opaque.

use async_graphql::{Enum, ID};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::{Error, Result};

/// The types of node in the knowledge graph.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum NodeType {
    /// A policy forum or an edition of a meeting series.
    Dialogue,
    /// A session of a dialogue.
    Workshop,
    /// A document: a UN report, background paper or outcome document.
    Report,
    /// A cooperation framework, guideline, indicator set, platform or training.
    Tool,
    /// A partner organisation.
    Organisation,
    /// A speaker, author, office holder or contact.
    Person,
    /// A term of a controlled vocabulary or a free theme.
    Theme,
}

impl NodeType {
    /// Every node type.
    pub const ALL: [NodeType; 7] = [
        NodeType::Dialogue,
        NodeType::Workshop,
        NodeType::Report,
        NodeType::Tool,
        NodeType::Organisation,
        NodeType::Person,
        NodeType::Theme,
    ];

    /// The GraphQL type name, which is also the prefix inside global ids.
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Dialogue => "Dialogue",
            NodeType::Workshop => "Workshop",
            NodeType::Report => "Report",
            NodeType::Tool => "Tool",
            NodeType::Organisation => "Organisation",
            NodeType::Person => "Person",
            NodeType::Theme => "Theme",
        }
    }

    /// The table of this type, which is also its `owner_type` in translations and tags.
    pub fn table(self) -> &'static str {
        match self {
            NodeType::Dialogue => "dialogue",
            NodeType::Workshop => "workshop",
            NodeType::Report => "report",
            NodeType::Tool => "tool",
            NodeType::Organisation => "organisation",
            NodeType::Person => "person",
            NodeType::Theme => "theme",
        }
    }

    fn from_name(name: &str) -> Option<NodeType> {
        NodeType::ALL.into_iter().find(|t| t.name() == name)
    }
}

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

/// Keeps echoed user input short in error messages.
pub fn truncate(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
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
