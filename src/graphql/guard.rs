//! Checks that run before async-graphql sees an operation, and the codes of its errors.
//!
//! async-graphql walks fragments by expanding them, which takes exponential time on a
//! "fragment bomb" (fragments that each spread the next one twice). These checks measure
//! the raw text's nesting and the expanded size of the document in linear time, with each
//! fragment measured once, and refuse oversized operations before any walk or any SQL.

use std::collections::HashMap;

use async_graphql::{
    Response, Variables,
    parser::types::{ExecutableDocument, Field, Selection, SelectionSet},
};
use async_graphql_value::{ConstValue, Value};

use crate::{config::Settings, error::Error};

/// The deepest nesting of brackets (`{`, `[`, `(`) the raw text may have. The parser
/// itself stops selection sets at 64 levels, but not lists and input objects.
pub const MAX_NESTING: usize = 64;

/// How many times one selection set may repeat a field under the same response name
/// (`{ a a a }` is legal GraphQL, merged into one field, but only an attack repeats it
/// hundreds of times).
pub const MAX_REPEATS: usize = 10;

/// Refuses query texts with more than `max_tokens` lexical tokens or nested deeper than
/// [`MAX_NESTING`], before they are parsed.
pub fn check_text(query: &str, max_tokens: usize) -> Result<(), Error> {
    let mut depth = 0_usize;
    let mut tokens = 0_usize;
    let mut in_word = false;
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        let word = c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.');
        if word && !in_word {
            tokens += 1;
        }
        in_word = word;
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '"' => {
                tokens += 1;
                skip_string(&mut chars);
            }
            '{' | '[' | '(' => {
                tokens += 1;
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Error::QueryTooComplex(format!(
                        "the query is nested more than {MAX_NESTING} levels deep"
                    )));
                }
            }
            '}' | ']' | ')' => {
                tokens += 1;
                depth = depth.saturating_sub(1);
            }
            '!' | '$' | '&' | ':' | '=' | '@' | '|' => tokens += 1,
            _ => {}
        }
        if tokens > max_tokens {
            return Err(Error::QueryTooComplex(format!(
                "the query has more than {max_tokens} tokens"
            )));
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

/// Size, height, cost and aliases of a selection set once its fragments are expanded.
#[derive(Clone, Copy, Default)]
struct Measure {
    /// Fields, counted once per place they appear.
    fields: usize,
    /// Nesting of selection sets and fragment spreads.
    depth: usize,
    /// Fields, with the children of a connection counted once per item of its page.
    cost: u64,
    /// Aliased fields.
    aliases: usize,
    /// Fields of the set itself (the root fields, for an operation).
    top: usize,
    /// Fields nested in fields, counting this set's (what async-graphql calls depth).
    height: usize,
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    fragments: HashMap<&'a str, Option<Measure>>,
    variables: &'a Variables,
    defaults: HashMap<&'a str, &'a ConstValue>,
    default_page: u64,
    max_page: u64,
    /// A field repeated more than [`MAX_REPEATS`] times in one set, when one is.
    repeated: Option<String>,
    /// Whether the operation asks for `__schema` or `__type`.
    introspects: bool,
    /// The most directives on one selection.
    directives: usize,
    /// Whether a fragment spreads itself, directly or through others.
    cycle: bool,
}

impl<'a> Walker<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Measure {
        let mut m = Measure::default();
        let mut names: HashMap<&str, usize> = HashMap::new();
        for item in &set.items {
            self.directives = self.directives.max(item.node.directives().len());
            let inner = match &item.node {
                Selection::Field(f) => {
                    let key = f.node.response_key().node.as_str();
                    if matches!(f.node.name.node.as_str(), "__schema" | "__type") {
                        self.introspects = true;
                    }
                    let seen = names.entry(key).or_default();
                    *seen += 1;
                    if *seen > MAX_REPEATS && self.repeated.is_none() {
                        self.repeated = Some(key.to_string());
                    }
                    let child = self.set(&f.node.selection_set.node);
                    Measure {
                        fields: child.fields.saturating_add(1),
                        depth: child.depth,
                        cost: self
                            .page(&f.node)
                            .saturating_mul(child.cost)
                            .saturating_add(1),
                        aliases: child
                            .aliases
                            .saturating_add(usize::from(f.node.alias.is_some())),
                        top: 1,
                        height: child.height.saturating_add(1),
                    }
                }
                Selection::InlineFragment(f) => self.set(&f.node.selection_set.node),
                Selection::FragmentSpread(s) => self.fragment(s.node.fragment_name.node.as_str()),
            };
            m.fields = m.fields.saturating_add(inner.fields);
            m.depth = m.depth.max(inner.depth.saturating_add(1));
            m.cost = m.cost.saturating_add(inner.cost);
            m.aliases = m.aliases.saturating_add(inner.aliases);
            m.top = m.top.saturating_add(inner.top);
            m.height = m.height.max(inner.height);
        }
        m
    }

    /// How many times a field's children are counted: the `first` or `last` of a
    /// connection (the default page size when it gives neither), 1 for other fields.
    fn page(&self, field: &Field) -> u64 {
        let mut size: Option<i64> = None;
        for (name, value) in &field.arguments {
            if matches!(name.node.as_str(), "first" | "last")
                && let Some(n) = self.int(&value.node)
            {
                size = Some(size.map_or(n, |s| s.max(n)));
            }
        }
        // A page larger than the limit is refused by the field itself, with a clearer
        // message than its cost would give.
        if let Some(n) = size {
            return u64::try_from(n).unwrap_or(0).min(self.max_page);
        }
        let connection = field.selection_set.node.items.iter().any(|item| {
            matches!(&item.node, Selection::Field(f)
                if matches!(f.node.name.node.as_str(), "edges" | "nodes"))
        });
        if connection { self.default_page } else { 1 }
    }

    /// The integer an argument holds, directly or through a variable.
    fn int(&self, value: &Value) -> Option<i64> {
        match value {
            Value::Number(n) => n.as_i64(),
            Value::Variable(name) => match self
                .variables
                .get(name)
                .or_else(|| self.defaults.get(name.as_str()).copied())
            {
                Some(ConstValue::Number(n)) => n.as_i64(),
                _ => None,
            },
            _ => None,
        }
    }

    fn fragment(&mut self, name: &'a str) -> Measure {
        match self.fragments.get(name) {
            Some(Some(m)) => return *m,
            // A cycle: refused by `check_document`; count nothing here.
            Some(None) => {
                self.cycle = true;
                return Measure::default();
            }
            None => {}
        }
        let Some((key, fragment)) = self.doc.fragments.get_key_value(name) else {
            return Measure::default();
        };
        self.fragments.insert(key.as_str(), None);
        let m = self.set(&fragment.node.selection_set.node);
        self.fragments.insert(key.as_str(), Some(m));
        m
    }
}

