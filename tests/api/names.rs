//! Tables and columns are named in one place: the entity crate. Agora's source names them
//! through it (`table!`, `column_name!`, `col!`, and the constants built with them), so
//! that a misspelt name fails to compile. This test reads `src/` and fails on a string
//! literal that names a table or a column instead:
//!
//! - any literal equal to a table's name, or to a column's name with an underscore in it
//!   (`"dialogue_participant"`, `"start_date"`): such words are names of the database and
//!   nothing else;
//! - a literal equal to any column's name given directly to a call that builds SQL or reads
//!   a row by column (`col(t, "year")`, `try_get("", "name")`, `values.get("url")`, ...).
//!
//! Single words that are also GraphQL field names, JSON keys or names of translatable
//! fields (`"name"` in `Error::field("name", ...)` or a JSON-LD `"name"` key) are not
//! the database's names and are left alone. The few literals that are a table's name in
//! another vocabulary are listed below, each with what it means there.

use std::{collections::BTreeSet, path::Path};

/// Literals equal to a table's name that mean something else where they are used.
const OTHER_MEANINGS: &[(&str, &str, &str)] = &[
    (
        "src/cli.rs",
        "organisation",
        "a column heading of `agora keys list`",
    ),
    ("src/export/citation.rs", "report", "CSL-JSON's item type"),
    (
        "src/export/jsonld.rs",
        "affiliation",
        "schema.org's property of a person",
    ),
    (
        "src/workshop/mutation.rs",
        "dialogue",
        "the field `dialogue` of WorkshopInput",
    ),
    (
        "src/plan/build.rs",
        "source",
        "the field `source` of LocalizedText",
    ),
];

/// Calls that build SQL or read a row by a column's name, and which of their arguments
/// names a column (`None`: any). A column name given to one of them as a whole argument is
/// a string name of the database. A path with a dot or `::` matches the end of a call's
/// path; a single word matches a call of that name, method or path.
const SQL_CALLS: &[(&str, Option<usize>)] = &[
    ("col", None),
    ("Column", None),
    ("column", None),
    ("column_as", None),
    ("expr_as", None),
    ("try_get", None),
    ("order_by", None),
    ("group_by_col", None),
    ("equals", None),
    ("value", None),
    ("values.get", None),
    ("fields.get", None),
    ("all_columns.get", None),
    // `set::<N>(row, column, value)`, the writes' setter (not `extensions.set`).
    ("^set", Some(1)),
    // The rules of a column: its name first, then the input field's name.
    ("text_column", Some(0)),
    ("int_column", Some(0)),
];

/// The tables of the entity crate and the columns of their models.
fn entity_names() -> (BTreeSet<String>, BTreeSet<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("entity/src");
    let (mut tables, mut columns) = (BTreeSet::new(), BTreeSet::new());
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let Some(at) = text.find("table_name = \"") else {
            continue;
        };
        let rest = &text[at + "table_name = \"".len()..];
        tables.insert(rest[..rest.find('"').unwrap()].to_string());
        let model = &text[text.find("pub struct Model").unwrap()..];
        let model = &model[..model.find("\n}").unwrap()];
        for line in model.lines() {
            if let Some(field) = line.trim().strip_prefix("pub ")
                && let Some((name, _)) = field.split_once(':')
            {
                columns.insert(name.trim().to_string());
            }
        }
    }
    (tables, columns)
}

/// A string literal of the source: its text, its line, the call it is a whole argument of
/// (the callee's path, generics left out, e.g. `w::text_column` or `row.values.get`) and
/// which argument it is.
#[derive(Debug)]
struct Literal {
    text: String,
    line: usize,
    call: Option<(String, usize)>,
}

