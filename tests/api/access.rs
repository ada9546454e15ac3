//! Who may do what: anonymous callers, partners on their own and on others' records,
//! read-only keys, admins and revoked keys.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};

use crate::{common::*, db_test};

const CREATE: &str = r#"mutation($slug: String!) { createDialogue(input: {slug: $slug, title: [{lang: "en", text: "A dialogue"}]}) { id version node { provenance { partner { slug } } } } }"#;
const UPDATE: &str = r#"mutation($id: ID!, $city: String) { updateDialogue(id: $id, input: {city: $city}) { outcome version node { city } } }"#;
const READ: &str = r#"query($id: ID!) { node(id: $id) { ... on Dialogue { city version } } }"#;

async fn create(app: &TestApp, key: &str, slug: &str) -> Value {
    let d = app.data_as(key, CREATE, json!({ "slug": slug })).await;
    d["createDialogue"]["id"].clone()
}

/// The city and version of a dialogue, as anyone reads them.
async fn state(app: &TestApp, id: &Value) -> Value {
    app.data(READ, json!({ "id": id })).await["node"].clone()
}

db_test!(the_access_matrix_of_writes, seeded, |app| {
    let iom = app.key("iom", "write").await;
    let un = app.key("un", "write").await;
    let reader = app.key("iom", "read").await;
    let admin = app.key("un", "admin").await;
    let mine = create(&app, &iom, "iom-dialogue").await;
    let theirs = create(&app, &un, "un-dialogue").await;
    let seed = app
        .data(r#"{ dialogueBySlug(slug: "idm-2018") { id } }"#, json!({}))
        .await["dialogueBySlug"]["id"]
        .clone();
    let owner = app
        .data_as(
            &iom,
            READ.replace("city version", "provenance { partner { slug } }")
                .as_str(),
            json!({ "id": mine }),
        )
        .await;
    assert_eq!(owner["node"]["provenance"]["partner"]["slug"], "iom");

    // Anonymous: no writes at all.
    let before = state(&app, &mine).await;
    let body = app
        .post(UPDATE, json!({ "id": mine, "city": "Rome" }))
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    assert_eq!(state(&app, &mine).await, before);
    // A read-only key may not write.
    let body = app
        .post_as(&reader, UPDATE, json!({ "id": mine, "city": "Rome" }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert_eq!(state(&app, &mine).await, before);
    // A partner writes its own records...
    let d = app
        .data_as(&iom, UPDATE, json!({ "id": mine, "city": "Rome" }))
        .await;
    assert_eq!(d["updateDialogue"]["outcome"], "UPDATED");
    assert_eq!(d["updateDialogue"]["version"], 2);
    // ...and neither another partner's nor the seed's.
    for other in [&theirs, &seed] {
        let before = state(&app, other).await;
        let body = app
            .post_as(&iom, UPDATE, json!({ "id": other, "city": "Rome" }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        assert_eq!(state(&app, other).await, before, "nothing is written");
        let body = app
            .post_as(
                &iom,
                "mutation($id: ID!) { deleteDialogue(id: $id) { outcome } }",
                json!({ "id": other }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
    // Only admins write for other partners.
    let body = app
        .post_as(&iom, r#"mutation { createDialogue(input: {slug: "x-y", partner: "un", title: [{lang: "en", text: "X"}]}) { id } }"#, json!({}))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    // An admin writes anything, and may assign a record to a partner, who may then change it.
    for other in [&theirs, &seed] {
        let d = app
            .data_as(&admin, UPDATE, json!({ "id": other, "city": "Oslo" }))
            .await;
        assert_eq!(d["updateDialogue"]["node"]["city"], "Oslo");
    }
    app.data_as(
        &admin,
        "mutation($id: ID!) { updateDialogue(id: $id, input: {partner: \"iom\"}) { version } }",
        json!({ "id": theirs }),
    )
    .await;
    let d = app
        .data_as(&iom, UPDATE, json!({ "id": theirs, "city": "Lima" }))
        .await;
    assert_eq!(d["updateDialogue"]["node"]["city"], "Lima");
    let body = app
        .post_as(&un, UPDATE, json!({ "id": theirs, "city": "Quito" }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "the former partner lost it");
});

db_test!(bad_and_revoked_keys_are_refused, seeded, |app| {
    let key = app.key("iom", "write").await;
    app.data_as(&key, CREATE, json!({ "slug": "first" })).await;
    let send = |auth: String| {
        Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, auth)
            .body(Body::from(
                json!({ "query": "{ dialogues { totalCount } }" }).to_string(),
            ))
            .unwrap()
    };
    for bad in [
        "Bearer agora_nope".to_string(),
        "Basic abc".to_string(),
        format!("Bearer {key}x"),
    ] {
        let (status, body) = app.send(send(bad)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    let keys = agora::auth::keys::list(app.db()).await.unwrap();
    let id = keys
        .iter()
        .find(|k| k.organisation == "iom")
        .unwrap()
        .key
        .id;
    assert!(keys[0].key.last_used_at.is_some(), "use is recorded");
    agora::auth::keys::revoke(app.db(), id).await.unwrap();
    let (status, body) = app.send(send(format!("Bearer {key}"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    // Nothing it sends is written.
    let (status, _) = app
        .send(
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .body(Body::from(
                    json!({ "query": CREATE, "variables": { "slug": "second" } }).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let d = app
        .data(r#"{ dialogueBySlug(slug: "second") { id } }"#, json!({}))
        .await;
    assert!(d["dialogueBySlug"].is_null());
});

db_test!(contact_data_history_and_feed_need_a_key, seeded, |app| {
    let key = app.key("iom", "read").await;
    let queries = [
        r#"{ people(filter: {name: {eq: "Azzouz Samri"}}) { nodes { email } } }"#,
        r#"{ dialogueBySlug(slug: "idm-2018") { people { edges { node { email phone } } } } }"#,
        r#"{ organisations { nodes { email } } }"#,
        r#"{ dialogueBySlug(slug: "idm-2018") { history { totalCount } } }"#,
        r#"{ changes { totalCount } }"#,
    ];
    for q in queries {
        let body = app.post(q, json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{q}");
        assert!(!body.to_string().contains("asamri@iom.int"));
        // The same query with a key answers (the positive control).
        let body = app.post_as(&key, q, json!({})).await;
        assert!(body.get("errors").is_none(), "{q}: {body}");
    }
    let id = app
        .data(
            r#"{ people(filter: {name: {eq: "Azzouz Samri"}}) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let id = id["people"]["nodes"][0]["id"].clone();
    let body = app
        .post(
            "query($id: ID!) { node(id: $id) { ... on Person { name email } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    assert_eq!(
        body["data"]["node"]["name"], "Azzouz Samri",
        "the public fields still come"
    );
    assert!(body["data"]["node"]["email"].is_null());
    let d = app
        .data_as(
            &key,
            "query($id: ID!) { node(id: $id) { ... on Person { email } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(d["node"]["email"], "asamri@iom.int");
    let d = app.data_as(&key, queries[1], json!({})).await;
    assert_eq!(
        d["dialogueBySlug"]["people"]["edges"][0]["node"]["email"],
        "asamri@iom.int"
    );
});
