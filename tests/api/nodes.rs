//! Global ids and the Node interface: `node` and `nodes` round trips for every type.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::{common::*, db_test};

const LISTS: [(&str, &str); 7] = [
    ("dialogues", "Dialogue"),
    ("workshops", "Workshop"),
    ("reports", "Report"),
    ("tools", "Tool"),
    ("organisations", "Organisation"),
    ("people", "Person"),
    ("themes", "Theme"),
];

db_test!(node_and_nodes_round_trip_for_every_type, empty, |app| {
    generate(&app, &small_shape()).await;
    let mut all_ids: Vec<Value> = Vec::new();
    for (list, ty) in LISTS {
        let d = app
            .data(
                &format!("{{ {list}(first: 5) {{ nodes {{ id __typename }} }} }}"),
                json!({}),
            )
            .await;
        for n in d[list]["nodes"].as_array().unwrap() {
            assert_eq!(n["__typename"], ty);
            let back = app
                .data(
                    "query($id: ID!) { node(id: $id) { id __typename } }",
                    json!({ "id": n["id"] }),
                )
                .await;
            assert_eq!(back["node"], *n);
            all_ids.push(n["id"].clone());
        }
    }
    // `nodes` keeps the order asked, mixes types, and answers null where nothing is.
    let missing = agora::graphql::id::encode(agora::graphql::id::NodeType::Tool, 99_999).0;
    let mut ask = all_ids.clone();
    ask.reverse();
    ask.insert(3, json!(missing));
    let d = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ask }),
        )
        .await;
    let got = d["nodes"].as_array().unwrap();
    assert_eq!(got.len(), ask.len());
    for (want, got) in ask.iter().zip(got) {
        if *want == json!(missing) {
            assert!(got.is_null());
        } else {
            assert_eq!(got["id"], *want);
        }
    }
    // Too many ids.
    let many: Vec<Value> = (0..101).map(|_| all_ids[0].clone()).collect();
    assert_eq!(
        app.error_code(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": many })
        )
        .await,
        "BAD_USER_INPUT"
    );
});

db_test!(deleted_records_disappear_from_reads, seeded, |app| {
    let d = app
        .data(r#"{ dialogueBySlug(slug: "idm-2017") { id } }"#, json!({}))
        .await;
    let id = d["dialogueBySlug"]["id"].clone();
    let (_, n) = agora::graphql::id::decode(id.as_str().unwrap()).unwrap();
    let backend = app.db().get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "UPDATE dialogue SET deleted_at = now() WHERE id = $1",
        _ => "UPDATE dialogue SET deleted_at = CURRENT_TIMESTAMP WHERE id = ?",
    };
    app.db()
        .execute_raw(Statement::from_sql_and_values(backend, sql, [n.into()]))
        .await
        .unwrap();
    let d = app
        .data(
            r#"query($id: ID!) { node(id: $id) { id } dialogueBySlug(slug: "idm-2017") { id }
                dialogues { totalCount nodes { slug } }
                people(filter: {name: {eq: "William Lacy Swing"}}) { nodes { dialogues { totalCount } } } }"#,
            json!({ "id": id }),
        )
        .await;
    assert!(d["node"].is_null());
    assert!(d["dialogueBySlug"].is_null());
    assert_eq!(d["dialogues"]["totalCount"], 3);
    assert!(!strings(&d["dialogues"]["nodes"], "slug").contains(&"idm-2017".to_string()));
    assert_eq!(d["people"]["nodes"][0]["dialogues"]["totalCount"], 0);
});
