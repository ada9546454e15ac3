//! The layer rule, read from the code: the store (`src/repo/`, Agora's SQL) imports
//! nothing of the layers above it. GraphQL (`graphql`, the domain folders' objects), the
//! read planner, HTTP and the browser pages build on the store, never the other way.
//!
//! The store may use: `error`, itself, the acting principal of a write (`auth`), the
//! change feed's hub and idempotency claims it writes with (`sync`), and the text
//! analysis of the search index it fills (`search`).

use std::{collections::BTreeSet, path::Path};

/// The top-level modules of the crate a source file names (`crate::x`, and each `x` of
/// `use crate::{x::.., y}`), comments left out.
fn modules_named(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices("crate::") {
        // `$crate::` in a macro names the crate the macro is used in, not a layer.
        if code[..at].ends_with('$') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The top level of the group: names at depth 0, each first in its item.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if depth == 0 && item_start && c.is_ascii_alphabetic() => {
                        names.insert(ident(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            names.insert(ident(rest));
        }
    }
    names
}

fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
    out
}

#[test]
fn the_store_imports_nothing_from_the_layers_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed = ["error", "repo", "auth", "sync", "search"];

    // Positive control: the reader finds the GraphQL layer where it is used, in a
    // grouped import and in a plain path.
    let list = std::fs::read_to_string(src.join("graphql/list.rs")).unwrap();
    assert!(modules_named(&list).contains("graphql"), "{list}");
    assert!(modules_named("fn f() { crate::http::x(); }").contains("http"));
    assert!(!modules_named("// crate::http::x").contains("http"));
    assert!(!modules_named("$crate::table!(x)").contains("table"));

    let store = files(&src.join("repo"));
    assert!(store.len() >= 10, "the store's files: {}", store.len());
    for (path, source) in store {
        let named = modules_named(&source);
        let above: Vec<_> = named
            .iter()
            .filter(|m| !allowed.contains(&m.as_str()))
            .collect();
        assert!(
            above.is_empty(),
            "{path} imports {above:?}, above the store (allowed: {allowed:?})"
        );
    }
}
