//! Bad input gets a clear, coded error; internal details never reach the client.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::json;

use crate::{common::*, db_test};

db_test!(bad_arguments_are_bad_user_input, seeded, |app| {
    let cases = [
        r#"{ node(id: "not-an-id") { id } }"#,
        r#"{ node(id: "") { id } }"#,
        r#"{ dialogues(after: "garbage") { totalCount } }"#,
        r#"{ dialogues(first: 101) { totalCount } }"#,
        r#"{ dialogues(first: -1) { totalCount } }"#,
        r#"{ dialogues(last: 2147483647) { totalCount } }"#,
        r#"{ dialogues(first: 1, last: 1) { totalCount } }"#,
        r#"{ dialogues { nodes { title(lang: "xx") { text } } } }"#,
        r#"{ dialogues { nodes { title(lang: "") { text } } } }"#,
        r#"{ dialogues(filter: {title: {contains: "x", lang: "klingon"}}) { totalCount } }"#,
        r#"{ dialogues(filter: {seriesId: {eq: "T3JnYW5pc2F0aW9uOjE"}}) { totalCount } }"#,
        r#"{ workshops { nodes { participants(first: 1000) { totalCount } } } }"#,
    ];
    for q in cases {
        assert_eq!(app.error_code(q, json!({})).await, "BAD_USER_INPUT", "{q}");
    }
    // A variable of the wrong type.
    let code = app
        .error_code(
            "query($n: Int) { dialogues(first: $n) { totalCount } }",
            json!({ "n": "ten" }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    // An `in` list longer than the documented maximum.
    let ids: Vec<String> = (1..=501).map(|i| format!("{i}")).collect();
    let code = app
        .error_code(
            "query($ids: [Int!]) { dialogues(filter: {year: {in: $ids}}) { totalCount } }",
            json!({ "ids": ids.iter().map(|i| i.parse::<i32>().unwrap()).collect::<Vec<_>>() }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
});

db_test!(a_cursor_from_another_order_is_refused, seeded, |app| {
    let d = app
        .data(
            "{ dialogues(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = d["dialogues"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_string();
    let body = app
        .post(
            "query($c: String) { dialogues(after: $c, orderBy: {field: START_DATE}) { totalCount } }",
            json!({ "c": cursor }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("another order")
    );
});

db_test!(syntax_and_validation_errors_have_codes, seeded, |app| {
    assert_eq!(
        app.error_code("{ dialogues { ", json!({})).await,
        "GRAPHQL_PARSE_FAILED"
    );
    assert_eq!(
        app.error_code("{ nope }", json!({})).await,
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(
        app.error_code("{ dialogues { nodes { slug(x: 1) } } }", json!({}))
            .await,
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(
        app.error_code(
            "query A { dialogues { totalCount } } query B { themes { totalCount } }",
            json!({})
        )
        .await,
        "GRAPHQL_VALIDATION_FAILED"
    );
});

db_test!(depth_and_size_limits_answer_before_any_sql, seeded, |app| {
    let deep = format!(
        "{{ organisations {{ nodes {{ {}slug{} }} }} }}",
        "parent { ".repeat(20),
        " }".repeat(20)
    );
    let before = app.statements();
    assert_eq!(app.error_code(&deep, json!({})).await, "QUERY_TOO_COMPLEX");
    assert_eq!(
        app.statements(),
        before,
        "no SQL may run for a refused query"
    );

    let nested = format!("{{ dialogues {}{} }}", "{ a ".repeat(70), "}".repeat(71));
    assert_eq!(
        app.error_code(&nested, json!({})).await,
        "QUERY_TOO_COMPLEX"
    );
});

/// A 900-byte query of fragments that each spread the next one twice, 24 levels deep:
/// expanded, it selects 2^24 fields. With only depth and complexity limits it kept
/// async-graphql 7.2.1 busy for seconds.
pub(crate) fn fragment_bomb() -> String {
    let mut q = String::from("query { ...F0 }\n");
    for i in 0..24 {
        q.push_str(&format!(
            "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
            n = i + 1
        ));
    }
    q.push_str("fragment F24 on Query { dialogues { totalCount } }\n");
    q
}

db_test!(
    the_fragment_bomb_is_refused_before_it_is_expanded,
    seeded,
    |app| {
        let bomb = fragment_bomb();
        assert!(bomb.len() < 1000);
        let before = app.statements();
        assert_eq!(app.error_code(&bomb, json!({})).await, "QUERY_TOO_COMPLEX");
        assert_eq!(app.statements(), before);
        // async-graphql's own recursion limit refuses it too, on its own.
        let schema = agora::build_schema(&agora::config::Settings::default());
        let response = schema.execute(bomb.as_str()).await;
        assert!(
            response.errors[0].message.contains("recursion depth"),
            "{:?}",
            response.errors
        );
        // A cycle of fragments is a validation error, not a hang.
        let cycle = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        let code = app.error_code(cycle, json!({})).await;
        assert!(
            code == "GRAPHQL_VALIDATION_FAILED" || code == "QUERY_TOO_COMPLEX",
            "{code}"
        );
    }
);

db_test!(
    database_failures_are_internal_and_leak_nothing,
    seeded,
    |app| {
        use sea_orm::ConnectionTrait;
        app.db()
            .execute_unprepared("DROP TABLE translation")
            .await
            .unwrap();
        let body = app
            .post("{ dialogues { nodes { slug title { text } } } }", json!({}))
            .await;
        assert_eq!(error_code(&body), "INTERNAL");
        let text = body.to_string().to_lowercase();
        for leak in [
            "translation",
            "select",
            "sqlite",
            "postgres",
            "relation",
            "no such table",
        ] {
            assert!(!text.contains(leak), "the response leaks `{leak}`: {body}");
        }
    }
);

db_test!(http_edges_of_the_endpoint, seeded, |app| {
    // GET runs queries.
    let get = Request::get(
        "/graphql?query=%7B%20dialogueBySlug(slug%3A%20%22idm%22)%20%7B%20slug%20%7D%20%7D",
    )
    .body(Body::empty())
    .unwrap();
    let (status, body) = app.send(get).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["dialogueBySlug"]["slug"], "idm");
    // GET without a query, from a browser, is GraphiQL.
    let (status, body) = app
        .send(Request::get("/graphql").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.as_str().unwrap().contains("Agora GraphiQL"));
    // Batches are not accepted.
    let batch = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"[{"query":"{ __typename }"},{"query":"{ __typename }"}]"#,
        ))
        .unwrap();
    let (status, body) = app.send(batch).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    // A body over the limit is refused with 413.
    let big = format!(
        r#"{{"query":"{{ __typename }}","variables":{{"x":"{}"}}}}"#,
        "a".repeat(2 << 20)
    );
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(big))
        .unwrap();
    assert_eq!(app.send(request).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    // Health.
    let (status, body) = app
        .send(Request::get("/healthz").body(Body::empty()).unwrap())
        .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, Some("ok")));
});

db_test!(a_missing_variable_is_the_clients_error, seeded, |app| {
    let key = app.key("iom", "write").await;
    let body = app
        .post_as(
            &key,
            "mutation($id: ID!) { deletePerson(id: $id) { outcome } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
});

db_test!(
    variables_are_checked_against_their_declared_types,
    seeded,
    |app| {
        let list = "query($o: DialogueOrder, $n: Int) { dialogues(orderBy: $o, first: $n) { totalCount } }";
        // Well-typed values run (the positive control), defaults filled in.
        let d = app
            .data(list, json!({ "o": { "field": "YEAR" }, "n": 2 }))
            .await;
        assert!(d["dialogues"]["totalCount"].as_i64().unwrap() > 0);
        let cases = [
            (list, json!({ "o": { "field": "COLOUR" } }), "$o"),
            (list, json!({ "o": { "direction": "ASC" } }), "$o"),
            (list, json!({ "o": { "field": "YEAR", "size": 1 } }), "$o"),
            (list, json!({ "o": "YEAR" }), "$o"),
            (list, json!({ "n": 2_147_483_648_i64 }), "$n"),
            (list, json!({ "n": 1.5 }), "$n"),
            (
                "query($s: String!) { dialogueBySlug(slug: $s) { slug } }",
                json!({}),
                "$s",
            ),
            (
                "query($s: String!) { dialogueBySlug(slug: $s) { slug } }",
                json!({ "s": null }),
                "$s",
            ),
            (
                "mutation($r: [SyncRecord!]!) { sync(records: $r) { applied } }",
                json!({ "r": [{}] }),
                "$r",
            ),
        ];
        let key = app.key("iom", "write").await;
        for (query, variables, name) in cases {
            let body = app.post_as(&key, query, variables.clone()).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{variables}: {body}");
            let message = body["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains(name), "{message}");
            assert!(body.get("data").is_none(), "refused before it runs: {body}");
        }
    }
);