/// The string literals of Rust source, comments left out.
fn literals(source: &str) -> Vec<Literal> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    // Open brackets: for `(`, the callee and the index of the current argument, and
    // whether the current argument holds anything but one literal.
    struct Open {
        callee: Option<String>,
        arg: usize,
        other: bool,
        literal: Option<usize>,
    }
    let mut stack: Vec<Open> = Vec::new();
    let (mut i, mut line) = (0, 1);
    let close_arg = |open: &mut Open, out: &mut Vec<Literal>| {
        if let (Some(at), false, Some(callee)) = (open.literal, open.other, &open.callee) {
            out[at].call = Some((callee.clone(), open.arg));
        }
        open.literal = None;
        open.other = false;
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                line += usize::from(chars[i] == '\n');
                i += 1;
            }
            i += 2;
        } else if c == '"' || (c == 'r' && matches!(next, Some('"' | '#'))) {
            // A string, plain or raw (r"..", r#".."#).
            let raw = c == 'r';
            let mut hashes = 0;
            if raw {
                i += 1;
                while chars[i] == '#' {
                    hashes += 1;
                    i += 1;
                }
            }
            let start_line = line;
            i += 1;
            let mut text = String::new();
            loop {
                let d = chars[i];
                if d == '\\' && !raw {
                    text.push(d);
                    text.push(chars[i + 1]);
                    i += 2;
                    continue;
                }
                if d == '"' && chars[i + 1..].iter().take(hashes).all(|h| *h == '#') {
                    i += 1 + hashes;
                    break;
                }
                line += usize::from(d == '\n');
                text.push(d);
                i += 1;
            }
            out.push(Literal {
                text,
                line: start_line,
                call: None,
            });
            if let Some(open) = stack.last_mut() {
                if open.literal.is_some() {
                    open.other = true;
                }
                open.literal = Some(out.len() - 1);
            }
        } else if c == '\'' {
            // A character literal ('x', '\n', '"'), or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if matches!(c, '(' | '[' | '{') {
            let callee = (c == '(').then(|| callee_before(&chars[..i])).flatten();
            if let Some(open) = stack.last_mut() {
                open.other = true;
            }
            stack.push(Open {
                callee,
                arg: 0,
                other: false,
                literal: None,
            });
            i += 1;
        } else if matches!(c, ')' | ']' | '}') {
            if let Some(mut open) = stack.pop() {
                close_arg(&mut open, &mut out);
            }
            i += 1;
        } else if c == ',' {
            if let Some(open) = stack.last_mut() {
                close_arg(open, &mut out);
                open.arg += 1;
            }
            i += 1;
        } else {
            if !c.is_whitespace()
                && let Some(open) = stack.last_mut()
            {
                open.other = true;
            }
            i += 1;
        }
    }
    out
}

