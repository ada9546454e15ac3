//! Public-facing hardening: the attack list, limits and cost, CSRF prevention, production
//! mode, persisted and trusted documents, rate limits, metrics, readiness and CORS.
//!
//! Every refused request is checked for its code and for running no SQL at all; the time
//! each refusal took is printed (`cargo test hardening -- --nocapture`).

use std::{collections::BTreeSet, time::Instant};

use agora::config::Settings;
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};

use crate::{common::*, db_test};

/// POSTs `body` as JSON; returns status, headers and body.
async fn post_raw(
    app: &TestApp,
    body: String,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.exchange(request.body(Body::from(body)).unwrap()).await
}

/// Sends an attack; checks its status and code, and that no SQL ran; returns how long
/// the refusal took.
async fn refused(app: &TestApp, name: &str, body: String, status: StatusCode, code: &str) {
    let before = app.statements();
    let started = Instant::now();
    let (got, _, response) = post_raw(app, body, &[]).await;
    let took = started.elapsed();
    assert_eq!(got, status, "{name}: {response}");
    assert_eq!(error_code(&response), code, "{name}: {response}");
    assert_eq!(app.statements(), before, "{name}: no SQL may run");
    println!("attack {name}: {code} in {took:.2?}");
}

fn query(q: &str) -> String {
    json!({ "query": q }).to_string()
}

db_test!(the_attack_list_is_refused_before_any_sql, seeded, |app| {
    let ok = StatusCode::OK;
    let nested = format!("{{{}}}", "a {".repeat(10_000) + &"}".repeat(10_000));
    refused(
        &app,
        "10,000-level nesting",
        query(&nested),
        ok,
        "QUERY_TOO_COMPLEX",
    )
    .await;

    let bomb = crate::errors::fragment_bomb();
    refused(&app, "fragment bomb", query(&bomb), ok, "QUERY_TOO_COMPLEX").await;

    let cycle = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
    refused(
        &app,
        "circular fragments",
        query(cycle),
        ok,
        "QUERY_TOO_COMPLEX",
    )
    .await;

    let aliases: String = (0..500).map(|i| format!("a{i}: __typename ")).collect();
    let aliases = format!("{{ {aliases} }}");
    refused(
        &app,
        "500 aliases",
        query(&aliases),
        ok,
        "QUERY_TOO_COMPLEX",
    )
    .await;

    let duplicates = format!("{{ dialogues {{ nodes {{ {} }} }} }}", "slug ".repeat(500));
    refused(
        &app,
        "500 duplicated fields",
        query(&duplicates),
        ok,
        "QUERY_TOO_COMPLEX",
    )
    .await;

    let roots: String = (0..100)
        .map(|i| format!("r{i}: dialogues {{ totalCount }} "))
        .collect();
    let roots = format!("{{ {roots} }}");
    refused(
        &app,
        "100 root fields",
        query(&roots),
        ok,
        "QUERY_TOO_COMPLEX",
    )
    .await;

    let directives = format!("{{ __typename {} }}", "@include(if: true) ".repeat(50));
    refused(
        &app,
        "50 directives on a field",
        query(&directives),
        ok,
        "QUERY_TOO_COMPLEX",
    )
    .await;

    let huge_page = "{ dialogues(first: 2147483647) { nodes { slug } } }";
    refused(
        &app,
        "first: 2147483647",
        query(huge_page),
        ok,
        "BAD_USER_INPUT",
    )
    .await;

    let deep_pages = "{ organisations(first: 100) { nodes { workshops(first: 100) { \
        nodes { participants(first: 100) { nodes { slug } } } } } } }";
    refused(
        &app,
        "first: 100 three deep",
        query(deep_pages),
        ok,
        "QUERY_TOO_COMPLEX",
    )
    .await;

    let batch: Vec<Value> = (0..1000)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let batch = Value::Array(batch).to_string();
    refused(
        &app,
        "batch of 1,000",
        batch,
        StatusCode::BAD_REQUEST,
        "BAD_USER_INPUT",
    )
    .await;

    let fifty_mb = format!(
        r#"{{"query":"{{ __typename }}","variables":{{"x":"{}"}}}}"#,
        "a".repeat(50 << 20)
    );
    refused(
        &app,
        "50 MB body",
        fifty_mb,
        StatusCode::PAYLOAD_TOO_LARGE,
        "BAD_USER_INPUT",
    )
    .await;

    let tokens = format!("{{ {} }}", "__typename ".repeat(20_000));
    refused(
        &app,
        "20,000 tokens",
        query(&tokens),
        ok,
        "QUERY_TOO_COMPLEX",
    )
    .await;
});

