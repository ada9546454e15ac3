//! Every relation is navigable from both ends, with roles on the edges, and nested lists
//! page, filter and sort like root lists.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::{common::*, db_test};

/// One end of a relation: a root list, the field on its nodes, and the edge's own field.
#[derive(Clone, Copy)]
struct End {
    list: &'static str,
    field: &'static str,
    /// `Some(edge field)` for connections (`""` for plain ones); `None` for a to-one link.
    edge: Option<&'static str>,
}

const fn many(list: &'static str, field: &'static str, edge: &'static str) -> End {
    End {
        list,
        field,
        edge: Some(edge),
    }
}

const fn to_one(list: &'static str, field: &'static str) -> End {
    End {
        list,
        field,
        edge: None,
    }
}

type Pair = (String, String, String);

/// The (node, related node, edge value) triples seen from one end.
async fn pairs(app: &TestApp, end: End) -> BTreeSet<Pair> {
    let q = match end.edge {
        Some(edge) => format!(
            "{{ {}(first: 100) {{ nodes {{ id {}(first: 100) {{ totalCount edges {{ {edge} node {{ id }} }} }} }} }} }}",
            end.list, end.field
        ),
        None => format!(
            "{{ {}(first: 100) {{ nodes {{ id {} {{ id }} }} }} }}",
            end.list, end.field
        ),
    };
    let d = app.data(&q, json!({})).await;
    let mut out = BTreeSet::new();
    for node in d[end.list]["nodes"].as_array().unwrap() {
        let id = node["id"].as_str().unwrap().to_string();
        match end.edge {
            Some(edge) => {
                let edges = node[end.field]["edges"].as_array().unwrap();
                assert_eq!(
                    node[end.field]["totalCount"].as_u64().unwrap() as usize,
                    edges.len()
                );
                for e in edges {
                    let value = if edge.is_empty() {
                        Value::Null
                    } else {
                        e[edge.split_whitespace().next().unwrap()].clone()
                    };
                    out.insert((
                        id.clone(),
                        e["node"]["id"].as_str().unwrap().to_string(),
                        value.to_string(),
                    ));
                }
            }
            None => {
                if let Some(other) = node[end.field]["id"].as_str() {
                    out.insert((id.clone(), other.to_string(), Value::Null.to_string()));
                }
            }
        }
    }
    out
}

fn flip(pairs: &BTreeSet<Pair>) -> BTreeSet<Pair> {
    pairs
        .iter()
        .map(|(a, b, e)| (b.clone(), a.clone(), e.clone()))
        .collect()
}

const RELATIONS: &[(End, End)] = &[
    (
        many("dialogues", "workshops", ""),
        to_one("workshops", "dialogue"),
    ),
    (
        many("dialogues", "editions", ""),
        to_one("dialogues", "series"),
    ),
    (
        many("dialogues", "participants", "role"),
        many("organisations", "dialogues", "role"),
    ),
    (
        many("workshops", "participants", "role"),
        many("organisations", "workshops", "role"),
    ),
    (
        many("dialogues", "people", "role"),
        many("people", "dialogues", "role"),
    ),
    (
        many("workshops", "people", "role"),
        many("people", "workshops", "role"),
    ),
    (
        many("dialogues", "reports", "role"),
        many("reports", "dialogues", "role"),
    ),
    (
        many("workshops", "reports", "role"),
        many("reports", "workshops", "role"),
    ),
    (
        many("reports", "publishers", ""),
        many("organisations", "reports", ""),
    ),
    (
        many("reports", "authors", ""),
        many("people", "reports", ""),
    ),
    (
        many("tools", "developers", "role"),
        many("organisations", "tools", "role"),
    ),
    (
        many("workshops", "tools", ""),
        many("tools", "workshops", ""),
    ),
    (
        many("organisations", "children", ""),
        to_one("organisations", "parent"),
    ),
    (
        many("people", "affiliations", "startDate"),
        many("organisations", "affiliates", "startDate"),
    ),
    (
        many("dialogues", "themes", ""),
        many("themes", "dialogues", ""),
    ),
    (
        many("workshops", "themes", ""),
        many("themes", "workshops", ""),
    ),
    (many("reports", "themes", ""), many("themes", "reports", "")),
    (many("tools", "themes", ""), many("themes", "tools", "")),
    (
        many("organisations", "themes", ""),
        many("themes", "organisations", ""),
    ),
    (many("people", "themes", ""), many("themes", "people", "")),
    (many("themes", "narrower", ""), to_one("themes", "broader")),
];

