//! Text analysis for full-text search: words, stems per language, and the parsing of
//! search queries.
//!
//! Every text is split into words of letters and digits, in lower case; each word is
//! stemmed by the Snowball stemmer of the text's language (English, French, Spanish and 15
//! more; other languages keep their words whole), then folded (accents removed). A query is
//! parsed
//! here too, into words, prefixes (`migra*`), phrases (`"labour migration"`), `OR`
//! groups and exclusions (`-smuggling`); anything else in it is not syntax but text, so no
//! query string can make a database raise an error.

use std::collections::BTreeSet;

use rust_stemmers::{Algorithm, Stemmer};

use crate::{
    error::{Error, Result},
    graphql::i18n::fold,
};

/// The most words a query may hold.
pub const MAX_WORDS: usize = 32;

/// The Snowball stemmer of a language, if there is one.
pub fn algorithm(lang: &str) -> Option<Algorithm> {
    Some(match lang {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    })
}

/// The languages with a stemmer, by code.
pub const STEMMED: &[&str] = &[
    "ar", "da", "de", "el", "en", "es", "fi", "fr", "hu", "it", "nl", "no", "pt", "ro", "ru", "sv",
    "ta", "tr",
];

/// A text in lower case, its accents kept (composed, so that a letter and its accent stay
/// one character).
pub fn lower(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfc().flat_map(char::to_lowercase).collect()
}

/// The words of a text: its runs of letters and digits.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The indexed form of a lower-case word in a language: stemmed by the language's stemmer
/// (which needs the accents: Spanish `-ción` is a suffix, `-cion` is not), then folded.
pub fn stem(lang: &str, word: &str) -> String {
    match algorithm(lang) {
        Some(a) => fold(&Stemmer::create(a).stem(word)),
        None => fold(word),
    }
}

/// The forms a lower-case query word may have in the index: its stem in `lang` (or in
/// every language), as typed and without its accents, and the word itself folded (as
/// names are indexed).
pub fn variants(lang: Option<&str>, word: &str) -> BTreeSet<String> {
    let folded = fold(word);
    let mut out = BTreeSet::new();
    match lang {
        Some(l) => {
            out.insert(stem(l, word));
            out.insert(stem(l, &folded));
            // Names are indexed unstemmed, in every language.
            out.insert(folded);
        }
        None => {
            for l in STEMMED {
                out.insert(stem(l, word));
                out.insert(stem(l, &folded));
            }
            out.insert(folded);
        }
    }
    out
}

/// The indexed form of a text in `lang`: its words, stemmed and folded, separated by
/// spaces.
pub fn stems(lang: &str, text: &str) -> String {
    let lowered = lower(text);
    let stemmer = algorithm(lang).map(Stemmer::create);
    let mut out = String::with_capacity(lowered.len());
    for w in words(&lowered) {
        if !out.is_empty() {
            out.push(' ');
        }
        match &stemmer {
            Some(s) => out.push_str(&fold(&s.stem(w))),
            None => out.push_str(&fold(w)),
        }
    }
    out
}

/// One thing to look for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// A word (lower case), in any of its inflections.
    Word(String),
    /// The start of a word (lower case), accents ignored.
    Prefix(String),
    /// Words next to each other, in this order.
    Phrase(Vec<String>),
}

impl Term {
    /// The words of the term, in lower case.
    pub fn words(&self) -> Vec<&str> {
        match self {
            Term::Word(w) | Term::Prefix(w) => vec![w.as_str()],
            Term::Phrase(ws) => ws.iter().map(String::as_str).collect(),
        }
    }
}

/// A parsed query: every group must match (one of its terms, at least), and no
/// excluded term may.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Groups of alternatives (`a OR b`), all required.
    pub all: Vec<Vec<Term>>,
    /// Terms that exclude a record.
    pub none: Vec<Term>,
}

/// Turns the words of a raw piece of query into a term.
fn term(raw: &str, prefix: bool) -> Option<Term> {
    let lowered = lower(raw);
    let ws: Vec<String> = words(&lowered).map(str::to_string).collect();
    match ws.len() {
        0 => None,
        1 if prefix => ws.into_iter().next().map(Term::Prefix),
        1 => ws.into_iter().next().map(Term::Word),
        _ => Some(Term::Phrase(ws)),
    }
}

/// Parses a query string written by anyone; fails only when it holds nothing to look for
/// or too many words.
pub fn parse(query: &str) -> Result<SearchQuery> {
    let mut q = SearchQuery::default();
    let mut chars = query.chars().peekable();
    let mut or_next = false;
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let (raw, quoted) = if chars.peek() == Some(&'"') {
            chars.next();
            let mut s = String::new();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                s.push(c);
            }
            (s, true)
        } else {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                s.push(c);
                chars.next();
            }
            (s, false)
        };
        if !quoted && !negated && raw == "OR" {
            or_next = !q.all.is_empty();
            continue;
        }
        let prefix = !quoted && raw.ends_with('*');
        let Some(t) = term(&raw, prefix) else {
            continue;
        };
        if negated {
            q.none.push(t);
        } else if or_next {
            if let Some(group) = q.all.last_mut() {
                group.push(t);
            }
            or_next = false;
        } else {
            q.all.push(vec![t]);
        }
    }
    let count: usize = q
        .all
        .iter()
        .flatten()
        .chain(&q.none)
        .map(|t| t.words().len())
        .sum();
    if count > MAX_WORDS {
        return Err(Error::bad_input(format!(
            "a query takes at most {MAX_WORDS} words"
        )));
    }
    if q.all.is_empty() {
        return Err(Error::bad_input("the query has no word to look for"));
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stemming_in_three_languages_with_accents_folded() {
        assert_eq!(stem("en", "migrations"), stem("en", "migration"));
        assert_eq!(stem("fr", "partenariats"), stem("fr", "partenariat"));
        assert_eq!(stem("es", "asociaciones"), stem("es", "asociación"));
        assert_eq!(stem("es", "migraciones"), "migracion");
        assert_eq!(
            stems("fr", "Réintégration DURABLE"),
            stems("fr", "reintegration durable")
        );
        assert_eq!(stems("es", "Las Asociaciones"), "las asoci");
        // A query word typed without its accents still finds the stem written with them.
        assert!(variants(Some("es"), "migracion").contains(&stem("es", "migración")));
        assert!(variants(None, "partenariats").contains(&stem("fr", "partenariat")));
    }

    #[test]
    fn queries_of_every_shape_and_none_that_fails_on_syntax() {
        let q =
            parse(r#"partnerships "labour migration" migra* -smuggling diaspora OR remittances"#)
                .unwrap();
        assert_eq!(q.all.len(), 4);
        assert_eq!(
            q.all[1],
            vec![Term::Phrase(vec!["labour".into(), "migration".into()])]
        );
        assert_eq!(q.all[2], vec![Term::Prefix("migra".into())]);
        assert_eq!(
            q.all[3],
            vec![
                Term::Word("diaspora".into()),
                Term::Word("remittances".into())
            ]
        );
        assert_eq!(q.none, vec![Term::Word("smuggling".into())]);
        for hostile in [
            r#"""#,
            "(((",
            "a NEAR/3 b",
            "'; DROP TABLE translation; --",
            "*",
            "x\"y\"z",
            "OR OR",
            "ü*",
        ] {
            let _ = parse(hostile);
        }
        assert!(parse("  -only ").is_err());
        assert!(parse("*** ()").is_err());
    }
}
