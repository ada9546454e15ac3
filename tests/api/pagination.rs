//! Keyset pagination over every root connection, forwards and backwards, in several orders.

use serde_json::{Value, json};

use crate::{common::*, db_test};

/// Every root connection, with orders to try (one on a column that can be null).
const LISTS: &[(&str, &[&str])] = &[
    ("dialogues", &["SLUG", "START_DATE", "YEAR"]),
    ("workshops", &["POSITION", "START_DATE"]),
    ("reports", &["SYMBOL", "PUBLISHED_ON"]),
    ("tools", &["YEAR", "CREATED_AT"]),
    (
        "organisations",
        &["SLUG", "FOUNDED_YEAR", "MEMBER_STATE_COUNT"],
    ),
    ("people", &["NAME", "UPDATED_AT"]),
    ("themes", &["CODE"]),
];

fn order(field: Option<&str>, direction: &str) -> Value {
    match field {
        Some(f) => json!({ "field": f, "direction": direction }),
        None => Value::Null,
    }
}

async fn page(app: &TestApp, list: &str, args: &str, order: &Value, cursor: Option<&str>) -> Value {
    let cursor_var = if args.contains("$c") {
        ", $c: String"
    } else {
        ""
    };
    let q = format!(
        "query($o: {ty}Order{cursor_var}) {{ {list}({args}, orderBy: $o) {{
            totalCount edges {{ cursor node {{ id }} }}
            pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}",
        ty = type_of(list),
    );
    let vars = if cursor_var.is_empty() {
        json!({ "o": order })
    } else {
        json!({ "o": order, "c": cursor })
    };
    app.data(&q, vars).await[list].clone()
}

fn type_of(list: &str) -> &'static str {
    match list {
        "dialogues" => "Dialogue",
        "workshops" => "Workshop",
        "reports" => "Report",
        "tools" => "Tool",
        "organisations" => "Organisation",
        "people" => "Person",
        _ => "Theme",
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .collect()
}

db_test!(
    walking_pages_gives_the_one_big_page_forwards_and_backwards,
    empty,
    |app| {
        generate(&app, &small_shape()).await;
        for (list, fields) in LISTS {
            let mut orders = vec![order(None, "ASC")];
            for f in *fields {
                orders.push(order(Some(f), "ASC"));
                orders.push(order(Some(f), "DESC"));
            }
            for o in &orders {
                let all = page(&app, list, "first: 100", o, None).await;
                let expected = ids(&all);
                assert_eq!(all["totalCount"].as_u64().unwrap() as usize, expected.len());
                assert!(expected.len() >= 8, "{list} needs more rows");

                let mut walked = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let p = page(&app, list, "first: 2, after: $c", o, cursor.as_deref()).await;
                    walked.extend(ids(&p));
                    assert_eq!(p["pageInfo"]["hasPreviousPage"], cursor.is_some());
                    if !p["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                        break;
                    }
                    cursor = p["pageInfo"]["endCursor"].as_str().map(str::to_string);
                    assert!(
                        walked.len() <= expected.len(),
                        "{list} {o}: the walk does not end"
                    );
                }
                assert_eq!(walked, expected, "{list} ordered by {o}, forwards");

                let mut backwards = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let p = page(&app, list, "last: 3, before: $c", o, cursor.as_deref()).await;
                    let mut chunk = ids(&p);
                    chunk.reverse();
                    backwards.extend(chunk);
                    assert_eq!(p["pageInfo"]["hasNextPage"], cursor.is_some());
                    if !p["pageInfo"]["hasPreviousPage"].as_bool().unwrap() {
                        break;
                    }
                    cursor = p["pageInfo"]["startCursor"].as_str().map(str::to_string);
                    assert!(
                        backwards.len() <= expected.len(),
                        "{list} {o}: the walk does not end"
                    );
                }
                backwards.reverse();
                assert_eq!(backwards, expected, "{list} ordered by {o}, backwards");
            }
        }
    }
);

db_test!(
    orders_put_unknown_values_last_and_break_ties_by_id,
    empty,
    |app| {
        generate(&app, &small_shape()).await;
        for direction in ["ASC", "DESC"] {
            let d = app
            .data(
                "query($d: OrderDirection!) { reports(first: 100, orderBy: {field: SYMBOL, direction: $d}) { nodes { id symbol } } }",
                json!({ "d": direction }),
            )
            .await;
            let rows: Vec<(Option<String>, i64)> = d["reports"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| {
                    let (_, id) = agora::graphql::id::decode(n["id"].as_str().unwrap()).unwrap();
                    (n["symbol"].as_str().map(str::to_string), id)
                })
                .collect();
            let mut expected = rows.clone();
            expected.sort_by(|a, b| match (&a.0, &b.0) {
                (None, None) => {
                    if direction == "ASC" {
                        a.1.cmp(&b.1)
                    } else {
                        b.1.cmp(&a.1)
                    }
                }
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(x), Some(y)) => {
                    let o = x.cmp(y).then(a.1.cmp(&b.1));
                    if direction == "ASC" { o } else { o.reverse() }
                }
            });
            assert!(rows.iter().any(|r| r.0.is_none()) && rows.iter().any(|r| r.0.is_some()));
            assert_eq!(rows, expected, "{direction}");
        }
    }
);

db_test!(
    page_size_defaults_to_20_and_empty_pages_are_well_formed,
    empty,
    |app| {
        generate(&app, &small_shape()).await;
        let d = app
            .data(
                "{ organisations { edges { cursor } pageInfo { hasNextPage } } }",
                json!({}),
            )
            .await;
        assert_eq!(d["organisations"]["edges"].as_array().unwrap().len(), 20);
        assert_eq!(d["organisations"]["pageInfo"]["hasNextPage"], true);
        let d = app
        .data(
            r#"{ organisations(first: 0) { edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount }
                 tools(filter: {year: {lt: 0}}) { nodes { id } pageInfo { hasNextPage startCursor } totalCount } }"#,
            json!({}),
        )
        .await;
        assert_eq!(
            d["organisations"],
            json!({ "edges": [], "pageInfo": { "hasNextPage": true, "hasPreviousPage": false, "startCursor": null, "endCursor": null }, "totalCount": 30 })
        );
        assert_eq!(
            d["tools"],
            json!({ "nodes": [], "pageInfo": { "hasNextPage": false, "startCursor": null }, "totalCount": 0 })
        );
    }
);
