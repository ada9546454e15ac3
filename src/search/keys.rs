//! What search finds of a record besides its texts: a person's name, a city, the names of
//! a country in English, French and Spanish, and identifiers (UN symbols, slugs, theme
//! codes, external ids).
//!
//! Names and places are searched by their words, as texts are, and match exactly (a whole
//! query equal to the name ranks first). Identifiers only match exactly (`A/72/643`,
//! `idm-2018`) or, for symbols, by a leading part that ends at a `/` (`A/72`): the words of
//! `idm-2018` are not worth a match of `2018` in every slug.

use std::{collections::HashMap, sync::LazyLock};

use serde_json::{Map, Value as Json};

use super::analysis::{lower, words};
use crate::{
    error::{Error, Result},
    graphql::i18n::fold,
    repo::node::{NodeType, column as node_column},
};

/// The languages a country's names are searched in.
pub const COUNTRY_LANGUAGES: [&str; 3] = ["en", "fr", "es"];

/// How an entry ranks, before its length: names and titles, places and venues, other
/// texts (the same tiers as the texts' entries, see the migration
/// `m20261208_000011_search_entries`).
pub const NAME: i64 = 3;
/// The tier of places.
pub const PLACE: i64 = 2;

/// One key of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// Its tier (`NAME`, `PLACE`).
    pub tier: i64,
    /// Its language, or `""` when any language's search may find it.
    pub lang: &'static str,
    /// The value as written.
    pub value: String,
    /// Whether its words are searched (names and places) or only the whole of it
    /// (identifiers).
    pub words: bool,
}

impl Key {
    /// Its static weight: the tier, then shortness.
    pub fn weight(&self) -> i64 {
        weight(self.tier, self.value.chars().count())
    }

    /// The form an exact match compares: folded, blanks reduced to one space.
    pub fn exact(&self) -> String {
        exact_form(&self.value)
    }

    /// Its words, folded, separated by spaces (what full-text search indexes).
    pub fn stems(&self) -> String {
        let lowered = lower(&self.value);
        words(&lowered).map(fold).collect::<Vec<_>>().join(" ")
    }
}

/// The weight of an entry of `tier` and `length` characters (as the migration computes it
/// for texts).
pub fn weight(tier: i64, length: usize) -> i64 {
    tier * 1024 + 1023 - length.min(1023) as i64
}

/// How many bits of an entry's id follow its weight.
pub const WEIGHT_SHIFT: u32 = 40;

