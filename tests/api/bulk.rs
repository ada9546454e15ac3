//! Bulk sync: mixed records in one transaction, all or nothing.

use serde_json::json;

use crate::{common::*, db_test};

const SYNC: &str = r#"mutation($records: [SyncRecord!]!) { sync(records: $records) {
    applied results { index outcome id version error { code field message currentVersion } } } }"#;

fn batch(title_of_second: &str) -> serde_json::Value {
    json!([
        { "addEdge": { "kind": "WORKSHOP_PARTICIPANT", "from": { "externalId": "W1" }, "to": { "externalId": "O1" }, "participationRole": "ORGANISER" } },
        { "dialogue": { "externalId": "D1", "input": { "slug": "bulk-d1", "title": [{ "lang": "en", "text": "Bulk dialogue" }] } } },
        { "workshop": { "externalId": "W1", "input": { "dialogue": { "externalId": "D1" }, "title": [{ "lang": "en", "text": title_of_second }] } } },
        { "organisation": { "externalId": "O1", "input": { "slug": "bulk-o1", "kind": "CIVIL_SOCIETY", "name": [{ "lang": "en", "text": "Bulk NGO" }] } } },
        { "addEdge": { "kind": "THEME_TAG", "from": { "externalId": "D1", "type": "DIALOGUE" }, "to": { "externalId": "T1" } } },
        { "theme": { "externalId": "T1", "input": { "code": "BULK", "scheme": "FREE", "title": [{ "lang": "en", "text": "Bulk" }] } } },
    ])
}

async fn totals(app: &TestApp, key: &str) -> serde_json::Value {
    app.data_as(key, "{ dialogues { totalCount } workshops { totalCount } organisations { totalCount } themes { totalCount } changes { totalCount } }", json!({}))
        .await
}

db_test!(
    one_invalid_record_leaves_the_database_unchanged,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        let before = totals(&app, &key).await;
        let mut records = batch("A workshop");
        records[3]["organisation"]["input"]["slug"] = json!("Not A Slug");
        let r = app.data_as(&key, SYNC, json!({ "records": records })).await;
        let r = &r["sync"];
        assert_eq!(r["applied"], false);
        let errors: Vec<_> = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| !x["error"].is_null())
            .collect();
        // The bad organisation, and the edge to it.
        assert_eq!(errors.len(), 2, "{r:#}");
        assert_eq!(errors[0]["index"], 0);
        assert_eq!(errors[1]["error"]["field"], "slug");
        assert_eq!(errors[1]["index"], 3);
        assert_eq!(
            r["results"][1]["outcome"], "CREATED",
            "what would have been done is said"
        );
        assert_eq!(
            totals(&app, &key).await,
            before,
            "nothing at all was written"
        );
    }
);

db_test!(
    a_batch_applies_refers_within_itself_and_is_idempotent,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        let r = app
            .data_as(&key, SYNC, json!({ "records": batch("A workshop") }))
            .await;
        let r = &r["sync"];
        assert_eq!(r["applied"], true, "{r:#}");
        let outcomes: Vec<_> = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["outcome"].clone())
            .collect();
        assert_eq!(outcomes, vec![json!("CREATED"); 6]);
        let d = app
        .data(r#"{ dialogueBySlug(slug: "bulk-d1") { themes { nodes { code } } workshops { nodes { participants { edges { role node { slug } } } } } } }"#, json!({}))
        .await;
        assert_eq!(
            d["dialogueBySlug"],
            json!({ "themes": { "nodes": [{ "code": "BULK" }] }, "workshops": { "nodes": [{ "participants": { "edges": [{ "role": "ORGANISER", "node": { "slug": "bulk-o1" } }] } }] } })
        );
        // The same batch again changes nothing.
        let before = totals(&app, &key).await;
        let again = app
            .data_as(&key, SYNC, json!({ "records": batch("A workshop") }))
            .await;
        let outcomes: Vec<_> = again["sync"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["outcome"].clone())
            .collect();
        assert_eq!(outcomes, vec![json!("UNCHANGED"); 6]);
        assert_eq!(
            totals(&app, &key).await,
            before,
            "no version, no change in the feed"
        );
        // A changed record is an update; a stale expected version is a conflict for that record.
        let mut records = batch("A renamed workshop");
        records[1]["dialogue"]["expectedVersion"] = json!(1);
        let r = app.data_as(&key, SYNC, json!({ "records": records })).await;
        assert_eq!(r["sync"]["applied"], false);
        assert_eq!(r["sync"]["results"][1]["error"]["code"], "CONFLICT");
        assert_eq!(
            r["sync"]["results"][1]["error"]["currentVersion"], 2,
            "created, then tagged"
        );
        let r = app
            .data_as(
                &key,
                SYNC,
                json!({ "records": batch("A renamed workshop") }),
            )
            .await;
        assert_eq!(r["sync"]["results"][2]["outcome"], "UPDATED");
        // Deletions by external id.
        let r = app
        .data_as(&key, SYNC, json!({ "records": [{ "delete": { "record": { "externalId": "W1", "type": "WORKSHOP" } } }] }))
        .await;
        assert_eq!(r["sync"]["results"][0]["outcome"], "DELETED");
        // Too many records.
        let many: Vec<_> = (0..501).map(|_| batch("x")[1].clone()).collect();
        let body = app.post_as(&key, SYNC, json!({ "records": many })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
    }
);

db_test!(
    operations_on_one_record_apply_in_the_order_sent,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        let person = |name: &str| json!({ "person": { "externalId": "P-ORDER", "input": { "name": name } } });
        let delete =
            json!({ "delete": { "record": { "externalId": "P-ORDER", "type": "PERSON" } } });
        let count =
            r#"{ people(filter: {externalId: {eq: "P-ORDER"}}) { totalCount nodes { name } } }"#;
        // Created, then deleted: it is gone.
        let r = app
            .data_as(
                &key,
                SYNC,
                json!({ "records": [person("First"), delete.clone()] }),
            )
            .await;
        assert_eq!(r["sync"]["applied"], true, "{r:#}");
        assert_eq!(app.data(count, json!({})).await["people"]["totalCount"], 0);
        // Created, deleted, created again: the last word stands.
        let r = app
            .data_as(
                &key,
                SYNC,
                json!({ "records": [person("Second"), delete, person("Third")] }),
            )
            .await;
        assert_eq!(r["sync"]["applied"], true, "{r:#}");
        let outcomes: Vec<_> = r["sync"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["outcome"].clone())
            .collect();
        assert_eq!(
            outcomes,
            vec![json!("CREATED"), json!("DELETED"), json!("CREATED")]
        );
        let seen = app.data(count, json!({})).await;
        assert_eq!(seen["people"]["nodes"], json!([{ "name": "Third" }]));
    }
);