db_test!(every_relation_is_navigable_from_both_ends, empty, |app| {
    generate(&app, &small_shape()).await;
    for (a, b) in RELATIONS {
        let forward = pairs(&app, *a).await;
        let backward = pairs(&app, *b).await;
        assert!(
            !forward.is_empty(),
            "{}.{} has no edges to check",
            a.list,
            a.field
        );
        assert_eq!(
            forward,
            flip(&backward),
            "{}.{} against {}.{}",
            a.list,
            a.field,
            b.list,
            b.field
        );
    }
    // Partnerships are mutual: each shows from both sides, with its level.
    let partners = pairs(&app, many("organisations", "partners", "level")).await;
    assert!(!partners.is_empty());
    assert_eq!(partners, flip(&partners));
});

db_test!(nested_lists_page_filter_and_sort_per_parent, empty, |app| {
    generate(&app, &small_shape()).await;
    let all = app
        .data("{ dialogues(first: 3) { nodes { id workshops(orderBy: {field: POSITION}) { nodes { id position } } } } }", json!({}))
        .await;
    let page1 = app
        .data(
            "{ dialogues(first: 3) { nodes { workshops(first: 2, orderBy: {field: POSITION}) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } } }",
            json!({}),
        )
        .await;
    for (full, first) in all["dialogues"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(page1["dialogues"]["nodes"].as_array().unwrap())
    {
        let ids = strings(&full["workshops"]["nodes"], "id");
        assert_eq!(ids.len(), 3);
        assert_eq!(strings(&first["workshops"]["nodes"], "id"), ids[..2]);
        assert_eq!(first["workshops"]["totalCount"], 3);
        assert_eq!(first["workshops"]["pageInfo"]["hasNextPage"], true);
        // The next page of this parent's workshops, from its cursor.
        let rest = app
            .data(
                "query($id: ID!, $c: String) { node(id: $id) { ... on Dialogue { workshops(first: 2, after: $c, orderBy: {field: POSITION}) { pageInfo { hasNextPage } nodes { id } } } } }",
                json!({ "id": full["id"], "c": first["workshops"]["pageInfo"]["endCursor"] }),
            )
            .await;
        assert_eq!(strings(&rest["node"]["workshops"]["nodes"], "id"), ids[2..]);
        assert_eq!(rest["node"]["workshops"]["pageInfo"]["hasNextPage"], false);
    }
    let d = app
        .data(
            r#"{ dialogues(first: 3) { nodes {
                last: workshops(last: 1, orderBy: {field: POSITION}) { nodes { position } pageInfo { hasPreviousPage } }
                desc: workshops(orderBy: {field: POSITION, direction: DESC}) { nodes { position } }
                late: workshops(filter: {position: {gte: 2}}) { totalCount nodes { position } }
            } } }"#,
            json!({}),
        )
        .await;
    for n in d["dialogues"]["nodes"].as_array().unwrap() {
        assert_eq!(
            n["last"],
            json!({ "nodes": [{ "position": 3 }], "pageInfo": { "hasPreviousPage": true } })
        );
        assert_eq!(
            n["desc"]["nodes"],
            json!([{ "position": 3 }, { "position": 2 }, { "position": 1 }])
        );
        assert_eq!(
            n["late"],
            json!({ "totalCount": 2, "nodes": [{ "position": 2 }, { "position": 3 }] })
        );
    }
    // Role arguments keep only the edges with those roles.
    let d = app
        .data(
            "{ workshops(first: 100) { nodes { participants(role: [HOST]) { edges { role } } } } }",
            json!({}),
        )
        .await;
    let roles: BTreeSet<String> = d["workshops"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| strings(&n["participants"]["edges"], "role"))
        .collect();
    assert_eq!(roles, BTreeSet::from(["HOST".to_string()]));
});
