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
        let many: Vec<_> = (0..5_001).map(|_| batch("x")[1].clone()).collect();
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

/// `n` dialogues by external id (`{prefix}-{i}`), their titles ending in `tag`.
fn dialogues(prefix: &str, n: usize, tag: &str) -> serde_json::Value {
    (0..n)
        .map(|i| {
            json!({ "dialogue": { "externalId": format!("{prefix}-{i}"), "input": {
                "slug": format!("{prefix}-{i}"), "year": 2020,
                "title": [{ "lang": "en", "text": format!("Batch dialogue {i} zq{tag}") }] } } })
        })
        .collect()
}

/// Runs a batch that must apply; returns the statements it cost and its results.
async fn applied(
    app: &TestApp,
    key: &str,
    records: serde_json::Value,
) -> (u64, Vec<serde_json::Value>) {
    let before = app.statements();
    let r = app.data_as(key, SYNC, json!({ "records": records })).await;
    let cost = app.statements() - before;
    assert_eq!(r["sync"]["applied"], true, "{r:#}");
    (cost, r["sync"]["results"].as_array().unwrap().clone())
}

fn outcomes(results: &[serde_json::Value]) -> Vec<String> {
    results
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or("-").to_string())
        .collect()
}

db_test!(
    a_batch_of_upserts_costs_a_few_statements_whatever_its_size,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        let feed = r#"{ changes { totalCount } }"#;
        let changes = |v: serde_json::Value| v["changes"]["totalCount"].as_i64().unwrap();
        let feed_before = changes(app.data_as(&key, feed, json!({})).await);
        // Positive control: one record costs a few statements.
        let (one, results) = applied(&app, &key, dialogues("solo", 1, "a")).await;
        assert_eq!(outcomes(&results), ["CREATED"]);
        assert!(one >= 5, "a created record is written ({one} statements)");
        let mut created = Vec::new();
        for (tag, outcome) in [("a", "CREATED"), ("b", "UPDATED"), ("b", "UNCHANGED")] {
            let (cost, results) = applied(&app, &key, dialogues("many", 500, tag)).await;
            assert_eq!(outcomes(&results), vec![outcome; 500]);
            if outcome == "CREATED" {
                created = results;
            }
            let bound = if outcome == "UNCHANGED" { 10 } else { one + 5 };
            assert!(
                cost <= bound,
                "500 records {outcome}: {cost} statements (one record: {one}); at most {bound}"
            );
        }
        // Every change is in the feed, with its history, and every record is searchable.
        let feed_after = changes(app.data_as(&key, feed, json!({})).await);
        assert_eq!(feed_after - feed_before, 1 + 500 + 500);
        let found = app
            .data(r#"{ search(query: "zqb") { totalCount } dialogues(filter: {externalId: {eq: "many-499"}}) { nodes { version title { text } } } }"#, json!({}))
            .await;
        assert_eq!(found["dialogues"]["nodes"][0]["version"], 2);
        assert_eq!(
            found["dialogues"]["nodes"][0]["title"]["text"],
            "Batch dialogue 499 zqb"
        );
        assert!(
            found["search"]["totalCount"].as_i64().unwrap() >= 1,
            "{found:#}"
        );
        // The ids given for created records are theirs.
        let id = &created[7]["id"];
        let node = app
            .data(
                r#"query($id: ID!) { node(id: $id) { ... on Dialogue { slug } } }"#,
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node["node"]["slug"], "many-7");
    }
);