/// Refuses the NUL character (U+0000) in the query text and in variables: no text
/// holds it, and PostgreSQL cannot store or compare it.
pub fn check_nul(query: &str, variables: &Variables) -> Result<(), Error> {
    fn has_nul(v: &ConstValue) -> bool {
        match v {
            ConstValue::String(s) => s.contains('\0'),
            ConstValue::List(items) => items.iter().any(has_nul),
            ConstValue::Object(fields) => {
                fields.iter().any(|(k, v)| k.contains('\0') || has_nul(v))
            }
            _ => false,
        }
    }
    if query.contains('\0') || variables.values().any(has_nul) {
        return Err(Error::bad_input(
            "text may not contain the NUL character (U+0000)",
        ));
    }
    Ok(())
}

/// What the checks before execution learned of the operation to run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Its cost: one per field, with the children of a connection counted once per item
    /// of its page (its `first` or `last`, else the default page size).
    pub cost: u64,
    /// Whether an operation of the document introspects the schema (`__schema`,
    /// `__type`).
    pub introspects: bool,
}

/// Refuses documents whose operations, with fragments expanded, hold more fields than
/// `max_complexity`, nest deeper than `max_recursive_depth`, cost more than `max_cost`,
/// or have more aliases or root fields than allowed; returns the analysis of the
/// operation that `operation_name` selects (of the costliest one when it selects none).
pub fn check_document(
    doc: &ExecutableDocument,
    variables: &Variables,
    operation_name: Option<&str>,
    settings: &Settings,
) -> Result<Analysis, Error> {
    // A fragment chain as long as the document is deep would overflow the stack of the
    // walk below; the nesting check bounds selection sets, this bounds fragments.
    if doc.fragments.len() > settings.max_complexity {
        return Err(Error::QueryTooComplex(format!(
            "the document defines more than {} fragments",
            settings.max_complexity
        )));
    }
    let too = |what: String| Err(Error::QueryTooComplex(what));
    let mut analysis = Analysis::default();
    for (name, op) in doc.operations.iter() {
        let mut walker = Walker {
            doc,
            fragments: HashMap::new(),
            variables,
            defaults: op
                .node
                .variable_definitions
                .iter()
                .filter_map(|d| {
                    let default = d.node.default_value.as_ref()?;
                    Some((d.node.name.node.as_str(), &default.node))
                })
                .collect(),
            default_page: u64::from(settings.default_page_size),
            max_page: u64::from(settings.max_page_size),
            repeated: None,
            introspects: false,
            directives: op.node.directives.len(),
            cycle: false,
        };
        let m = walker.set(&op.node.selection_set.node);
        if walker.cycle {
            return too("fragments of the operation spread each other in a cycle".into());
        }
        if m.height > settings.max_depth {
            return too(format!(
                "the operation nests fields {} deep; the limit is {}",
                m.height, settings.max_depth
            ));
        }
        let directives = doc.fragments.values().map(|f| f.node.directives.len());
        let directives = directives.fold(walker.directives, usize::max);
        if directives > settings.max_directives {
            return too(format!(
                "a selection carries {directives} directives; the limit is {}",
                settings.max_directives
            ));
        }
        if m.depth > settings.max_recursive_depth {
            return too(format!(
                "the operation nests selections and fragments {} levels deep; the limit is {}",
                m.depth, settings.max_recursive_depth
            ));
        }
        if m.fields > settings.max_complexity {
            return too(format!(
                "the operation selects {} fields once its fragments are expanded; the limit is {}",
                m.fields, settings.max_complexity
            ));
        }
        if m.top > settings.max_root_fields {
            return too(format!(
                "the operation has {} root fields; the limit is {}",
                m.top, settings.max_root_fields
            ));
        }
        if m.aliases > settings.max_aliases {
            return too(format!(
                "the operation has {} aliases; the limit is {}",
                m.aliases, settings.max_aliases
            ));
        }
        if let Some(field) = walker.repeated {
            return too(format!(
                "a selection repeats `{field}` more than {MAX_REPEATS} times"
            ));
        }
        if m.cost > settings.max_cost {
            return too(format!(
                "the operation costs {} (one per field, a connection's fields once per item \
                 of its page); the limit is {}",
                m.cost, settings.max_cost
            ));
        }
        let chosen = match (name, operation_name) {
            (Some(name), Some(wanted)) => name.as_str() == wanted,
            _ => true,
        };
        if chosen {
            analysis.cost = analysis.cost.max(m.cost);
        }
        analysis.introspects |= walker.introspects;
    }
    Ok(analysis)
}

