//! Text in several languages: language codes, `Accept-Language`, and the fallback chain.
//!
//! A translatable field holds one text per language (ISO 639-1 codes). A reader asks for a
//! language with the field's `lang` argument; without it, the request's `Accept-Language`
//! header decides. When the text is missing in that language, the server falls back along
//! this chain and says which language it served:
//!
//! 1. the `lang` argument, or else each language of `Accept-Language` in order of preference;
//! 2. English (`en`);
//! 3. the record's original language (`originalLanguage`);
//! 4. any language the field has, in alphabetical order of code.

use async_graphql::SimpleObject;

use crate::error::{Error, Result};
pub use crate::repo::text::{TextRow, fold};

/// The two-letter codes of ISO 639-1, the languages a text may be written in.
pub const LANGUAGES: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi",
    "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de",
    "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy",
    "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia",
    "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk",
    "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo",
    "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd",
    "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl",
    "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl",
    "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk",
    "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa",
    "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// The language of last resort before the original: English.
pub const FALLBACK: &str = "en";

/// The languages a request prefers, best first, read from its `Accept-Language` header.
#[derive(Clone, Debug, Default)]
pub struct RequestLanguages(pub Vec<String>);

/// Reads a language tag such as `fr`, `FR` or `fr-CH` as its ISO 639-1 code.
pub fn parse_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    LANGUAGES
        .binary_search(&primary.as_str())
        .ok()
        .map(|_| primary)
}

/// Checks a `lang` argument; unknown languages are a `BAD_USER_INPUT` error.
pub fn check_language(tag: &str) -> Result<String> {
    parse_language(tag).ok_or_else(|| {
        Error::bad_input(format!(
            "`{}` is not a known language: use an ISO 639-1 code such as `en`, `fr` or `es`",
            crate::error::truncate(tag)
        ))
    })
}

/// Reads an `Accept-Language` header (RFC 9110): known languages by falling weight;
/// unknown tags, `*` and malformed parts are skipped.
pub fn parse_accept_language(header: &str) -> RequestLanguages {
    let mut weighted: Vec<(String, f32)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let lang = parse_language(pieces.next()?)?;
            let mut q = 1.0_f32;
            for param in pieces {
                if let Some(value) = param.trim().strip_prefix("q=") {
                    q = value.trim().parse().ok()?;
                }
            }
            (q > 0.0).then_some((lang, q))
        })
        .collect();
    // A stable sort keeps the header's order among equal weights.
    weighted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut langs: Vec<String> = Vec::new();
    for (lang, _) in weighted {
        if !langs.contains(&lang) {
            langs.push(lang);
        }
    }
    RequestLanguages(langs)
}

/// A text in the language the server chose for it.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct LocalizedText {
    /// The text.
    pub text: String,
    /// The language of `text` (ISO 639-1).
    pub lang: String,
    /// True when `text` is not in the requested language (the `lang` argument, else the
    /// first language of `Accept-Language`, else English) and a fallback was served.
    pub is_fallback: bool,
    /// The web address this text was taken from, when one is recorded (each language's
    /// version may cite its own source).
    pub source: Option<String>,
}

/// Chooses a field's text along the fallback chain (see the module documentation).
pub fn pick(
    texts: &[TextRow],
    field: &str,
    requested: Option<&str>,
    preferred: &[String],
    original: &str,
) -> Option<LocalizedText> {
    let mut candidates: Vec<&TextRow> = texts.iter().filter(|t| t.field == field).collect();
    if candidates.is_empty() {
        return None;
    }
    candidates.sort_by(|a, b| a.lang.cmp(&b.lang));
    let wanted: Vec<&str> = match requested {
        Some(lang) => vec![lang],
        None => preferred.iter().map(String::as_str).collect(),
    };
    let first_choice = wanted.first().copied().unwrap_or(FALLBACK);
    let chosen = wanted
        .iter()
        .copied()
        .chain([FALLBACK, original])
        .find_map(|lang| candidates.iter().find(|t| t.lang == lang))
        .unwrap_or(&candidates[0]);
    Some(LocalizedText {
        text: chosen.value.clone(),
        lang: chosen.lang.clone(),
        is_fallback: chosen.lang != first_choice,
        source: chosen.source.clone(),
    })
}

/// The languages in which a record has at least one text, sorted.
pub fn languages_of(texts: &[TextRow]) -> Vec<String> {
    let mut langs: Vec<String> = texts.iter().map(|t| t.lang.clone()).collect();
    langs.sort();
    langs.dedup();
    langs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(field: &str, lang: &str, value: &str) -> TextRow {
        TextRow {
            field: field.into(),
            lang: lang.into(),
            value: value.into(),
            source: None,
        }
    }

    #[test]
    fn languages_are_sorted_for_binary_search() {
        assert!(LANGUAGES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(parse_language("FR-ch").as_deref(), Some("fr"));
        assert!(parse_language("xx").is_none());
    }

    #[test]
    fn accept_language_by_weight() {
        let langs = parse_accept_language("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5, xx");
        assert_eq!(langs.0, vec!["fr", "en", "de"]);
        assert_eq!(parse_accept_language("es;q=0.2, ar").0, vec!["ar", "es"]);
        assert!(parse_accept_language("en;q=0").0.is_empty());
    }

    #[test]
    fn fallback_chain() {
        let texts = [row("title", "fr", "Titre"), row("title", "es", "Título")];
        let p = |req: Option<&str>, pref: &[&str]| {
            let pref: Vec<String> = pref.iter().map(|s| s.to_string()).collect();
            pick(&texts, "title", req, &pref, "fr").map(|t| (t.lang, t.is_fallback))
        };
        assert_eq!(p(Some("es"), &[]), Some(("es".into(), false)));
        assert_eq!(p(Some("ar"), &["es"]), Some(("fr".into(), true)));
        assert_eq!(p(None, &["es"]), Some(("es".into(), false)));
        assert_eq!(p(None, &[]), Some(("fr".into(), true)));
        let with_en = [row("title", "en", "Title"), row("title", "fr", "Titre")];
        let chosen = pick(&with_en, "title", Some("ru"), &[], "fr");
        assert_eq!(chosen.map(|t| t.lang), Some("en".into()));
        assert!(pick(&texts, "summary", None, &[], "fr").is_none());
    }

    #[test]
    fn folding() {
        assert_eq!(fold("Économie ÉTÉ Ça"), "economie ete ca");
    }
}