/// The path of the function called at the end of `before` (`w::text_column`,
/// `row.values.get`, `set::<N>` read as `set`), if `before` ends in one.
fn callee_before(before: &[char]) -> Option<String> {
    let mut end = before.len();
    // Generics of a turbofish: `set::<N>(`.
    if end > 0 && before[end - 1] == '>' {
        let mut depth = 0;
        while end > 0 {
            end -= 1;
            match before[end] {
                '>' => depth += 1,
                '<' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        if end >= 2 && before[end - 2..end] == [':', ':'] {
            end -= 2;
        }
    }
    let mut start = end;
    while start > 0 && (before[start - 1].is_alphanumeric() || "_.:".contains(before[start - 1])) {
        start -= 1;
    }
    let path: String = before[start..end].iter().collect();
    let path = path.trim_matches(|c| c == '.' || c == ':');
    (!path.is_empty() && !path.ends_with('!')).then(|| path.to_string())
}

/// Whether a call is one of [`SQL_CALLS`], whose argument `arg` names a column.
fn builds_sql(callee: &str, arg: usize) -> bool {
    SQL_CALLS.iter().any(|(call, which)| {
        let matches = match call.strip_prefix('^') {
            Some(bare) => callee == bare,
            None => {
                callee == *call
                    || callee.ends_with(&format!(".{call}"))
                    || callee.ends_with(&format!("::{call}"))
            }
        };
        matches && which.is_none_or(|w| w == arg)
    })
}

/// The literals of `source` (the file `path`) that name a table or a column.
fn names_in(
    path: &str,
    source: &str,
    (tables, columns): &(BTreeSet<String>, BTreeSet<String>),
) -> Vec<String> {
    let mut found = Vec::new();
    for lit in literals(source) {
        let text = lit.text.as_str();
        let other_meaning = OTHER_MEANINGS
            .iter()
            .any(|(file, word, _)| path.ends_with(file) && *word == text);
        let database_word = tables.contains(text) || (columns.contains(text) && text.contains('_'));
        let in_sql = columns.contains(text)
            && lit
                .call
                .as_ref()
                .is_some_and(|(callee, arg)| builds_sql(callee, *arg));
        if (database_word && !other_meaning) || in_sql {
            let call = lit
                .call
                .map(|(c, a)| format!(" (argument {a} of `{c}`)"))
                .unwrap_or_default();
            found.push(format!("{path}:{}: \"{text}\"{call}", lit.line));
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn the_reader_finds_string_names_where_they_are() {
    let names = entity_names();
    assert!(
        names.0.contains("dialogue_participant") && names.0.len() >= 20,
        "{names:?}"
    );
    assert!(
        names.1.contains("start_date") && names.1.contains("year"),
        "{names:?}"
    );

    // Positive control: each kind of string name is found, with its line.
    let bad = r#"
fn f() {
    let e = col(table, "year");
    let n: String = row.try_get("", "name")?;
    q.from("dialogue_participant");
    let d = "start_date";
    set::<N>(&mut row, "partner_id", v)?;
    let c = value(row, "city");
    let s = w::text_column("slug", "slug", s)?;
    let u = row.values.get("url");
}
"#;
    let found = names_in("src/x.rs", bad, &names);
    let lines: Vec<_> = found
        .iter()
        .map(|f| f.split(": ").next().unwrap().to_string())
        .collect();
    let expected: Vec<_> = [3, 4, 5, 6, 7, 8, 9, 10]
        .iter()
        .map(|l| format!("src/x.rs:{l}"))
        .collect();
    assert_eq!(lines, expected, "{found:#?}");

    // And what is not a database's name is left alone: GraphQL fields, JSON keys,
    // translatable fields, comments, a column's rule's second argument (the input field).
    let good = r##"
/// The "dialogue_participant" table, `col(t, "year")`.
fn f() {
    // q.from("dialogue_participant");
    /* col(t, "year") */
    let e = Error::field("year", "must be the year of the start date");
    put(&mut doc, "name", texts(row, "title"));
    let j = json!({ "id": id, "code": code });
    e.set("code", self.code());
    let s = w::text_column(column_name!(dialogue.slug), "slug", s)?;
    let c = '"';
    let r = r#"a "quoted" word"#;
}
"##;
    assert_eq!(names_in("src/x.rs", good, &names), Vec::<String>::new());
}

#[test]
fn the_source_names_tables_and_columns_through_the_entity_crate() {
    let names = entity_names();
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 100, "{} files", files.len());
    let found: Vec<String> = files
        .iter()
        .flat_map(|(path, source)| names_in(path, source, &names))
        .collect();
    assert!(
        found.is_empty(),
        "string names of tables or columns (name them with table!, column_name! or col!):\n{}",
        found.join("\n")
    );
    // Each listed other meaning is still used: a stale entry would hide a new name.
    for (file, word, meaning) in OTHER_MEANINGS {
        let (_, source) = files.iter().find(|(p, _)| p.ends_with(file)).unwrap();
        assert!(
            literals(source).iter().any(|l| l.text == *word),
            "{file} no longer says \"{word}\" ({meaning}): remove it from the list"
        );
    }
}