/// The form of a query or value that exact matches compare: folded, with blanks reduced to
/// one space and trimmed.
pub fn exact_form(text: &str) -> String {
    fold(text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The id of a record's `n`th key entry: its weight, a bit that sets keys apart from
/// texts (whose entries end with the text's id), the record's type, `n` and the record's
/// id.
pub fn entry_id(kind: NodeType, owner_id: i64, n: usize, key: &Key) -> Result<i64> {
    let kind = NodeType::ALL.iter().position(|k| *k == kind).unwrap_or(0) as i64;
    if !(0..1 << 32).contains(&owner_id) || n >= 16 {
        return Err(Error::internal(format!(
            "no search key for record {owner_id} (key {n})"
        )));
    }
    Ok((key.weight() << WEIGHT_SHIFT) | (1 << 39) | (kind << 36) | ((n as i64) << 32) | owner_id)
}

/// The columns of a record of `kind` that its keys come from.
pub fn columns(kind: NodeType) -> &'static [&'static str] {
    const EXTERNAL: &str = node_column::EXTERNAL_ID;
    match kind {
        NodeType::Person => &[column_name!(person.name), EXTERNAL],
        NodeType::Organisation => &[
            column_name!(organisation.slug),
            column_name!(organisation.country),
            EXTERNAL,
        ],
        NodeType::Dialogue => &[
            column_name!(dialogue.slug),
            column_name!(dialogue.city),
            column_name!(dialogue.country),
            EXTERNAL,
        ],
        NodeType::Workshop => &[
            column_name!(workshop.city),
            column_name!(workshop.country),
            EXTERNAL,
        ],
        NodeType::Report => &[column_name!(report.symbol), EXTERNAL],
        NodeType::Source => &[column_name!(source.symbol), EXTERNAL],
        NodeType::Theme => &[column_name!(theme.code), EXTERNAL],
        NodeType::Tool => &[EXTERNAL],
    }
}

/// The names of each country by its ISO 3166-1 alpha-2 code, in the languages of
/// `COUNTRY_LANGUAGES` (a name shared by several languages once, for any language).
static COUNTRIES: LazyLock<HashMap<String, Vec<(&'static str, &'static str)>>> =
    LazyLock::new(|| {
        let mut out = HashMap::new();
        for a in 'A'..='Z' {
            for b in 'A'..='Z' {
                let code = format!("{a}{b}");
                let Ok(alpha2) = keshvar::Alpha2::try_from(code.as_str()) else {
                    continue;
                };
                let country = alpha2.to_country();
                let mut names: Vec<(&'static str, &'static str)> = Vec::new();
                let english = [country.iso_short_name()];
                for lang in COUNTRY_LANGUAGES {
                    let own = country.translations().get(lang).copied();
                    let extra = if lang == "en" { &english[..] } else { &[] };
                    for name in own.iter().chain(extra) {
                        match names
                            .iter_mut()
                            .find(|(_, n)| exact_form(n) == exact_form(name))
                        {
                            Some(seen) if seen.0 != lang => seen.0 = "",
                            Some(_) => {}
                            None => names.push((lang, name)),
                        }
                    }
                }
                out.insert(code, names);
            }
        }
        out
    });

/// The names of a country by its code, each with its language (`""` for several).
pub fn country_names(code: &str) -> &'static [(&'static str, &'static str)] {
    COUNTRIES
        .get(&code.to_uppercase())
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The keys of a record of `kind` whose columns (by name) are `columns`.
pub fn keys(kind: NodeType, columns: &Map<String, Json>) -> Vec<Key> {
    let text = |name: &str| {
        columns
            .get(name)
            .and_then(Json::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let mut out = Vec::new();
    let mut add = |tier, lang, value: &str, words| {
        out.push(Key {
            tier,
            lang,
            value: value.to_string(),
            words,
        })
    };
    for &name in self::columns(kind) {
        let Some(value) = text(name) else {
            continue;
        };
        match name {
            n if n == column_name!(person.name) => add(NAME, "", value, true),
            n if n == column_name!(city in dialogue, workshop) => add(PLACE, "", value, true),
            n if n == column_name!(country in dialogue, workshop, organisation) => {
                for (lang, country) in country_names(value) {
                    add(PLACE, lang, country, true);
                }
            }
            _ => add(NAME, "", value, false),
        }
    }
    out.truncate(16);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_a_workshop_and_a_person() {
        let mut columns = Map::new();
        columns.insert(column_name!(workshop.city).into(), "Puerto Vallarta".into());
        columns.insert(column_name!(workshop.country).into(), "MX".into());
        columns.insert(node_column::EXTERNAL_ID.into(), "  ".into());
        let found = keys(NodeType::Workshop, &columns);
        let values: Vec<(&str, &str)> = found.iter().map(|k| (k.lang, k.value.as_str())).collect();
        assert!(values.contains(&("", "Puerto Vallarta")));
        assert!(values.contains(&("fr", "Mexique")));
        // Spanish `México` folds to English `Mexico`: one entry for both languages.
        assert!(values.contains(&("", "Mexico")), "{values:?}");
        assert!(!values.iter().any(|(_, v)| *v == "México"));
        assert!(found.iter().all(|k| k.words));

        let mut person = Map::new();
        person.insert(column_name!(person.name).into(), "António  Guterres".into());
        person.insert(node_column::EXTERNAL_ID.into(), "ext/1".into());
        let found = keys(NodeType::Person, &person);
        assert_eq!(found[0].exact(), "antonio guterres");
        assert_eq!(found[0].stems(), "antonio guterres");
        assert!(!found[1].words);
        // Keys and texts never share an id, and weight orders them.
        let a = entry_id(NodeType::Person, 2, 0, &found[0]).unwrap();
        let b = entry_id(NodeType::Person, 2, 1, &found[1]).unwrap();
        assert_ne!(a, b);
        assert!(a >> WEIGHT_SHIFT > weight(1, 10));
        assert!(entry_id(NodeType::Person, 1 << 40, 0, &found[0]).is_err());
    }
}
