//! Citations of reports: CSL-JSON (what Zotero, Pandoc and citeproc read) and BibTeX.

use serde_json::{Value as Json, json};

use crate::{
    export::repo::{Author, CitationParts, Row},
    graphql::id::encode,
    repo::node::column as node_column,
};

/// The text of a field in `lang`, else English, else the original language, else any:
/// the text and its language.
fn text(row: &Row, field: &str, lang: &str) -> Option<(String, String)> {
    let langs = row.texts.get(field)?;
    let original = row
        .values
        .get(node_column::ORIGINAL_LANG)
        .and_then(Json::as_str)
        .unwrap_or("en");
    [lang, "en", original]
        .iter()
        .find_map(|l| langs.get_key_value(*l))
        .or_else(|| langs.iter().next())
        .map(|(l, t)| (t.text.clone(), l.clone()))
}

/// An author as CSL-JSON names one: family and given names where known, else the name as
/// written.
fn csl_name(a: &Author) -> Json {
    match (&a.family, &a.given) {
        (Some(family), Some(given)) => json!({ "family": family, "given": given }),
        (Some(family), None) => json!({ "family": family }),
        _ => json!({ "literal": a.name }),
    }
}

/// An author as BibTeX names one: `Family, Given` where known, else the name in braces
/// (so that BibTeX does not split it).
fn bibtex_name(a: &Author) -> String {
    match (&a.family, &a.given) {
        (Some(family), Some(given)) => format!("{}, {}", escape(family), escape(given)),
        (Some(family), None) => escape(family),
        _ => format!("{{{}}}", escape(&a.name)),
    }
}

fn pick(names: &std::collections::BTreeMap<String, String>, lang: &str) -> Option<String> {
    names
        .get(lang)
        .or_else(|| names.get("en"))
        .or_else(|| names.values().next())
        .cloned()
}

/// The publishers' names in `lang` (else English, else any language).
fn publishers(parts: &CitationParts, lang: &str) -> Vec<String> {
    parts
        .publishers
        .iter()
        .filter_map(|p| pick(p, lang))
        .collect()
}

/// When the report was published: (year, month, day) as far as known.
fn issued(row: &Row) -> Vec<i64> {
    if let Some(d) = row
        .values
        .get(column_name!(report.published_on))
        .and_then(Json::as_str)
    {
        return d.split('-').filter_map(|p| p.parse().ok()).collect();
    }
    let year = row.values.get(node_column::YEAR).and_then(Json::as_i64);
    let month = row.values.get(node_column::MONTH).and_then(Json::as_i64);
    year.into_iter().chain(year.and(month)).collect()
}

/// The CSL-JSON item of a report.
pub fn csl(row: &Row, parts: &CitationParts, lang: &str) -> Json {
    let mut item = json!({
        "id": encode(row.kind, row.id).0,
        "type": "report",
    });
    let put = |item: &mut Json, key: &str, v: Option<Json>| {
        if let Some(v) = v {
            item[key] = v;
        }
    };
    // The version cited is the one whose title the citation gives: its language is the
    // citation's (not the language Agora's record was first written in).
    let title = text(row, "title", lang);
    put(
        &mut item,
        "title",
        title.as_ref().map(|(t, _)| Json::from(t.as_str())),
    );
    put(
        &mut item,
        "language",
        title.as_ref().map(|(_, l)| Json::from(l.as_str())),
    );
    put(
        &mut item,
        "abstract",
        text(row, "summary", lang).map(|(t, _)| Json::from(t)),
    );
    put(
        &mut item,
        "number",
        row.values
            .get(column_name!(report.symbol))
            .filter(|v| !v.is_null())
            .cloned(),
    );
    put(
        &mut item,
        "URL",
        row.values
            .get(column_name!(report.url))
            .filter(|v| !v.is_null())
            .cloned(),
    );
    let date = issued(row);
    if !date.is_empty() {
        item["issued"] = json!({ "date-parts": [date] });
    }
    if !parts.authors.is_empty() {
        item["author"] = Json::Array(parts.authors.iter().map(csl_name).collect());
    }
    let publishers = publishers(parts, lang);
    if !publishers.is_empty() {
        item["publisher"] = json!(publishers.join("; "));
    }
    item
}

/// Escapes the characters BibTeX (LaTeX) gives a meaning to.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            c => out.push(c),
        }
    }
    out
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The BibTeX entry of a report (`@techreport`), keyed by its symbol or id.
pub fn bibtex(row: &Row, parts: &CitationParts, lang: &str) -> String {
    let symbol = row
        .values
        .get(column_name!(report.symbol))
        .and_then(Json::as_str);
    let key: String = symbol
        .map(str::to_string)
        .unwrap_or_else(|| encode(row.kind, row.id).0)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut fields: Vec<(&str, String)> = Vec::new();
    if !parts.authors.is_empty() {
        let names: Vec<String> = parts.authors.iter().map(bibtex_name).collect();
        fields.push(("author", names.join(" and ")));
    }
    let title = text(row, "title", lang);
    if let Some((t, _)) = &title {
        // Double braces keep the title's capitals as written.
        fields.push(("title", format!("{{{}}}", escape(t))));
    }
    let publishers = publishers(parts, lang);
    if !publishers.is_empty() {
        fields.push((
            "institution",
            format!("{{{}}}", escape(&publishers.join(" and "))),
        ));
    }
    if let Some(s) = symbol {
        fields.push(("number", escape(s)));
    }
    let date = issued(row);
    if let Some(y) = date.first() {
        fields.push(("year", y.to_string()));
    }
    if let Some(m) = date
        .get(1)
        .and_then(|m| MONTHS.get((*m as usize).wrapping_sub(1)))
    {
        fields.push(("month", (*m).to_string()));
    }
    if let Some(u) = row
        .values
        .get(column_name!(report.url))
        .and_then(Json::as_str)
    {
        fields.push(("url", u.to_string()));
    }
    if let Some((_, l)) = title {
        fields.push(("language", l));
    }
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("  {k} = {{{v}}}"))
        .collect();
    format!("@techreport{{{key},\n{}\n}}\n", body.join(",\n"))
}
