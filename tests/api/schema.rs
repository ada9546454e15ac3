//! schema.graphql is the contract: it must be what the code builds, and documented.

#[test]
fn schema_graphql_is_what_the_code_builds() {
    let built = agora::sdl();
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .unwrap_or_default();
    assert!(
        built == file,
        "schema.graphql differs from the schema the code builds: run \
         `cargo run -- schema > schema.graphql` and review the change"
    );
}

#[test]
fn every_type_field_argument_and_value_is_documented() {
    let sdl = agora::sdl();
    let lines: Vec<&str> = sdl.lines().collect();
    let mut undocumented = Vec::new();
    let mut in_doc = false;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t == "\"\"\"" {
            in_doc = !in_doc;
            continue;
        }
        let one_line_doc = t.starts_with("\"\"\"") && t.ends_with("\"\"\"") && t.len() > 3;
        if in_doc || one_line_doc || t.is_empty() || t == "}" || t.starts_with(')') {
            continue;
        }
        let root = [
            "schema",
            "query:",
            "mutation:",
            "subscription:",
            "directive",
        ];
        if root.iter().any(|r| t.starts_with(r)) {
            continue;
        }
        let previous = lines[i - 1].trim();
        if !previous.ends_with("\"\"\"") {
            undocumented.push(t.to_string());
        }
    }
    assert!(
        undocumented.is_empty(),
        "undocumented items: {undocumented:#?}"
    );
}