/// Gives every error of a response an `extensions.code`: errors that Agora raised carry
/// theirs already; those async-graphql raised get one from the stage they arose in, never
/// from their text:
/// - before execution (no path): the rules of validation, and the choice of the
///   operation. Every limit of size and depth is Agora's own check ([`check_document`]),
///   which runs first and answers `QUERY_TOO_COMPLEX`; async-graphql's limits are set to
///   the same values only as a backstop.
/// - during execution (a path): the executor coercing the request's arguments and
///   variables to their types. Agora's resolvers raise only coded errors (an unexpected
///   failure is an `INTERNAL` one), so these are the client's: `BAD_USER_INPUT`.
pub fn assign_codes(response: &mut Response) {
    for err in &mut response.errors {
        if err
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some())
        {
            continue;
        }
        let code = if err.path.is_empty() {
            "GRAPHQL_VALIDATION_FAILED"
        } else {
            "BAD_USER_INPUT"
        };
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_ignores_strings_and_comments() {
        assert!(
            check_text(
                r#"{ a(s: "{{{{[[[[") # {{{{
        }"#,
                100
            )
            .is_ok()
        );
        let deep = format!("{}{}", "{a".repeat(65), "}".repeat(65));
        assert!(check_text(&deep, 10_000).is_err());
        let block = format!("{{ a(s: \"\"\"{}\"\"\") }}", "{".repeat(100));
        assert!(check_text(&block, 100).is_ok());
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
        let err = check_document(&doc, &Variables::default(), None, &Settings::default());
        assert!(matches!(err, Err(Error::QueryTooComplex(_))));
    }
}