db_test!(
    a_batch_of_deletions_costs_a_few_statements_and_each_sees_those_before_it,
    seeded,
    |app| {
        let (iom, un) = (app.key("iom", "write").await, app.key("un", "write").await);
        let feed = r#"{ changes { totalCount } }"#;
        let changes = |v: serde_json::Value| v["changes"]["totalCount"].as_i64().unwrap();
        let (_, created) = applied(&app, &iom, dialogues("gone", 501, "g")).await;
        let by_id = |i: usize| json!({ "delete": { "record": { "id": created[i]["id"] } } });
        let by_external = |i: usize| json!({ "delete": { "record": { "externalId": format!("gone-{i}"), "type": "DIALOGUE" } } });
        let feed_before = changes(app.data_as(&iom, feed, json!({})).await);
        // Positive control: one deletion costs a few statements.
        let (one, results) = applied(&app, &iom, json!([by_id(0)])).await;
        assert_eq!(outcomes(&results), ["DELETED"]);
        assert!(one >= 4, "a deletion is written ({one} statements)");
        // 500 deletions, half by id and half by external id, in as few.
        let many: Vec<_> = (1..=500)
            .map(|i| if i % 2 == 0 { by_id(i) } else { by_external(i) })
            .collect();
        let (cost, results) = applied(&app, &iom, json!(many)).await;
        assert_eq!(outcomes(&results), vec!["DELETED"; 500]);
        assert!(
            cost <= one + 5,
            "500 deletions: {cost} statements (one deletion: {one}); at most {}",
            one + 5
        );
        assert_eq!(results[0]["version"], 2);
        assert_eq!(
            changes(app.data_as(&iom, feed, json!({})).await) - feed_before,
            1 + 500,
            "each deletion is in the feed"
        );
        let left = app
            .data(
                r#"{ dialogues(filter: {externalId: {startsWith: "gone-"}}) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(left["dialogues"]["totalCount"], 0, "{left:#}");
        // Each deletion sees the records before it as written: a record updated, deleted,
        // then created again under its slug; a second deletion of it fails alone.
        let dialogue = |title: &str| {
            json!({ "dialogue": { "externalId": "again", "input": { "slug": "again",
                "year": 2020, "title": [{ "lang": "en", "text": title }] } } })
        };
        let again =
            json!({ "delete": { "record": { "externalId": "again", "type": "DIALOGUE" } } });
        let (_, results) = applied(
            &app,
            &iom,
            json!([
                dialogue("One"),
                dialogue("Two"),
                again.clone(),
                dialogue("Three")
            ]),
        )
        .await;
        assert_eq!(
            outcomes(&results),
            ["CREATED", "UPDATED", "DELETED", "CREATED"]
        );
        assert_eq!(results[2]["version"], 3);
        assert_ne!(results[3]["id"], results[0]["id"]);
        let r = app
            .data_as(
                &iom,
                SYNC,
                json!({ "records": [again.clone(), again.clone()] }),
            )
            .await;
        assert_eq!(r["sync"]["applied"], false, "{r:#}");
        assert_eq!(r["sync"]["results"][0]["outcome"], "DELETED");
        assert_eq!(r["sync"]["results"][1]["error"]["field"], "record", "{r:#}");
        // A wrong expected version, or another partner's record, fails alone, and then
        // nothing of the batch is written.
        let expecting = |v: i64| {
            json!({ "delete": { "record": { "externalId": "again", "type": "DIALOGUE" },
                "expectedVersion": v } })
        };
        let r = app
            .data_as(&iom, SYNC, json!({ "records": [expecting(7)] }))
            .await;
        assert_eq!(
            r["sync"]["results"][0]["error"]["code"], "CONFLICT",
            "{r:#}"
        );
        assert_eq!(r["sync"]["results"][0]["error"]["currentVersion"], 1);
        let theirs = json!({ "delete": { "record": { "id": results[3]["id"] } } });
        let r = app.data_as(&un, SYNC, json!({ "records": [theirs] })).await;
        assert_eq!(r["sync"]["applied"], false, "{r:#}");
        assert_eq!(
            r["sync"]["results"][0]["error"]["code"], "FORBIDDEN",
            "{r:#}"
        );
        let still = app
            .data(
                r#"{ dialogues(filter: {externalId: {eq: "again"}}) { nodes { version } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(still["dialogues"]["nodes"], json!([{ "version": 1 }]));
    }
);

db_test!(
    each_record_of_a_batch_is_checked_as_if_those_before_it_were_written,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        let dialogue = |external: &str, slug: &str, title: &str| {
            json!({ "dialogue": { "externalId": external, "input": { "slug": slug,
                "title": [{ "lang": "en", "text": title }] } } })
        };
        // The same record twice: created, then changed.
        let (_, results) = applied(
            &app,
            &key,
            json!([
                dialogue("S-1", "s-one", "First"),
                dialogue("S-2", "s-two", "Other"),
                dialogue("S-1", "s-one", "Second")
            ]),
        )
        .await;
        assert_eq!(outcomes(&results), ["CREATED", "CREATED", "UPDATED"]);
        assert_eq!(results[2]["version"], 2);
        assert_eq!(results[0]["id"], results[2]["id"]);
        // A slug freed by one record may be taken by the next; a slug another record
        // holds may not, whether it holds it already or takes it earlier in the batch.
        let (_, results) = applied(
            &app,
            &key,
            json!([
                dialogue("S-1", "s-moved", "Second"),
                dialogue("S-3", "s-one", "Third")
            ]),
        )
        .await;
        assert_eq!(outcomes(&results), ["UPDATED", "CREATED"]);
        for records in [
            json!([dialogue("S-4", "s-two", "Taken")]),
            json!([
                dialogue("S-4", "s-four", "Four"),
                dialogue("S-5", "s-four", "Five")
            ]),
        ] {
            let r = app.data_as(&key, SYNC, json!({ "records": records })).await;
            let r = &r["sync"];
            assert_eq!(r["applied"], false, "{r:#}");
            let last = r["results"].as_array().unwrap().last().unwrap().clone();
            assert_eq!(last["error"]["field"], "slug", "{r:#}");
            assert_eq!(last["error"]["code"], "BAD_USER_INPUT");
            if r["results"].as_array().unwrap().len() == 2 {
                assert_eq!(r["results"][0]["outcome"], "CREATED", "{r:#}");
            }
        }
        let none = app
            .data(
                r#"{ dialogues(filter: {externalId: {in: ["S-4", "S-5"]}}) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            none["dialogues"]["totalCount"], 0,
            "a refused batch writes nothing"
        );
        // A record whose external id changes is found by its new one by the next record.
        let renamed =
            json!({ "dialogue": { "externalId": "S-3", "input": { "externalId": "S-3b" } } });
        let (_, results) = applied(
            &app,
            &key,
            json!([renamed, dialogue("S-3b", "s-one", "Renamed")]),
        )
        .await;
        assert_eq!(outcomes(&results), ["UPDATED", "UPDATED"]);
        assert_eq!(results[0]["id"], results[1]["id"]);
        // A value kept unique by Agora alone (a source's symbol) is checked the same way.
        let source = |external: &str| {
            json!({ "source": { "externalId": external, "input": { "kind": "UN_DOCUMENT",
                "symbol": "A/99/1", "title": [{ "lang": "en", "text": external }] } } })
        };
        let r = app
            .data_as(
                &key,
                SYNC,
                json!({ "records": [source("SRC-1"), source("SRC-2")] }),
            )
            .await;
        assert_eq!(r["sync"]["applied"], false, "{r:#}");
        assert_eq!(r["sync"]["results"][0]["outcome"], "CREATED");
        assert_eq!(r["sync"]["results"][1]["error"]["field"], "symbol", "{r:#}");
        // A partner created in the batch is found by its slug by the next record.
        let admin = app.key("iom", "admin").await;
        let r = app
            .data_as(
                &admin,
                SYNC,
                json!({ "records": [
                    { "organisation": { "externalId": "NEW-ORG", "input": { "slug": "new-partner",
                        "kind": "CIVIL_SOCIETY", "name": [{ "lang": "en", "text": "New partner" }] } } },
                    { "dialogue": { "externalId": "THEIRS", "partner": "new-partner", "input": {
                        "slug": "theirs", "title": [{ "lang": "en", "text": "Theirs" }] } } },
                ] }),
            )
            .await;
        assert_eq!(r["sync"]["applied"], true, "{r:#}");
        assert_eq!(
            outcomes(r["sync"]["results"].as_array().unwrap()),
            ["CREATED", "CREATED"]
        );
        // A cycle closed within a batch is refused.
        let org = |external: &str, slug: &str, parent: Option<&str>| {
            let mut input = json!({ "slug": slug, "kind": "CIVIL_SOCIETY",
                "name": [{ "lang": "en", "text": slug }] });
            if let Some(p) = parent {
                input["parent"] = json!({ "externalId": p });
            }
            json!({ "organisation": { "externalId": external, "input": input } })
        };
        let r = app
            .data_as(
                &key,
                SYNC,
                json!({ "records": [org("C-1", "cycle-one", None), org("C-2", "cycle-two", Some("C-1")), org("C-3", "cycle-three", Some("C-2")), org("C-1", "cycle-one", Some("C-3"))] }),
            )
            .await;
        let r = &r["sync"];
        assert_eq!(r["applied"], false, "{r:#}");
        assert_eq!(
            outcomes(r["results"].as_array().unwrap()),
            ["CREATED", "CREATED", "CREATED", "-"]
        );
        assert_eq!(r["results"][3]["error"]["field"], "parent", "{r:#}");
    }
);

db_test!(
    a_batch_of_edges_costs_a_few_statements_and_each_sees_those_before_it,
    seeded,
    |app| {
        let (iom, un) = (app.key("iom", "write").await, app.key("un", "write").await);
        let feed = r#"{ changes { totalCount } }"#;
        let changes = |v: serde_json::Value| v["changes"]["totalCount"].as_i64().unwrap();
        applied(&app, &iom, dialogues("edge", 500, "e")).await;
        let organisation = |external: &str| {
            json!({ "organisation": { "externalId": external, "input": { "slug": external.to_lowercase(),
                "kind": "CIVIL_SOCIETY", "name": [{ "lang": "en", "text": external }] } } })
        };
        applied(
            &app,
            &iom,
            json!([organisation("E-ORG-A"), organisation("E-ORG-B")]),
        )
        .await;
        let (_, un_org) = applied(&app, &un, json!([organisation("E-ORG-UN")])).await;
        let un_org = un_org[0]["id"].clone();
        let edge = |op: &str, from: String, to: &str| {
            json!({ op: { "kind": "DIALOGUE_PARTICIPANT", "from": { "externalId": from },
                "to": { "externalId": to }, "participationRole": "PARTICIPANT" } })
        };
        let feed_before = changes(app.data_as(&iom, feed, json!({})).await);
        // Positive control: one edge costs a few statements.
        let (one, results) = applied(
            &app,
            &iom,
            json!([edge("addEdge", "edge-0".into(), "E-ORG-A")]),
        )
        .await;
        assert_eq!(outcomes(&results), ["CREATED"]);
        assert_eq!(results[0]["version"], 2);
        assert!(one >= 4, "an edge is written ({one} statements)");
        // 500 edges, one per dialogue: the one of them already there is unchanged.
        let many: Vec<_> = (0..500)
            .map(|i| edge("addEdge", format!("edge-{i}"), "E-ORG-A"))
            .collect();
        let (cost, results) = applied(&app, &iom, json!(many)).await;
        let mut expected = vec!["CREATED"; 500];
        expected[0] = "UNCHANGED";
        assert_eq!(outcomes(&results), expected);
        assert!(
            cost <= one + 5,
            "500 edges: {cost} statements (one edge: {one}); at most {}",
            one + 5
        );
        assert_eq!(results[0]["version"], 2, "an unchanged edge leaves it be");
        assert_eq!(results[499]["version"], 2);
        // Removed, in as few.
        let gone: Vec<_> = (0..500)
            .map(|i| edge("removeEdge", format!("edge-{i}"), "E-ORG-A"))
            .collect();
        let (cost, results) = applied(&app, &iom, json!(gone)).await;
        assert_eq!(outcomes(&results), vec!["DELETED"; 500]);
        assert!(cost <= one + 5, "500 removals: {cost} statements");
        assert_eq!(
            changes(app.data_as(&iom, feed, json!({})).await) - feed_before,
            1 + 499 + 500,
            "each edge changed is in the feed"
        );
        // Each edge is checked as if those before it were written: on one record, the
        // versions follow each other; an edge added and removed again is gone; a
        // partnership named the other way round is the same one.
        let partnership = |op: &str, from: &str, to: &str| {
            json!({ op: { "kind": "PARTNERSHIP", "from": { "externalId": from },
                "to": { "externalId": to }, "level": "REGIONAL" } })
        };
        let (_, results) = applied(
            &app,
            &iom,
            json!([
                edge("addEdge", "edge-7".into(), "E-ORG-A"),
                edge("addEdge", "edge-7".into(), "E-ORG-B"),
                edge("addEdge", "edge-7".into(), "E-ORG-A"),
                edge("removeEdge", "edge-7".into(), "E-ORG-B"),
                edge("removeEdge", "edge-7".into(), "E-ORG-B"),
                partnership("addEdge", "E-ORG-A", "E-ORG-B"),
                partnership("addEdge", "E-ORG-B", "E-ORG-A"),
            ]),
        )
        .await;
        assert_eq!(
            outcomes(&results),
            [
                "CREATED",
                "CREATED",
                "UNCHANGED",
                "DELETED",
                "UNCHANGED",
                "CREATED",
                "UNCHANGED"
            ]
        );
        let versions: Vec<_> = results[..5].iter().map(|r| r["version"].clone()).collect();
        assert_eq!(versions, [json!(4), json!(5), json!(5), json!(6), json!(6)]);
        let stored = app
            .data(
                r#"{ dialogues(filter: {externalId: {eq: "edge-7"}}) { nodes { version participants { edges { node { slug } } } } } }"#,
                json!({}),
            )
            .await;
        let node = &stored["dialogues"]["nodes"][0];
        assert_eq!(node["version"], 6);
        assert_eq!(
            node["participants"]["edges"],
            json!([{ "node": { "slug": "e-org-a" } }])
        );
        // An edge belongs to the partner that made it, in a batch as alone: another
        // partner may not remove it, even named the other way round, and then nothing of
        // its batch is written.
        applied(
            &app,
            &iom,
            json!([{ "addEdge": { "kind": "PARTNERSHIP", "from": { "externalId": "E-ORG-A" },
                "to": { "id": un_org }, "level": "REGIONAL" } }]),
        )
        .await;
        let r = app
            .data_as(
                &un,
                SYNC,
                json!({ "records": [
                    { "addEdge": { "kind": "PARTNERSHIP", "from": { "id": un_org },
                        "to": { "externalId": "E-ORG-B", "partner": "iom" }, "level": "LOCAL" } },
                    { "removeEdge": { "kind": "PARTNERSHIP", "from": { "id": un_org },
                        "to": { "externalId": "E-ORG-A", "partner": "iom" }, "level": "REGIONAL" } }
                ] }),
            )
            .await;
        assert_eq!(r["sync"]["applied"], false, "{r:#}");
        assert_eq!(
            outcomes(&r["sync"]["results"].as_array().unwrap()[..1]),
            ["CREATED"]
        );
        assert_eq!(
            r["sync"]["results"][1]["error"]["code"], "FORBIDDEN",
            "{r:#}"
        );
        let partners = app
            .data(
                r#"query($id: ID!) { node(id: $id) { ... on Organisation { version partners { edges { level node { slug } } } } } }"#,
                json!({ "id": un_org }),
            )
            .await;
        assert_eq!(
            partners["node"],
            json!({ "version": 1, "partners": { "edges": [{ "level": "REGIONAL", "node": { "slug": "e-org-a" } }] } }),
            "the edge made by the other partner stays, and nothing of the refused batch is written"
        );
    }
);

db_test!(
    a_batch_of_affiliations_costs_a_few_statements_and_each_sees_those_before_it,
    seeded,
    |app| {
        let iom = app.key("iom", "write").await;
        let feed = r#"{ changes { totalCount } }"#;
        let changes = |v: serde_json::Value| v["changes"]["totalCount"].as_i64().unwrap();
        let people: Vec<_> = (0..300)
            .map(|i| json!({ "person": { "externalId": format!("aff-{i}"), "input": { "name": format!("Affiliated {i}") } } }))
            .collect();
        applied(&app, &iom, json!(people)).await;
        let (_, org) = applied(
            &app,
            &iom,
            json!([{ "organisation": { "externalId": "AFF-ORG", "input": { "slug": "aff-org",
                "kind": "CIVIL_SOCIETY", "name": [{ "lang": "en", "text": "Aff org" }] } } }]),
        )
        .await;
        let org = org[0]["id"].clone();
        let affiliation = |op: &str,
                           i: usize,
                           start: Option<&str>,
                           end: Option<&str>,
                           position: &str| {
            let mut e = json!({ "kind": "AFFILIATION", "from": { "externalId": format!("aff-{i}") },
                "to": { "id": org } });
            if let Some(s) = start {
                e["startDate"] = json!(s);
            }
            if let Some(d) = end {
                e["endDate"] = json!(d);
            }
            if op == "addEdge" {
                e["position"] = json!([{ "lang": "en", "text": position }, { "lang": "fr", "text": format!("{position} (fr)") }]);
            }
            json!({ op: e })
        };
        let stored = |i: usize| {
            let q = format!(
                r#"{{ people(filter: {{externalId: {{eq: "aff-{i}"}}}}) {{ nodes {{ version affiliations {{ edges {{ startDate endDate position(lang: "fr") {{ text }} }} }} }} }} }}"#
            );
            let app = &app;
            async move {
                let mut node = app.data(&q, json!({})).await["people"]["nodes"][0].clone();
                let mut edges = node["affiliations"]["edges"].as_array().unwrap().clone();
                edges.sort_by_key(|e| e["startDate"].to_string());
                node["affiliations"] = json!(edges);
                node
            }
        };
        let feed_before = changes(app.data_as(&iom, feed, json!({})).await);
        // Positive control: one affiliation costs a few statements.
        let (one, results) = applied(
            &app,
            &iom,
            json!([affiliation(
                "addEdge",
                0,
                Some("2020-01-01"),
                None,
                "Officer"
            )]),
        )
        .await;
        assert_eq!(outcomes(&results), ["CREATED"]);
        assert!(one >= 4, "an affiliation is written ({one} statements)");
        // 300, one per person: the one already there is unchanged.
        let many: Vec<_> = (0..300)
            .map(|i| affiliation("addEdge", i, Some("2020-01-01"), None, "Officer"))
            .collect();
        let (cost, results) = applied(&app, &iom, json!(many)).await;
        let mut expected = vec!["CREATED"; 300];
        expected[0] = "UNCHANGED";
        assert_eq!(outcomes(&results), expected);
        assert!(
            cost <= one + 5,
            "300 affiliations: {cost} statements (one: {one}); at most {}",
            one + 5
        );
        // Their end dates and positions set, in as few.
        let ended: Vec<_> = (0..300)
            .map(|i| affiliation("addEdge", i, Some("2020-01-01"), Some("2023-12-31"), "Head"))
            .collect();
        let (cost, results) = applied(&app, &iom, json!(ended)).await;
        assert_eq!(outcomes(&results), vec!["UPDATED"; 300]);
        assert!(cost <= one + 5, "300 updates: {cost} statements");
        assert_eq!(
            stored(299).await,
            json!({ "version": 3, "affiliations": [{ "startDate": "2020-01-01",
                "endDate": "2023-12-31", "position": { "text": "Head (fr)" } }] })
        );
        // Each sees those before it: added, the same again, changed, another without a
        // start date, the first removed, removed again.
        let (_, results) = applied(
            &app,
            &iom,
            json!([
                affiliation("addEdge", 7, Some("2024-01-01"), None, "Adviser"),
                affiliation("addEdge", 7, Some("2024-01-01"), None, "Adviser"),
                affiliation(
                    "addEdge",
                    7,
                    Some("2024-01-01"),
                    Some("2024-06-30"),
                    "Chief"
                ),
                affiliation("addEdge", 7, None, None, "Member"),
                affiliation("removeEdge", 7, Some("2020-01-01"), None, ""),
                affiliation("removeEdge", 7, Some("2020-01-01"), None, ""),
            ]),
        )
        .await;
        assert_eq!(
            outcomes(&results),
            [
                "CREATED",
                "UNCHANGED",
                "UPDATED",
                "CREATED",
                "DELETED",
                "UNCHANGED"
            ]
        );
        let versions: Vec<_> = results.iter().map(|r| r["version"].clone()).collect();
        assert_eq!(
            versions,
            [json!(4), json!(4), json!(5), json!(6), json!(7), json!(7)]
        );
        assert_eq!(
            stored(7).await,
            json!({ "version": 7, "affiliations": [
                { "startDate": "2024-01-01", "endDate": "2024-06-30", "position": { "text": "Chief (fr)" } },
                { "startDate": null, "endDate": null, "position": { "text": "Member (fr)" } },
            ] })
        );
        // Removed, in as few; their positions go with them.
        let gone: Vec<_> = (0..300)
            .filter(|i| *i != 7)
            .map(|i| affiliation("removeEdge", i, Some("2020-01-01"), None, ""))
            .collect();
        let (cost, results) = applied(&app, &iom, json!(gone)).await;
        assert_eq!(outcomes(&results), vec!["DELETED"; 299]);
        assert!(cost <= one + 5, "299 removals: {cost} statements");
        assert_eq!(
            stored(299).await,
            json!({ "version": 4, "affiliations": [] })
        );
        assert_eq!(
            changes(app.data_as(&iom, feed, json!({})).await) - feed_before,
            1 + 299 + 300 + 4 + 299,
            "each affiliation changed is in the feed"
        );
    }
);