db_test!(each_operation_reports_its_cost, seeded, |app| {
    let body = app
        .post("{ dialogues(first: 2) { nodes { slug } } }", json!({}))
        .await;
    // dialogues (1) + 2 pages x (nodes (1) + slug (1)).
    assert_eq!(body["extensions"]["cost"]["requested"], 5, "{body}");
    assert_eq!(body["extensions"]["cost"]["limit"], 1_000_000);
    // Without `first`, a connection is priced at the default page size (20); variables
    // count as what they hold.
    // A count alone is one statement, priced as one field.
    let body = app
        .post(
            "query($n: Int) { a: dialogues { nodes { slug } } b: dialogues(first: $n) { nodes { slug } } c: dialogues { totalCount } }",
            json!({ "n": 3 }),
        )
        .await;
    assert_eq!(
        body["extensions"]["cost"]["requested"],
        (1 + 20 * 2) + (1 + 3 * 2) + 2,
        "{body}"
    );
});

db_test!(
    posts_that_a_web_page_could_forge_are_refused,
    seeded,
    |app| {
        for content_type in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            None,
        ] {
            let mut request = Request::post("/graphql");
            if let Some(ct) = content_type {
                request = request.header(header::CONTENT_TYPE, ct);
            }
            let body = json!({ "query": "mutation { deleteTool(id: \"VG9vbDox\") { id } }" });
            let before = app.statements();
            let (status, body) = app
                .send(request.body(Body::from(body.to_string())).unwrap())
                .await;
            assert_eq!(
                status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{content_type:?}"
            );
            assert_eq!(error_code(&body), "BAD_USER_INPUT");
            assert_eq!(app.statements(), before);
        }
        // A header that forces a preflight lets another content type through.
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "text/plain")
            .header("apollo-require-preflight", "true")
            .body(Body::from(query("{ __typename }")))
            .unwrap();
        let (status, body) = app.send(request).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["data"]["__typename"], "Query");
        // `application/json; charset=utf-8` and `application/graphql-response+json` are JSON.
        for ct in [
            "application/json; charset=utf-8",
            "application/graphql-response+json",
        ] {
            let request = Request::post("/graphql")
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(query("{ __typename }")))
                .unwrap();
            assert_eq!(app.send(request).await.0, StatusCode::OK, "{ct}");
        }
        // Mutations over GET are refused with 405, before anything runs.
        let before = app.statements();
        let get = Request::get("/graphql?query=mutation%20%7B%20deleteTool(id%3A%20%22VG9vbDox%22)%20%7B%20id%20%7D%20%7D")
        .body(Body::empty())
        .unwrap();
        let (status, body) = app.send(get).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        assert_eq!(app.statements(), before);
    }
);

