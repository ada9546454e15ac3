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
        // Keys belong to an organisation: another partner's identical key is its own.
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

db_test!(
    an_organisations_keys_share_its_idempotency_keys,
    seeded,
    |app| {
        let first = app.key("iom", "write").await;
        let second = app.key("iom", "write").await;
        let create =
            json!({ "query": r#"mutation { createPerson(input: {name: "Shared"}) { id } }"# });
        let (_, a) = app.send(request(&first, "shared-1", &create)).await;
        // The retry goes through the organisation's other key: the same request.
        let (_, b) = app.send(request(&second, "shared-1", &create)).await;
        assert_eq!(a, b);
        let d = app
            .data(
                r#"{ people(filter: {name: {eq: "Shared"}}) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(d["people"]["totalCount"], 1, "written once");
    }
);

db_test!(
    a_claim_whose_process_died_is_taken_over_once_no_request_could_still_run,
    seeded,
    |app| {
        use sea_orm::{ConnectionTrait, Statement};
        let key = app.key("iom", "write").await;
        let create =
            json!({ "query": r#"mutation { createPerson(input: {name: "Orphan"}) { id } }"# });
        // A claim left running by a process that died before its writes committed, taken
        // longer ago than any request may run (request_timeout_ms, 30 s by default).
        let backend = app.db().get_database_backend();
        let row = app
            .db()
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT id, organisation_id FROM api_key ORDER BY id DESC LIMIT 1",
            ))
            .await
            .unwrap()
            .unwrap();
        let (api_key, organisation): (i64, i64) = (
            row.try_get("", "id").unwrap(),
            row.try_get("", "organisation_id").unwrap(),
        );
        let taken = chrono::Utc::now() - chrono::Duration::seconds(31);
        let insert = sea_orm::sea_query::Query::insert()
            .into_table("idempotency_key")
            .columns([
                "api_key_id",
                "organisation_id",
                "key",
                "request_hash",
                "state",
                "created_at",
                "expires_at",
            ])
            .values_panic([
                api_key.into(),
                organisation.into(),
                "orphan-1".into(),
                agora::ops::persisted::sha256(&create.to_string()).into(),
                "running".into(),
                taken.into(),
                (taken + chrono::Duration::hours(24)).into(),
            ])
            .to_owned();
        app.db().execute(&insert).await.unwrap();
        // The retry runs it (rather than 409 for five minutes), once.
        let (status, body) = app.send(request(&key, "orphan-1", &create)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["data"]["createPerson"]["id"].is_string(), "{body}");
        let (_, again) = app.send(request(&key, "orphan-1", &create)).await;
        assert_eq!(body, again);
        let d = app
            .data(
                r#"{ people(filter: {name: {eq: "Orphan"}}) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(d["people"]["totalCount"], 1);
    }
);

db_test!(a_claim_taken_over_can_no_longer_commit, seeded, |app| {
    use agora::sync::idempotency::{Begin, Claim, Claimant, begin};
    use sea_orm::TransactionTrait;
    let claimant = |after: i64| Claimant {
        organisation: 1,
        api_key: 1,
        abandoned_after: chrono::Duration::milliseconds(after),
    };
    app.key("iom", "write").await;
    let Begin::Run(id, first) = begin(app.db(), claimant(60_000), "over-1", "h")
        .await
        .unwrap()
    else {
        panic!("the first claim runs");
    };
    // A retry that thinks the first abandoned takes the key over.
    let mut second = None;
    while second.is_none() {
        if let Begin::Run(_, at) = begin(app.db(), claimant(0), "over-1", "h").await.unwrap() {
            second = Some(at);
        }
    }
    let second = second.unwrap();
    assert_ne!(first, second);
    // The first, alive after all, cannot mark the key: its writes would roll back.
    let txn = app.db().begin().await.unwrap();
    let refused = Claim::new(id, first).mark(&txn).await.unwrap_err();
    assert_eq!(refused.code(), "CONFLICT");
    Claim::new(id, second).mark(&txn).await.unwrap();
    txn.commit().await.unwrap();
});
