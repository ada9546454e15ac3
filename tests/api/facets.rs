//! Facets and time series: each equal to counts the test computes itself from the records,
//! under the connection's filter, in a bounded number of SQL statements.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::{common::*, db_test};

/// Counts of values, as facets give them (`value` → `count`).
fn tally(values: impl IntoIterator<Item = Option<String>>) -> BTreeMap<Option<String>, i64> {
    let mut out = BTreeMap::new();
    for v in values {
        *out.entry(v).or_insert(0) += 1;
    }
    out
}

fn buckets(facet: &Value) -> BTreeMap<Option<String>, i64> {
    facet
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["value"].as_str().map(str::to_string),
                b["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// All the nodes of a root list, page by page.
async fn all(app: &TestApp, list: &str, filter: &Value, fields: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let q = format!(
            "query($f: {ty}Filter, $a: String) {{ {list}(filter: $f, first: 100, after: $a) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {fields} }} }} }}",
            ty = match list {
                "dialogues" => "Dialogue",
                "workshops" => "Workshop",
                "reports" => "Report",
                "organisations" => "Organisation",
                _ => unreachable!(),
            }
        );
        let d = app.data(&q, json!({ "f": filter, "a": after })).await;
        out.extend(d[list]["nodes"].as_array().unwrap().iter().cloned());
        if d[list]["pageInfo"]["hasNextPage"] == false {
            return out;
        }
        after = d[list]["pageInfo"]["endCursor"].clone();
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

db_test!(
    facets_equal_counts_computed_from_the_records,
    empty,
    |app| {
        generate(&app, &small_shape()).await;
        // A deleted dialogue, with a year and themes, counts in no facet (the indexes
        // facets read hold live records only; the theme facet joins the records).
        let d = app
            .data(
                r#"{ organisations(first: 1) { nodes { slug } }
                     dialogues(first: 1, filter: {year: {gte: 2016}}) { nodes { id themes(first: 1) { totalCount } } } }"#,
                json!({}),
            )
            .await;
        let gone = &d["dialogues"]["nodes"][0];
        assert!(gone["themes"]["totalCount"].as_i64().unwrap() > 0, "{d}");
        let admin = app
            .key(
                d["organisations"]["nodes"][0]["slug"].as_str().unwrap(),
                "admin",
            )
            .await;
        let r = app
            .data_as(
                &admin,
                "mutation($id: ID!) { deleteDialogue(id: $id) { outcome } }",
                json!({ "id": gone["id"] }),
            )
            .await;
        assert_eq!(r["deleteDialogue"]["outcome"], "DELETED");
        for filter in [
            json!(null),
            json!({ "year": { "gte": 2016 } }),
            json!({ "country": { "in": ["CH", "KE", "TH"] } }),
        ] {
            let d = app
            .data(
                r#"query($f: DialogueFilter) { dialogues(filter: $f, first: 1) {
                    totalCount
                    facets { year { value count } country { value count } language { value count }
                             theme { value count } participantKind { value count } participantRole { value count }
                             perYear { year count } } } }"#,
                json!({ "f": filter }),
            )
            .await;
            let facets = &d["dialogues"]["facets"];
            let nodes = all(
                &app,
                "dialogues",
                &filter,
                "year country availableLanguages themes(first: 100) { nodes { code } }
             participants(first: 100) { edges { role node { id kind } } }",
            )
            .await;
            assert_eq!(
                d["dialogues"]["totalCount"].as_i64().unwrap(),
                nodes.len() as i64
            );
            assert_eq!(
                buckets(&facets["year"]),
                tally(nodes.iter().map(|n| text(&n["year"]))),
                "{filter}"
            );
            assert_eq!(
                buckets(&facets["country"]),
                tally(nodes.iter().map(|n| text(&n["country"])))
            );
            assert_eq!(
                buckets(&facets["language"]),
                tally(nodes.iter().flat_map(|n| {
                    n["availableLanguages"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|l| l.as_str().map(str::to_string))
                        .collect::<Vec<_>>()
                }))
            );
            assert_eq!(
                buckets(&facets["theme"]),
                tally(
                    nodes
                        .iter()
                        .flat_map(|n| strings(&n["themes"]["nodes"], "code").into_iter().map(Some))
                )
            );
            // A dialogue counts once per kind and per role, however many organisations have it.
            let per_dialogue = |key: &dyn Fn(&Value) -> String| {
                tally(nodes.iter().flat_map(|n| {
                    let mut values: Vec<String> = n["participants"]["edges"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(key)
                        .collect();
                    values.sort();
                    values.dedup();
                    values.into_iter().map(Some)
                }))
            };
            assert_eq!(
                buckets(&facets["participantKind"]),
                per_dialogue(&|e| e["node"]["kind"].as_str().unwrap().to_string())
            );
            assert_eq!(
                buckets(&facets["participantRole"]),
                per_dialogue(&|e| e["role"].as_str().unwrap().to_string())
            );
            // The time series runs from the first year to the last, with zeros between.
            let series = facets["perYear"].as_array().unwrap();
            let years = tally(
                nodes
                    .iter()
                    .filter_map(|n| n["year"].as_i64())
                    .map(|y| Some(y.to_string())),
            );
            assert_eq!(series.len() as i64, {
                let ys: Vec<i64> = years.keys().flatten().map(|y| y.parse().unwrap()).collect();
                ys.last().unwrap_or(&0) - ys.first().unwrap_or(&1) + 1
            });
            for point in series {
                let y = Some(point["year"].as_i64().unwrap().to_string());
                assert_eq!(
                    point["count"].as_i64().unwrap(),
                    years.get(&y).copied().unwrap_or(0)
                );
            }
        }
    }
);

db_test!(report_and_organisation_facets, empty, |app| {
    generate(&app, &small_shape()).await;
    let d = app
        .data(
            r#"{ reports { facets { kind { value count } publisherKind { value count } } }
                 organisations(filter: {kind: {in: [GOVERNMENT, CIVIL_SOCIETY]}}) { totalCount facets { kind { value count } country { value count } } } }"#,
            json!({}),
        )
        .await;
    let reports = all(
        &app,
        "reports",
        &json!(null),
        "kind publishers(first: 100) { nodes { kind } }",
    )
    .await;
    assert_eq!(
        buckets(&d["reports"]["facets"]["kind"]),
        tally(reports.iter().map(|r| text(&r["kind"])))
    );
    assert_eq!(
        buckets(&d["reports"]["facets"]["publisherKind"]),
        tally(reports.iter().flat_map(|r| {
            let mut kinds = strings(&r["publishers"]["nodes"], "kind");
            kinds.sort();
            kinds.dedup();
            kinds.into_iter().map(Some)
        }))
    );
    let filter = json!({ "kind": { "in": ["GOVERNMENT", "CIVIL_SOCIETY"] } });
    let orgs = all(&app, "organisations", &filter, "kind country").await;
    let facets = &d["organisations"]["facets"];
    assert_eq!(
        buckets(&facets["kind"]),
        tally(orgs.iter().map(|o| text(&o["kind"])))
    );
    assert_eq!(
        buckets(&facets["country"]),
        tally(orgs.iter().map(|o| text(&o["country"])))
    );
    assert_eq!(buckets(&facets["kind"]).len(), 2);
});

db_test!(each_facet_is_one_statement, empty, |app| {
    generate(&app, &small_shape()).await;
    let count = |q: &'static str| {
        let app = &app;
        async move {
            let before = app.statements();
            app.data(q, json!({})).await;
            app.statements() - before
        }
    };
    let page = count("{ workshops(first: 5) { nodes { id } } }").await;
    let one = count("{ workshops(first: 5) { nodes { id } facets { year { count } } } }").await;
    let four = count(
        "{ workshops(first: 5) { nodes { id } facets { year { count } theme { count } language { count } participantKind { count } } } }",
    )
    .await;
    assert_eq!((one - page, four - page), (1, 4));
});
