//! Checks that run before async-graphql sees an operation, and the codes of its errors.
//!
//! async-graphql walks fragments by expanding them, which takes exponential time on a
//! "fragment bomb" (fragments that each spread the next one twice). These checks measure
//! the raw text's nesting and the expanded size of the document in linear time, with each
//! fragment measured once, and refuse oversized operations before any walk or any SQL.

use std::collections::HashMap;

use async_graphql::{
    Response, ServerError,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

use crate::{config::Settings, error::Error};

/// The deepest nesting of brackets (`{`, `[`, `(`) the raw text may have. The parser
/// itself stops selection sets at 64 levels, but not lists and input objects.
pub const MAX_NESTING: usize = 64;

/// Refuses query texts nested deeper than [`MAX_NESTING`], before they are parsed.
pub fn check_nesting(query: &str) -> Result<(), Error> {
    let mut depth = 0_usize;
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '"' => skip_string(&mut chars),
            '{' | '[' | '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Error::QueryTooComplex(format!(
                        "the query is nested more than {MAX_NESTING} levels deep"
                    )));
                }
            }
            '}' | ']' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Skips a string literal (`"..."` with escapes, or a `"""` block string); the opening
/// quote is already consumed.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    let mut rest = chars.clone();
    if rest.next() == Some('"') && rest.next() == Some('"') {
        chars.next();
        chars.next();
        let mut quotes = 0;
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    quotes += 1;
                    if quotes == 3 {
                        return;
                    }
                }
                '\\' => {
                    quotes = 0;
                    chars.next();
                }
                _ => quotes = 0,
            }
        }
        return;
    }
    if chars.peek() == Some(&'"') {
        // The empty string `""`.
        chars.next();
        return;
    }
    while let Some(c) = chars.next() {
        match c {
            '"' | '\n' => return,
            '\\' => {
                chars.next();
            }
            _ => {}
        }
    }
}

/// Size and height of a selection set once its fragments are expanded.
#[derive(Clone, Copy)]
struct Measure {
    fields: usize,
    depth: usize,
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    fragments: HashMap<&'a str, Option<Measure>>,
}

impl<'a> Walker<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Measure {
        let mut m = Measure {
            fields: 0,
            depth: 0,
        };
        for item in &set.items {
            let inner = match &item.node {
                Selection::Field(f) => {
                    let child = self.set(&f.node.selection_set.node);
                    Measure {
                        fields: child.fields.saturating_add(1),
                        depth: child.depth,
                    }
                }
                Selection::InlineFragment(f) => self.set(&f.node.selection_set.node),
                Selection::FragmentSpread(s) => self.fragment(s.node.fragment_name.node.as_str()),
            };
            m.fields = m.fields.saturating_add(inner.fields);
            m.depth = m.depth.max(inner.depth.saturating_add(1));
        }
        m
    }

    fn fragment(&mut self, name: &'a str) -> Measure {
        match self.fragments.get(name) {
            Some(Some(m)) => return *m,
            // A cycle: validation reports it; count nothing here.
            Some(None) => {
                return Measure {
                    fields: 0,
                    depth: 0,
                };
            }
            None => {}
        }
        let Some((key, fragment)) = self.doc.fragments.get_key_value(name) else {
            return Measure {
                fields: 0,
                depth: 0,
            };
        };
        self.fragments.insert(key.as_str(), None);
        let m = self.set(&fragment.node.selection_set.node);
        self.fragments.insert(key.as_str(), Some(m));
        m
    }
}

/// Refuses documents whose operations, with fragments expanded, hold more fields than
/// `max_complexity` or nest deeper than `max_recursive_depth`.
pub fn check_document(doc: &ExecutableDocument, settings: &Settings) -> Result<(), Error> {
    // A fragment chain as long as the document is deep would overflow the stack of the
    // walk below; the nesting check bounds selection sets, this bounds fragments.
    if doc.fragments.len() > settings.max_complexity {
        return Err(Error::QueryTooComplex(format!(
            "the document defines more than {} fragments",
            settings.max_complexity
        )));
    }
    let mut walker = Walker {
        doc,
        fragments: HashMap::new(),
    };
    for (_, op) in doc.operations.iter() {
        let m = walker.set(&op.node.selection_set.node);
        if m.depth > settings.max_recursive_depth {
            return Err(Error::QueryTooComplex(format!(
                "the operation nests selections and fragments {} levels deep; the limit is {}",
                m.depth, settings.max_recursive_depth
            )));
        }
        if m.fields > settings.max_complexity {
            return Err(Error::QueryTooComplex(format!(
                "the operation selects {} fields once its fragments are expanded; the limit is {}",
                m.fields, settings.max_complexity
            )));
        }
    }
    Ok(())
}

/// Gives every error of a response an `extensions.code`: errors that Agora raised carry
/// theirs already; those async-graphql raised get one from where they arose.
pub fn assign_codes(response: &mut Response) {
    for err in &mut response.errors {
        if err
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some())
        {
            continue;
        }
        let code = classify(err);
        if code == "INTERNAL" {
            tracing::error!(error = %err.message, "unclassified error");
            err.message = "internal error".into();
        }
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

fn classify(err: &ServerError) -> &'static str {
    let m = err.message.as_str();
    // A variable the operation declares but the request does not give is the client's
    // doing, even when the executor finds out.
    if m.starts_with("Invalid value for argument")
        || m.starts_with("Failed to parse")
        || (m.starts_with("Variable ") && m.ends_with(" is not defined."))
    {
        return "BAD_USER_INPUT";
    }
    if !err.path.is_empty() {
        // Raised while resolving, but not by Agora's code.
        return "INTERNAL";
    }
    if m == "Query is too complex."
        || m == "Query is nested too deep."
        || m.starts_with("The recursion depth")
        || m.starts_with("The number of directives")
    {
        "QUERY_TOO_COMPLEX"
    } else {
        "GRAPHQL_VALIDATION_FAILED"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_ignores_strings_and_comments() {
        assert!(
            check_nesting(
                r#"{ a(s: "{{{{[[[[") # {{{{
        }"#
            )
            .is_ok()
        );
        let deep = format!("{}{}", "{a".repeat(65), "}".repeat(65));
        assert!(check_nesting(&deep).is_err());
        let block = format!("{{ a(s: \"\"\"{}\"\"\") }}", "{".repeat(100));
        assert!(check_nesting(&block).is_ok());
    }

    #[test]
    fn fragment_bomb_is_measured_not_expanded() {
        let mut q = String::from("query { ...F0 }\n");
        for i in 0..40 {
            q.push_str(&format!(
                "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
                n = i + 1
            ));
        }
        q.push_str("fragment F40 on Query { __typename }\n");
        let doc = async_graphql::parser::parse_query(&q).expect("parses");
        // 2^40 fields once expanded: only a linear walk can answer at all.
        let err = check_document(&doc, &Settings::default());
        assert!(matches!(err, Err(Error::QueryTooComplex(_))));
    }
}
