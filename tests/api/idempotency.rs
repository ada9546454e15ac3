//! Idempotent retries with `Idempotency-Key`.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};

use crate::{common::*, db_test};

fn request(key: &str, idempotency: &str, body: &Value) -> Request<Body> {
    Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header("idempotency-key", idempotency)
        .body(Body::from(body.to_string()))
        .unwrap()
}

db_test!(
    a_retry_gets_the_stored_response_and_writes_nothing,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        let create = json!({ "query": r#"mutation { createPerson(input: {name: "Once"}) { id version } }"# });
        let (status, first) = app.send(request(&key, "retry-1", &create)).await;
        assert_eq!(status, StatusCode::OK);
        let (status, second) = app.send(request(&key, "retry-1", &create)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(first, second, "the stored response");
        let d = app
            .data(
                r#"{ people(filter: {name: {eq: "Once"}}) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(d["people"]["totalCount"], 1, "applied once");
        // The same key with another body is an error; another key is another request.
        let other =
            json!({ "query": r#"mutation { createPerson(input: {name: "Twice"}) { id } }"# });
        let (status, body) = app.send(request(&key, "retry-1", &other)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        let (status, _) = app.send(request(&key, "retry-2", &create)).await;
        assert_eq!(status, StatusCode::OK);
        let d = app
            .data(
                r#"{ people(filter: {name: {eq: "Once"}}) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(d["people"]["totalCount"], 2);
        // Keys belong to an API key: another partner's identical key is its own.
        let un = app.key("un", "write").await;
        let (status, _) = app.send(request(&un, "retry-1", &create)).await;
        assert_eq!(status, StatusCode::OK);
        // Failures are stored too: a retry of a refused write gets the same refusal.
        let bad = json!({ "query": r#"mutation { createPerson(input: {name: ""}) { id } }"# });
        let (_, first) = app.send(request(&key, "retry-3", &bad)).await;
        let (_, again) = app.send(request(&key, "retry-3", &bad)).await;
        assert_eq!(error_code(&first), "BAD_USER_INPUT");
        assert_eq!(first, again);
    }
);

db_test!(a_retry_while_the_first_runs_is_a_conflict, seeded, |app| {
    let key = app.key("iom", "write").await;
    let create = json!({ "query": r#"mutation { createPerson(input: {name: "Slow"}) { id } }"# });
    // Writes wait for the process's write lock. Held here, the first request claims its
    // key, takes an operation permit and waits: it is running.
    let held = app.state.sync.write_lock.clone().lock_owned().await;
    let free = app.state.executing.available_permits();
    let first = tokio::spawn(tower::ServiceExt::oneshot(
        app.router.clone(),
        request(&key, "running-1", &create),
    ));
    let bound = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.state.executing.available_permits() == free {
        assert!(
            std::time::Instant::now() < bound,
            "the first request never ran"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (status, body) = app.send(request(&key, "running-1", &create)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "CONFLICT");
    // Once the first ends, one person was written: the first's.
    drop(held);
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let d = app
        .data(
            r#"{ people(filter: {name: {eq: "Slow"}}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["people"]["totalCount"], 1, "the retry wrote nothing");
});

db_test!(
    a_retry_is_the_same_request_whatever_its_json_layout,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        let send = |body: String| {
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .header("idempotency-key", "layout-1")
                .body(Body::from(body))
                .unwrap()
        };
        let first = r#"{"query":"mutation($n: String!) { createPerson(input: {name: $n}) { id } }","variables":{"n":"Laid out"}}"#;
        let second = "{ \"variables\" : { \"n\" : \"Laid out\" },\n  \"query\" : \"mutation($n: String!) { createPerson(input: {name: $n}) { id } }\" }";
        let (_, a) = app.send(send(first.to_string())).await;
        let (_, b) = app.send(send(second.to_string())).await;
        assert_eq!(a, b);
        let d = app
            .data(
                r#"{ people(filter: {name: {eq: "Laid out"}}) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(d["people"]["totalCount"], 1);
    }
);

db_test!(a_request_that_committed_is_never_run_again, seeded, |app| {
    use sea_orm::{
        ConnectionTrait,
        sea_query::{Expr, ExprTrait, Query},
    };
    let key = app.key("iom", "write").await;
    let create =
        json!({ "query": r#"mutation { createPerson(input: {name: "Committed"}) { id } }"# });
    let (status, _) = app.send(request(&key, "lost-1", &create)).await;
    assert_eq!(status, StatusCode::OK);
    // The process that ran it died after its writes committed, before its response was
    // stored; long enough ago that a running request would be taken over.
    let long_ago = chrono::DateTime::<chrono::Utc>::from_timestamp(946_684_800, 0).unwrap();
    let update = Query::update()
        .table("idempotency_key")
        .value("state", "committed")
        .value("response", Option::<String>::None)
        .value("status", Option::<i32>::None)
        .value("created_at", long_ago)
        .and_where(Expr::col("key").eq("lost-1"))
        .to_owned();
    app.db().execute(&update).await.unwrap();
    let (status, body) = app.send(request(&key, "lost-1", &create)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "CONFLICT");
    let d = app
        .data(
            r#"{ people(filter: {name: {eq: "Committed"}}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["people"]["totalCount"], 1, "written once");
});
