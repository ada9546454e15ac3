//! The read planner (`agora::plan`) against async-graphql's executor.
//!
//! Every test of the suite runs with `read_oracle` on: each query the planner serves is
//! also executed by async-graphql, and a disagreement fails the request. These tests show
//! that the planner does serve the reads it knows (counted at `/metrics`), that it leaves
//! the others to the executor, and run a set of shapes through both.

use serde_json::json;

use crate::{common::*, db_test, spec::engines};

/// Planned operations that ran without async-graphql so far.
async fn skipped(app: &TestApp) -> u64 {
    let request = axum::http::Request::get("/metrics")
        .body(axum::body::Body::empty())
        .unwrap();
    let (_, metrics) = app.send(request).await;
    metrics
        .as_str()
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("agora_graphql_validation_skipped_total "))
        .map(|n| n.trim().parse().unwrap())
        .unwrap_or(0)
}

/// Runs `query` (with `headers`), which must succeed on the planner; returns its data.
async fn planned(
    app: &TestApp,
    query: &str,
    variables: serde_json::Value,
    headers: &[(&str, &str)],
) -> serde_json::Value {
    let before = engines(app).await;
    let body = app.post_with(query, variables, headers).await;
    assert!(
        body.get("errors").is_none(),
        "errors (a disagreement shows both answers): {body:#}\nquery: {query}"
    );
    let after = engines(app).await;
    assert_eq!(
        after,
        (before.0 + 1, before.1),
        "the planner should have answered {query}"
    );
    body["data"].clone()
}

const NESTED: &str = r#"{
  dialogues(first: 5) {
    nodes {
      id slug
      workshops(first: 3) {
        nodes {
          id
          participants(first: 2) { edges { role node { id slug name(lang: "en") { text } } } }
        }
      }
    }
  }
}"#;

db_test!(
    the_planner_answers_what_it_knows_and_the_executor_the_rest,
    seeded,
    |app| {
        // Positive control: a nested read is the planner's.
        let data = planned(&app, NESTED, json!({}), &[]).await;
        assert!(!data["dialogues"]["nodes"].as_array().unwrap().is_empty());
        // A field it does not serve (JSON-LD) sends the whole operation to the executor.
        let before = engines(&app).await;
        app.data(
            "{ dialogues(first: 2) { nodes { slug jsonLd } } }",
            json!({}),
        )
        .await;
        assert_eq!(engines(&app).await, (before.0, before.1 + 1));
        // So does a lookup whose column is not unique (a report's symbol).
        let before = engines(&app).await;
        app.data(
            r#"{ reportBySymbol(symbol: "A/RES/73/195") { id } }"#,
            json!({}),
        )
        .await;
        assert_eq!(engines(&app).await, (before.0, before.1 + 1));
        // Lookups by a unique column are the planner's, a missing one null.
        let data = planned(
            &app,
            r#"{ a: dialogueBySlug(slug: "idm") { slug title { text } } b: dialogueBySlug(slug: "none") { slug }
                 themeByCode(code: "GCM-5") { code } organisationBySlug(slug: "iom") { name { text } } }"#,
            json!({}),
            &[],
        )
        .await;
        assert_eq!(data["a"]["slug"], "idm");
        assert!(data["b"].is_null());
    }
);