db_test!(
    production_mode_hides_the_schema_from_anonymous_clients,
    with Settings {
        env: "production".into(),
        rate_limit_operations: 0,
        rate_limit_cost: 0,
        ..Settings::default()
    },
    |app| {
        let introspection = "{ __schema { queryType { name } } }";
        let before = app.statements();
        assert_eq!(app.error_code(introspection, json!({})).await, "FORBIDDEN");
        let by_type = "{ __type(name: \"Dialogue\") { name } }";
        assert_eq!(app.error_code(by_type, json!({})).await, "FORBIDDEN");
        assert_eq!(app.statements(), before);
        // A partner's key may introspect.
        let key = app.key("iom", "read").await;
        let data = app.data_as(&key, introspection, json!({})).await;
        assert_eq!(data["__schema"]["queryType"]["name"], "Query");
        // No suggestions of field names.
        let body = app.post("{ dialogs { totalCount } }", json!({})).await;
        assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED");
        assert!(!body.to_string().contains("Did you mean"), "{body}");
        // No GraphiQL.
        let (status, _) = app
            .send(Request::get("/graphql").body(Body::empty()).unwrap())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
);

db_test!(development_mode_suggests_field_names, seeded, |app| {
    let body = app.post("{ dialogs { totalCount } }", json!({})).await;
    assert!(body.to_string().contains("Did you mean"), "{body}");
});

fn sha256(text: &str) -> String {
    agora::ops::persisted::sha256(text)
}

db_test!(automatic_persisted_queries, seeded, |app| {
    let q = "{ dialogueBySlug(slug: \"idm-2018\") { slug } }";
    let hash = sha256(q);
    let by_hash =
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    // Unknown yet: the client is told to send the query.
    let (status, _, body) = post_raw(&app, by_hash.to_string(), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    // Registered with its text.
    let with_text = json!({ "query": q, "extensions": by_hash["extensions"] });
    let (_, _, body) = post_raw(&app, with_text.to_string(), &[]).await;
    assert_eq!(body["data"]["dialogueBySlug"]["slug"], "idm-2018", "{body}");
    // Then by hash alone, over POST and over GET.
    let (_, _, body) = post_raw(&app, by_hash.to_string(), &[]).await;
    assert_eq!(body["data"]["dialogueBySlug"]["slug"], "idm-2018", "{body}");
    let ext = url::form_urlencoded::byte_serialize(by_hash["extensions"].to_string().as_bytes())
        .collect::<String>();
    let (status, body) = app
        .send(
            Request::get(format!("/graphql?extensions={ext}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["dialogueBySlug"]["slug"], "idm-2018", "{body}");
    // A hash that is not the query's is refused.
    let wrong = json!({ "query": "{ __typename }", "extensions": by_hash["extensions"] });
    let (_, _, body) = post_raw(&app, wrong.to_string(), &[]).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
});

/// A trusted-documents manifest with one document, in a file that lives as long as the
/// process (the settings name its path).
fn manifest() -> (String, String) {
    let doc = "query Idm { dialogueBySlug(slug: \"idm\") { slug } }".to_string();
    let dir = std::env::temp_dir().join(format!("agora-trusted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("manifest.json");
    std::fs::write(&path, json!({ sha256(&doc): doc }).to_string()).unwrap();
    (path.display().to_string(), doc)
}

db_test!(
    trusted_documents_bind_anonymous_clients,
    with Settings {
        trusted_documents: Some(manifest().0),
        rate_limit_operations: 0,
        rate_limit_cost: 0,
        ..Settings::default()
    },
    |app| {
        let (_, doc) = manifest();
        // Ad hoc: refused for anonymous clients, before any SQL.
        let before = app.statements();
        let body = app.post("{ dialogues { totalCount } }", json!({})).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        assert_eq!(app.statements(), before);
        // The trusted document, by hash or by text.
        let by_hash = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256(&doc) } } });
        let (_, _, body) = post_raw(&app, by_hash.to_string(), &[]).await;
        assert_eq!(body["data"]["dialogueBySlug"]["slug"], "idm", "{body}");
        assert_eq!(app.data(&doc, json!({})).await["dialogueBySlug"]["slug"], "idm");
        // Registering an automatic persisted query does not make it trusted.
        let q = "{ dialogues { totalCount } }";
        let apq = json!({ "query": q, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256(q) } } });
        let (_, _, body) = post_raw(&app, apq.to_string(), &[]).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        // A partner with a key keeps ad hoc queries.
        let key = app.key("iom", "read").await;
        let data = app.data_as(&key, q, json!({})).await;
        assert!(data["dialogues"]["totalCount"].as_i64().unwrap() > 0);
        // Over a WebSocket, the same rule.
        let addr = app.serve().await;
        let mut socket = ws_connect(&addr.to_string()).await;
        ws_init(&mut socket).await;
        let refusal: Value = serde_json::from_str(&ws_operation(&mut socket, "1", q).await).unwrap();
        assert_eq!(refusal["type"], "error", "{refusal}");
        assert_eq!(refusal["payload"][0]["extensions"]["code"], "FORBIDDEN");
    }
);

/// A manifest keyed as GraphQL Code Generator's client preset keys it (`sha256:<hex>`).
fn prefixed_manifest() -> (String, String) {
    let doc = "query Idm2018 { dialogueBySlug(slug: \"idm-2018\") { slug } }".to_string();
    let dir = std::env::temp_dir().join(format!("agora-prefixed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("persisted-documents.json");
    let key = format!("sha256:{}", sha256(&doc));
    std::fs::write(&path, json!({ key: doc }).to_string()).unwrap();
    (path.display().to_string(), doc)
}

db_test!(
    persisted_documents_by_document_id,
    with Settings {
        trusted_documents: Some(prefixed_manifest().0),
        rate_limit_operations: 0,
        rate_limit_cost: 0,
        ..Settings::default()
    },
    |app| {
        let (_, doc) = prefixed_manifest();
        let hash = sha256(&doc);
        // `documentId`, with the `sha256:` prefix or without, over POST and GET.
        for id in [format!("sha256:{hash}"), hash.clone(), hash.to_uppercase()] {
            let (status, _, body) =
                post_raw(&app, json!({ "documentId": id }).to_string(), &[]).await;
            assert_eq!(status, StatusCode::OK, "{id}: {body}");
            assert_eq!(body["data"]["dialogueBySlug"]["slug"], "idm-2018", "{body}");
        }
        let get = Request::get(format!("/graphql?documentId=sha256:{hash}"))
            .body(Body::empty())
            .unwrap();
        let (status, _, body) = app.exchange(get).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["data"]["dialogueBySlug"]["slug"], "idm-2018");
        // Apollo's persistedQuery extension finds the same document.
        let apollo = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
        let (_, _, body) = post_raw(&app, apollo.to_string(), &[]).await;
        assert_eq!(body["data"]["dialogueBySlug"]["slug"], "idm-2018", "{body}");
        // An unknown id, an id and a query at once, an id that is not a string.
        let unknown = json!({ "documentId": format!("sha256:{}", "0".repeat(64)) });
        let (_, _, body) = post_raw(&app, unknown.to_string(), &[]).await;
        assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
        let both = json!({ "documentId": format!("sha256:{hash}"), "query": doc });
        let (_, _, body) = post_raw(&app, both.to_string(), &[]).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        let (_, _, body) = post_raw(&app, json!({ "documentId": 7 }).to_string(), &[]).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        // Anonymous ad hoc queries stay refused.
        let body = app.post("{ dialogues { totalCount } }", json!({})).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
);

db_test!(
    rate_limits_count_operations_and_cost,
    with Settings {
        rate_limit_operations: 3,
        rate_limit_cost: 100,
        max_cost: 100,
        ..Settings::default()
    },
    |app| {
        // Three operations a minute for an address; the fourth waits.
        for _ in 0..3 {
            app.data("{ __typename }", json!({})).await;
        }
        let before = app.statements();
        let (status, headers, body) = post_raw(&app, query("{ __typename }"), &[]).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(error_code(&body), "RATE_LIMITED");
        let wait: u64 = headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        assert_eq!(app.statements(), before);
        // An API key has its own allowance, counted in cost: aliases do not multiply
        // it. 2 x 21 = 42 of 100, twice, then 42 more is over.
        let key = app.key("iom", "read").await;
        let two = "{ a: dialogues(first: 10) { nodes { slug } } b: dialogues(first: 10) { nodes { slug } } }";
        let auth = format!("Bearer {key}");
        for _ in 0..2 {
            let (status, _, body) =
                post_raw(&app, query(two), &[("authorization", &auth)]).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["extensions"]["cost"]["requested"], 42);
        }
        let (status, _, body) = post_raw(&app, query(two), &[("authorization", &auth)]).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(error_code(&body), "RATE_LIMITED");
    }
);

db_test!(metrics_readiness_and_request_ids, seeded, |app| {
    let body = app
        .post("query Dialogues { dialogues { totalCount } }", json!({}))
        .await;
    assert!(body.get("errors").is_none());
    app.post("{ nope }", json!({})).await;
    let (status, headers, _) = app
        .exchange(Request::get("/readyz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !headers["x-request-id"].is_empty(),
        "every response has a request id"
    );
    let (status, metrics) = app
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    let metrics = metrics.as_str().unwrap().to_string();
    for line in [
        r#"agora_graphql_requests_total{operation="Dialogues",outcome="ok"} 1"#,
        r#"agora_graphql_requests_total{operation="anonymous",outcome="error"} 1"#,
        r#"agora_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1"#,
        r#"agora_graphql_request_duration_seconds_count{operation="Dialogues"} 1"#,
        "agora_active_subscriptions 0",
    ] {
        assert!(metrics.contains(line), "missing `{line}` in:\n{metrics}");
    }
    for name in [
        "agora_sql_statements_total ",
        "agora_db_pool_in_use ",
        "agora_db_pool_idle ",
    ] {
        assert!(metrics.contains(name), "missing `{name}` in:\n{metrics}");
    }
    // The server is not ready while it drains.
    app.state.draining.send_replace(true);
    let (status, _) = app
        .send(Request::get("/readyz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
});

db_test!(
    cors_admits_the_configured_origins_only,
    with Settings {
        cors_origins: vec!["https://app.example.org".into()],
        seed_when_empty: false,
        ..Settings::default()
    },
    |app| {
        let preflight = |origin: &str| {
            Request::options("/graphql")
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type,authorization")
                .body(Body::empty())
                .unwrap()
        };
        let (_, headers, _) = app.exchange(preflight("https://app.example.org")).await;
        assert_eq!(
            headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://app.example.org"
        );
        let (_, headers, _) = app.exchange(preflight("https://evil.example.com")).await;
        assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    }
);

db_test!(a_request_past_its_time_gets_503_over_http_and_websocket, with Settings {
        request_timeout_ms: 200,
        max_concurrent_operations: 1,
        rate_limit_operations: 0,
        rate_limit_cost: 0,
        ..Settings::default()
    }, |app| {
    let q = r#"{ dialogueBySlug(slug: "idm") { slug } }"#;
    let addr = app.serve().await;
    let mut socket = ws_connect(&addr.to_string()).await;
    ws_init(&mut socket).await;
    let mut ws_answer = async |id: &str| -> Value {
        serde_json::from_str(&ws_operation(&mut socket, id, q).await).unwrap()
    };
    // The one permit is held here, so no operation can start: each waits out its time,
    // over HTTP and over the WebSocket alike.
    let held = app.state.executing.clone().acquire_owned().await.unwrap();
    let (status, headers, body) = post_raw(&app, query(q), &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE");
    assert!(headers.get(header::RETRY_AFTER).is_some());
    let refusal = ws_answer("1").await;
    assert_eq!(refusal["type"], "error", "{refusal}");
    assert_eq!(refusal["payload"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE");
    // Both count in the metrics.
    let metrics = app.state.metrics.render();
    let timed_out = metrics
        .lines()
        .find(|l| l.starts_with(r#"agora_graphql_errors_total{code="SERVICE_UNAVAILABLE"}"#));
    assert_eq!(timed_out.and_then(|l| l.split(' ').nth(1)), Some("2"), "{metrics}");
    // Once the permit is free, the same operation runs on both.
    drop(held);
    let (status, _, body) = post_raw(&app, query(q), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["dialogueBySlug"]["slug"], "idm");
    let answer = ws_answer("2").await;
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(answer["payload"]["data"]["dialogueBySlug"]["slug"], "idm");
});

db_test!(
    injection_strings_in_string_arguments_are_harmless,
    seeded,
    |app| {
        let hostile = [
            "' OR 1=1 --",
            "\"; DROP TABLE dialogue; --",
            "idm') UNION SELECT * FROM api_key --",
            "%",
            "_",
            "\\",
            "*",
            "\"unbalanced",
            "a NEAR b",
            "((((",
            "\u{0}",
            "$1",
            "?",
            "🙂 émigration",
            "VGhlbWU6MTI' OR '1'='1",
            &"x".repeat(10_000),
        ];
        let queries = [
            "query($v: String!) { dialogueBySlug(slug: $v) { slug } }",
            "query($v: String!) { organisationBySlug(slug: $v) { slug } }",
            "query($v: String!) { reportBySymbol(symbol: $v) { symbol } }",
            "query($v: String!) { themeByCode(code: $v) { code } }",
            "query($v: String!) { byExternalId(type: DIALOGUE, partner: $v, externalId: $v) { id } }",
            "query($v: ID!) { node(id: $v) { id } }",
            "query($v: ID!) { nodes(ids: [$v]) { id } }",
            "query($v: String!) { search(query: $v) { totalCount } }",
            "query($v: String!) { dialogues(after: $v) { totalCount } }",
            "query($v: String!) { changes(after: $v) { nodes { sequence } } }",
            "query($v: String!) { dialogues(filter: {title: {contains: $v}}) { totalCount } }",
            "query($v: String!) { dialogues(filter: {title: {startsWith: $v, lang: $v}}) { totalCount } }",
            "query($v: String!) { organisations(filter: {slug: {eq: $v}, externalId: {contains: $v}}) { totalCount } }",
            "query($v: String!) { people(filter: {name: {in: [$v]}}) { totalCount } }",
        ];
        let count = "{ dialogues { totalCount } }";
        let dialogues = app.data(count, json!({})).await;
        // With a key, so that `changes` runs too.
        let auth = format!("Bearer {}", app.key("iom", "read").await);
        for q in queries {
            for v in hostile {
                let body = json!({ "query": q, "variables": { "v": v } }).to_string();
                let (status, _, body) = post_raw(&app, body, &[("authorization", &auth)]).await;
                assert_eq!(status, StatusCode::OK, "{q} with {v:?}: {body}");
                if let Some(errors) = body.get("errors") {
                    let code = error_code(&body);
                    assert!(
                        code == "BAD_USER_INPUT" || code == "NOT_FOUND",
                        "{q} with {v:?}: {errors}"
                    );
                }
            }
        }
        assert_eq!(
            app.data(count, json!({})).await,
            dialogues,
            "nothing changed"
        );
    }
);

db_test!(responses_keep_the_order_of_the_selection, seeded, |app| {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let body = query(r#"{ dialogueBySlug(slug: "idm-2018") { year slug id } }"#);
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let at = |key: &str| text.find(&format!("\"{key}\"")).unwrap_or(usize::MAX);
    assert!(at("year") < at("slug") && at("slug") < at("id"), "{text}");
    // And a request error has no `data` entry at all.
    let body = app.post("{ nope }", json!({})).await;
    assert!(body.get("data").is_none(), "{body}");
});

/// POSTs `query` as the operation `name`, with `headers`; returns the body.
async fn named(app: &TestApp, query: &str, name: &str, headers: &[(&str, &str)]) -> Value {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    for (header, value) in headers {
        request = request.header(*header, *value);
    }
    let body = json!({ "query": query, "operationName": name }).to_string();
    app.send(request.body(Body::from(body)).unwrap()).await.1
}

db_test!(clients_cannot_shape_the_metrics, seeded, |app| {
    // A name that would end the label and write a line of its own: no such operation.
    let forged = "x\"} 1\nagora_fake_metric{a=\"b";
    let body = named(&app, "query x { dialogues { totalCount } }", forged, &[]).await;
    assert!(body["errors"].is_array(), "{body}");
    // One anonymous client sends 210 operations of new names.
    for i in 0..210 {
        let query = format!("query J{i} {{ __typename }}");
        named(&app, &query, &format!("J{i}"), &[]).await;
    }
    // Another client's operation still gets its own series.
    let key = app.key("iom", "read").await;
    let bearer = format!("Bearer {key}");
    let query = "query RealPage { dialogues { totalCount } }";
    let body = named(&app, query, "RealPage", &[("authorization", &bearer)]).await;
    assert!(body.get("errors").is_none(), "{body}");

    let (_, metrics) = app
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    let text = metrics.as_str().unwrap().to_string();
    // The text is one valid exposition, and every sample is one of Agora's.
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    assert!(!scrape.samples.is_empty());
    for sample in &scrape.samples {
        assert!(sample.metric.starts_with("agora_"), "{}", sample.metric);
    }
    assert!(!text.contains("agora_fake_metric"), "{text}");
    let operations: BTreeSet<&str> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "agora_graphql_requests_total")
        .filter_map(|s| s.labels.get("operation"))
        .collect();
    assert!(operations.contains("RealPage"), "{operations:?}");
    assert!(operations.contains("other"), "{operations:?}");
    // The first client brought 20 names, no more.
    let junk = operations.iter().filter(|o| o.starts_with('J')).count();
    assert_eq!(junk, 20, "{operations:?}");
});