db_test!(planned_reads_agree_with_the_executor, seeded, |app| {
    let id = app
        .data(r#"{ dialogueBySlug(slug: "idm-2018") { id } }"#, json!({}))
        .await["dialogueBySlug"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let shapes: &[(&str, serde_json::Value)] = &[
        (NESTED, json!({})),
        // Every scalar of a type, and the record fields.
        (
            "{ organisations(first: 10) { nodes { __typename id slug kind country foundedYear \
             memberStateCount countryPresenceCount website version createdAt updatedAt \
             originalLanguage } } }",
            json!({}),
        ),
        (
            "{ reports(first: 10) { nodes { symbol kind publishedOn year month url \
             title { text lang isFallback source __typename } summary(lang: \"fr\") { text } } } }",
            json!({}),
        ),
        (
            "{ themes(first: 30) { totalCount nodes { code scheme title { text } description { lang } } } }",
            json!({}),
        ),
        (
            "{ tools(first: 5) { nodes { kind year url name { text } } } }",
            json!({}),
        ),
        (
            "{ people(first: 5) { nodes { name summary { text } } } }",
            json!({}),
        ),
        // Connections: edges, cursors, page info, counts, backward pages, orders, filters.
        (
            "{ dialogues(last: 3, orderBy: { field: START_DATE, direction: DESC }) { \
             totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename } \
             edges { __typename cursor node { slug startDate } } } }",
            json!({}),
        ),
        (
            "query($f: Int, $c: String) { workshops(first: $f, after: $c) { \
             pageInfo { endCursor hasNextPage } nodes { id position } } }",
            json!({ "f": 2, "c": null }),
        ),
        (
            r#"{ dialogues(filter: { year: { gte: 2015 } }, first: 5) { totalCount nodes { year
                 participants(role: [ORGANISER, HOST], last: 2) { totalCount
                   edges { cursor role node { slug } } pageInfo { hasPreviousPage } } } } }"#,
            json!({}),
        ),
        // Links of every kind: by column, through edges, symmetric, typed sources.
        (
            "{ organisations(first: 20) { nodes { slug children(first: 2) { nodes { slug } } \
             partners(first: 3) { edges { level node { slug } } } \
             dialogues(first: 2) { edges { role node { slug startDate createdAt year } } } \
             reports(first: 2) { nodes { symbol } } tools(first: 2) { edges { role } } \
             affiliates(first: 2) { nodes { name } } } } }",
            json!({}),
        ),
        (
            "{ themes(first: 10) { nodes { code narrower { nodes { code } } \
             dialogues(first: 2) { nodes { slug } } organisations(first: 1) { totalCount } } } }",
            json!({}),
        ),
        (
            "{ reports(first: 5) { nodes { publishers { nodes { slug } } authors { nodes { name } } \
             dialogues { edges { role } } workshops(first: 1) { totalCount } } } }",
            json!({}),
        ),
        // Aliases, repeated keys, fragments, directives.
        (
            r#"query($skip: Boolean = true) { a: dialogues(first: 2) { nodes { ...D x: slug @skip(if: $skip) } }
                 b: dialogues(first: 2) { nodes { slug ... on Node { id } ... { year } } }
                 __typename }
               fragment D on Dialogue { slug title(lang: "es") { text lang isFallback } slug }"#,
            json!({}),
        ),
        // node(id:), with fragments on the type and on Node, and a missing node.
        (
            "query($id: ID!) { node(id: $id) { __typename id ... on Dialogue { slug workshops(first: 2) { nodes { id } } } } }",
            json!({ "id": id }),
        ),
        ("{ node(id: \"RGlhbG9ndWU6OTk5OTk5\") { id } }", json!({})),
    ];
    for (query, variables) in shapes {
        planned(&app, query, variables.clone(), &[]).await;
        // The languages of the request choose the texts too.
        planned(
            &app,
            query,
            variables.clone(),
            &[("accept-language", "fr-CH, es;q=0.5")],
        )
        .await;
    }
});

db_test!(
    a_planned_read_issues_as_many_statements_for_many_parents_as_for_few,
    seeded,
    |app| {
        let shape = |n: usize| {
            format!(
                "{{ dialogues(first: {n}) {{ nodes {{ title {{ text }} workshops(first: 5) {{ totalCount \
             nodes {{ title {{ text }} participants(first: 3) {{ edges {{ role node {{ name {{ text }} }} }} }} }} }} }} }} }}"
            )
        };
        let count = |query: String| {
            let app = &app;
            async move {
                let before = app.statements();
                planned(app, &query, json!({}), &[]).await;
                app.statements() - before
            }
        };
        let few = count(shape(2)).await;
        let many = count(shape(40)).await;
        // One statement per level, one for the texts of each list under many parents (the
        // root page chooses its texts in its own), one for the counts.
        assert_eq!(few, 6);
        assert_eq!(many, few);
    }
);

db_test!(
    a_document_validated_once_runs_on_the_planner_alone,
    exactly agora::config::Settings {
        rate_limit_operations: 0,
        rate_limit_cost: 0,
        ..agora::config::Settings::default()
    },
    |app| {
        // Without the oracle: the first run of a document goes through async-graphql
        // (parse, validation), the next ones straight to the planner; the answers stay
        // the same, with their variables.
        let query = "query($n: Int) { dialogues(first: $n) { nodes { slug title { text } } } }";
        let first = planned(&app, query, json!({ "n": 2 }), &[]).await;
        assert_eq!(skipped(&app).await, 0, "the first run is validated");
        let again = planned(&app, query, json!({ "n": 2 }), &[]).await;
        assert_eq!(skipped(&app).await, 1, "the second is not");
        assert_eq!(first, again);
        let three = planned(&app, query, json!({ "n": 3 }), &[]).await;
        assert_eq!(three["dialogues"]["nodes"].as_array().unwrap().len(), 3);
        assert_eq!(skipped(&app).await, 2);
        // A document that fails validation keeps failing: it is never remembered as valid
        // (an unused fragment is a validation error the planner alone would not see).
        let invalid = "{ dialogues(first: 1) { nodes { slug } } } fragment Unused on Dialogue { slug }";
        for _ in 0..2 {
            let body = app.post(invalid, json!({})).await;
            assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
        }
        // Variables of the wrong type are refused each time, validated document or not.
        let body = app.post(query, json!({ "n": "two" })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(skipped(&app).await, 2);
    }
);
