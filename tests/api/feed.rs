//! The change feed and the history of records.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::{common::*, db_test};

const FEED: &str = r#"query($after: String, $types: [NodeType!]) { changes(after: $after, first: 10, types: $types) {
    pageInfo { endCursor hasNextPage } nodes { sequence op type id externalId version edge { kind target role } node { id } } } }"#;

/// Reads the whole feed after `cursor`, page by page; returns the changes and the cursor.
async fn read_all(
    app: &TestApp,
    key: &str,
    mut cursor: Value,
    types: Value,
) -> (Vec<Value>, Value) {
    let mut seen = Vec::new();
    loop {
        let d = app
            .data_as(key, FEED, json!({ "after": cursor, "types": types }))
            .await;
        let page = &d["changes"];
        seen.extend(page["nodes"].as_array().unwrap().iter().cloned());
        if !page["pageInfo"]["endCursor"].is_null() {
            cursor = page["pageInfo"]["endCursor"].clone();
        }
        if page["pageInfo"]["hasNextPage"] == false {
            return (seen, cursor);
        }
    }
}

db_test!(
    the_feed_has_creations_updates_edges_and_tombstones_in_order,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        // The feed opens with the seed (the knowledge base and the vocabularies): each
        // record of the graph created once.
        let (start, cursor) = read_all(&app, &key, Value::Null, Value::Null).await;
        let counts = app
            .data(
                "{ dialogues { totalCount } workshops { totalCount } reports { totalCount } tools { totalCount } organisations { totalCount } people { totalCount } themes { totalCount } sources { totalCount } }",
                json!({}),
            )
            .await;
        let records: i64 = counts
            .as_object()
            .unwrap()
            .values()
            .map(|l| l["totalCount"].as_i64().unwrap())
            .sum();
        assert_eq!(start.len() as i64, records);
        let ids: BTreeSet<&str> = start.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), start.len(), "each record once");
        assert!(
            start
                .iter()
                .all(|c| c["op"] == "CREATE" && c["version"] == 1)
        );
        let id = app
        .data_as(&key, r#"mutation { upsertTool(externalId: "T-1", input: {kind: TRAINING, name: [{lang: "en", text: "Course"}]}) { id } }"#, json!({}))
        .await["upsertTool"]["id"]
        .clone();
        app.data_as(
            &key,
            r#"mutation($id: ID!) { updateTool(id: $id, input: {year: 2020}) { version } }"#,
            json!({ "id": id }),
        )
        .await;
        let iom = app
            .data(r#"{ organisationBySlug(slug: "iom") { id } }"#, json!({}))
            .await["organisationBySlug"]["id"]
            .clone();
        app.data_as(
        &key,
        "mutation($t: ID!, $o: ID!) { addEdge(input: {kind: TOOL_DEVELOPER, from: {id: $t}, to: {id: $o}, developerRole: LEAD}) { outcome } }",
        json!({ "t": id, "o": iom }),
    )
    .await;
        app.data_as(
            &key,
            "mutation($id: ID!) { deleteTool(id: $id) { outcome } }",
            json!({ "id": id }),
        )
        .await;
        let (changes, end) = read_all(&app, &key, cursor.clone(), Value::Null).await;
        let summary: Vec<_> = changes
            .iter()
            .map(|c| (c["op"].clone(), c["version"].clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (json!("CREATE"), json!(1)),
                (json!("UPDATE"), json!(2)),
                (json!("LINK"), json!(3)),
                (json!("DELETE"), json!(4))
            ]
        );
        let tombstone = &changes[3];
        assert_eq!(
            (
                tombstone["type"].clone(),
                tombstone["id"].clone(),
                tombstone["externalId"].clone()
            ),
            (json!("TOOL"), id.clone(), json!("T-1"))
        );
        assert!(tombstone["node"].is_null(), "deleted since");
        assert_eq!(
            changes[2]["edge"],
            json!({ "kind": "TOOL_DEVELOPER", "target": iom, "role": "LEAD" })
        );
        // Type filters: edge changes count for both ends.
        let (orgs, _) = read_all(&app, &key, cursor.clone(), json!(["ORGANISATION"])).await;
        assert_eq!(orgs.len(), 1);
        let (dialogues, _) = read_all(&app, &key, cursor, json!(["DIALOGUE"])).await;
        assert!(dialogues.is_empty());
        // Resuming from the end: nothing new, and a cursor of another kind is refused.
        assert!(read_all(&app, &key, end, Value::Null).await.0.is_empty());
        let body = app.post_as(&key, FEED, json!({ "after": "bm9wZQ" })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
    }
);

db_test!(history_shows_who_changed_what, seeded, |app| {
    let key = app.key("iom", "write").await;
    let id = app
        .data_as(&key, r#"mutation { createPerson(input: {name: "Hist", summary: [{lang: "en", text: "v1"}]}) { id } }"#, json!({}))
        .await["createPerson"]["id"]
        .clone();
    for (name, text) in [("Hist", "v2"), ("History", "v2")] {
        app.data_as(
            &key,
            "mutation($id: ID!, $n: String, $t: String) { updatePerson(id: $id, input: {name: $n, summary: [{lang: \"en\", text: $t}]}) { version } }",
            json!({ "id": id, "n": name, "t": text }),
        )
        .await;
    }
    let d = app
        .data_as(
            &key,
            r#"query($id: ID!) { node(id: $id) { ... on Person { history(first: 2) { totalCount pageInfo { hasNextPage endCursor }
                nodes { op version changedFields by { key partner { slug } } before after } } } } }"#,
            json!({ "id": id }),
        )
        .await;
    let h = &d["node"]["history"];
    assert_eq!(h["totalCount"], 3);
    assert_eq!(h["pageInfo"]["hasNextPage"], true);
    let newest = &h["nodes"][0];
    assert_eq!(
        (newest["op"].clone(), newest["version"].clone()),
        (json!("UPDATE"), json!(3))
    );
    assert_eq!(newest["changedFields"], json!(["name"]));
    assert_eq!(newest["by"]["partner"]["slug"], "iom");
    assert_eq!(
        (
            newest["before"]["columns"]["name"].clone(),
            newest["after"]["columns"]["name"].clone()
        ),
        (json!("Hist"), json!("History"))
    );
    assert_eq!(h["nodes"][1]["changedFields"], json!(["summary"]));
    assert_eq!(h["nodes"][1]["after"]["texts"]["summary"]["en"], "v2");
    let older = app
        .data_as(
            &key,
            "query($id: ID!, $c: String) { node(id: $id) { ... on Person { history(after: $c) { nodes { op version } } } } }",
            json!({ "id": id, "c": h["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        older["node"]["history"]["nodes"],
        json!([{ "op": "CREATE", "version": 1 }])
    );
});

db_test!(
    a_reader_sees_every_concurrent_change_exactly_once_in_order,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        const WRITERS: usize = 4;
        const WRITES: usize = 15;
        // The feed holds the seed's records: read from after them.
        let (_, start) = read_all(&app, &key, Value::Null, Value::Null).await;
        let app = std::sync::Arc::new(app);
        let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (app, key) = (app.clone(), key.clone());
            tokio::spawn(async move {
                for i in 0..WRITES {
                    let ext = format!("W{w}-{i}");
                    let q = format!(r#"mutation {{ upsertPerson(externalId: "{ext}", input: {{name: "{ext}"}}) {{ outcome }} }}"#);
                    app.data_as(&key, &q, json!({})).await;
                }
            })
        })
        .collect();
        let reader = {
            let (app, key, start) = (app.clone(), key.clone(), start.clone());
            tokio::spawn(async move {
                let (mut seen, mut cursor) = (Vec::new(), start);
                while seen.len() < WRITERS * WRITES {
                    let (page, next) = read_all(&app, &key, cursor, Value::Null).await;
                    seen.extend(page);
                    cursor = next;
                    tokio::task::yield_now().await;
                }
                seen
            })
        };
        for w in writers {
            w.await.unwrap();
        }
        let seen = tokio::time::timeout(std::time::Duration::from_secs(60), reader)
            .await
            .unwrap()
            .unwrap();
        let sequences: Vec<u64> = seen
            .iter()
            .map(|c| c["sequence"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(
            sequences.windows(2).all(|w| w[0] < w[1]),
            "strictly in order: {sequences:?}"
        );
        let ids: BTreeSet<String> = seen
            .iter()
            .map(|c| c["externalId"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(seen.len(), WRITERS * WRITES, "each change once");
        assert_eq!(ids.len(), WRITERS * WRITES, "every change");
        // And nothing more after the last.
        let (rest, _) = read_all(&app, &key, start, Value::Null).await;
        assert_eq!(rest.len(), WRITERS * WRITES);
    }
);

/// POSTs `query` with `variables` to a server process at `addr` with `key`; returns the
/// body.
async fn post_to(addr: &str, key: &str, query: &str, variables: Value) -> Value {
    let auth = format!("Bearer {key}");
    let body = json!({ "query": query, "variables": variables }).to_string();
    crate::common::http(addr, "POST", "/graphql", &[("Authorization", &auth)], &body)
        .await
        .json()
}

/// The peak resident memory of a process, in KiB (Linux).
fn peak_kib(pid: u32) -> i64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A page of the feed, a history or a subscription that does not ask for the records'
/// values weighs the same whatever its records weigh: a record of 20 summaries of 18,000
/// characters (360 KB), whose summaries are all rewritten 30 times, makes the feed's
/// values about 22 MB a page (the creation, then what each update changed, before and
/// after); four such pages, four histories and a subscriber catching up on them leave the
/// server's peak memory where it was. Asking for `after` (the control) reads them, and
/// the peak grows.
#[tokio::test]
async fn a_page_of_the_feed_weighs_the_same_whatever_its_records_weigh() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let limits = [
        ("AGORA_RATE_LIMIT_OPERATIONS", "0"),
        ("AGORA_RATE_LIMIT_COST", "0"),
    ];
    let server = ServerProcess::sqlite(dir.path(), &limits);
    let key = cli_key(
        Command::new(AGORA)
            .current_dir(dir.path())
            .env_remove("AGORA_DATABASE_URL"),
        "write",
    );
    let languages = [
        "en", "fr", "es", "de", "it", "pt", "ar", "zh", "ru", "ja", "ko", "nl", "sv", "pl", "tr",
        "el", "he", "hi", "sw", "uk",
    ];
    let summary: Vec<Value> = languages
        .iter()
        .map(|l| json!({ "lang": l, "text": format!("{l} ").repeat(6_000) }))
        .collect();
    let created = post_to(
        &server.addr,
        &key,
        "mutation($s: [TextInput!]) { createDialogue(input: {slug: \"large\", title: [{lang: \"en\", text: \"Large 0\"}], summary: $s}) { id } }",
        json!({ "s": summary }),
    )
    .await;
    let id = created["data"]["createDialogue"]["id"].clone();
    assert!(id.is_string(), "{created}");
    // One word changed: the history keeps that word, not two copies of the record.
    let renamed = post_to(
        &server.addr,
        &key,
        "mutation($id: ID!) { updateDialogue(id: $id, input: {title: [{lang: \"en\", text: \"Large, renamed\"}]}) { version } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(renamed["data"]["updateDialogue"]["version"], 2, "{renamed}");
    let newest = post_to(
        &server.addr,
        &key,
        &format!("{{ node(id: {id}) {{ ... on Dialogue {{ history(first: 1) {{ nodes {{ changedFields before after }} }} }} }} }}"),
        json!({}),
    )
    .await;
    let change = &newest["data"]["node"]["history"]["nodes"][0];
    assert_eq!(change["changedFields"], json!(["title"]), "{newest}");
    assert_eq!(
        change["before"],
        json!({ "columns": {}, "texts": { "title": { "en": "Large 0" } } })
    );
    assert_eq!(
        change["after"],
        json!({ "columns": {}, "texts": { "title": { "en": "Large, renamed" } } })
    );
    // Each update rewrites every summary: each change holds them all, before and after.
    for n in 1..=30u8 {
        let summary: Vec<Value> = languages
            .iter()
            .map(|l| json!({ "lang": l, "text": format!("{l}{}", char::from(b'A' + n)).repeat(6_000) }))
            .collect();
        let updated = post_to(
            &server.addr,
            &key,
            "mutation($id: ID!, $s: [TextInput!]) { updateDialogue(id: $id, input: {summary: $s}) { version } }",
            json!({ "id": id, "s": summary }),
        )
        .await;
        assert!(updated.get("errors").is_none(), "{updated}");
    }
    let pid = server.child.id();
    let four_pages = |query: &'static str| {
        let (addr, key) = (server.addr.clone(), key.clone());
        async move {
            let pages = (0..4).map(|_| post_to(&addr, &key, query, json!({})));
            futures_util::future::join_all(pages).await
        }
    };
    let before = peak_kib(pid);
    for page in four_pages("{ changes(first: 100) { nodes { sequence } } }").await {
        assert!(
            page["data"]["changes"]["nodes"].as_array().unwrap().len() > 30,
            "{page}"
        );
    }
    // The record's history, the same way.
    let history = |field: &'static str| {
        format!(
            "{{ node(id: {id}) {{ ... on Dialogue {{ history(first: 100) {{ nodes {{ {field} }} }} }} }} }}"
        )
    };
    let lean_history = history("sequence");
    let histories = (0..4).map(|_| post_to(&server.addr, &key, &lean_history, json!({})));
    for page in futures_util::future::join_all(histories).await {
        let revisions = page["data"]["node"]["history"]["nodes"].as_array().unwrap();
        assert_eq!(revisions.len(), 32, "{page}");
    }
    // A subscriber that catches up on all of it, from the feed's first change.
    let first = post_to(
        &server.addr,
        &key,
        "{ changes(first: 1) { edges { cursor } } }",
        json!({}),
    )
    .await;
    let start = first["data"]["changes"]["edges"][0]["cursor"].clone();
    let last = post_to(&server.addr, &key, &history("sequence"), json!({})).await["data"]["node"]
        ["history"]["nodes"][0]["sequence"]
        .clone();
    caught_up(&server.addr, &key, &start, &last).await;
    let lean = peak_kib(pid) - before;
    assert!(lean < 16 * 1024, "the peak grew by {lean} KiB");
    // Control: asking for the values reads them, and the same histories weigh far more.
    let full_history = history("after");
    let histories = (0..4).map(|_| post_to(&server.addr, &key, &full_history, json!({})));
    for page in futures_util::future::join_all(histories).await {
        assert!(page.get("errors").is_none());
    }
    let full = peak_kib(pid) - before;
    assert!(
        full > lean + 32 * 1024,
        "{full} KiB with the values, {lean} KiB without"
    );
    // Asked for, the values are there, in the feed and to a subscriber.
    for page in four_pages("{ changes(first: 100) { nodes { after } } }").await {
        assert!(page.get("errors").is_none());
    }
    eprintln!(
        "peak growth for four pages, four histories and a subscriber: {lean} KiB lean, {full} KiB with `after`"
    );
}

/// Subscribes from `start` (a cursor) and waits for the change numbered `last`; each
/// change delivered is checked to carry no values, as none were asked for.
async fn caught_up(addr: &str, key: &str, start: &Value, last: &Value) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let mut socket = crate::common::ws_connect(addr).await;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {key}") } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let query = "subscription($after: String) { recordChanged(after: $after) { sequence } }";
    let subscribe = json!({ "type": "subscribe", "id": "s", "payload": { "query": query, "variables": { "after": start } } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    let reached = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Some(Ok(message)) = socket.next().await {
            let Message::Text(t) = message else { continue };
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "next" && v["payload"]["data"]["recordChanged"]["sequence"] == *last {
                return;
            }
        }
        panic!("the subscription ended before change {last}");
    })
    .await;
    assert!(reached.is_ok(), "change {last} never delivered");
}

/// Applies what a record change says to a mirror of records (by type and global id, each
/// `{columns, texts}`): a creation's values, an update's changed columns and texts (null
/// removes a text), a deletion.
fn replay(mirror: &mut std::collections::BTreeMap<(String, String), Value>, change: &Value) {
    let key = (
        change["type"].as_str().unwrap().to_string(),
        change["id"].as_str().unwrap().to_string(),
    );
    let after = match &change["after"] {
        Value::String(s) => serde_json::from_str(s).unwrap(),
        v => v.clone(),
    };
    match change["op"].as_str().unwrap() {
        "CREATE" => {
            assert!(
                after.is_object(),
                "a creation carries its values: {change:#}"
            );
            mirror.insert(key, after);
        }
        "UPDATE" => {
            let record = mirror
                .get_mut(&key)
                .unwrap_or_else(|| panic!("an update of a record never created: {change:#}"));
            for (column, value) in after["columns"].as_object().unwrap() {
                record["columns"][column] = value.clone();
            }
            for (field, langs) in after["texts"].as_object().unwrap() {
                for (lang, text) in langs.as_object().unwrap() {
                    let texts = record["texts"].as_object_mut().unwrap();
                    if text.is_null() {
                        if let Some(f) = texts.get_mut(field).and_then(Value::as_object_mut) {
                            f.remove(lang);
                            if f.is_empty() {
                                texts.remove(field);
                            }
                        }
                    } else {
                        texts.entry(field.clone()).or_insert_with(|| json!({}))[lang] =
                            text.clone();
                    }
                }
            }
        }
        "DELETE" => {
            assert!(mirror.remove(&key).is_some(), "{change:#}");
        }
        _ => {}
    }
}

db_test!(
    replaying_the_feed_from_the_start_gives_every_live_record,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        let sync = r#"mutation($r: [SyncRecord!]!) { sync(records: $r) { applied } }"#;
        let writes = [
            json!([
                { "dialogue": { "externalId": "M-1", "input": { "slug": "mirror-one", "year": 2021,
                    "title": [{ "lang": "en", "text": "Mirror" }, { "lang": "fr", "text": "Miroir" }] } } },
                { "person": { "externalId": "M-2", "input": { "name": "Mirror Person" } } },
                { "dialogue": { "externalId": "M-3", "input": { "slug": "mirror-three",
                    "title": [{ "lang": "en", "text": "Gone soon" }] } } },
            ]),
            json!([
                { "dialogue": { "externalId": "M-1", "input": { "year": 2022, "city": "Geneva",
                    "title": [{ "lang": "fr", "text": null }, { "lang": "es", "text": "Espejo" }] } } },
                { "delete": { "record": { "externalId": "M-3", "type": "DIALOGUE" } } },
                { "person": { "externalId": "M-2", "input": { "name": "Mirror Person Renamed" } } },
            ]),
        ];
        for records in writes {
            let r = app.data_as(&key, sync, json!({ "r": records })).await;
            assert_eq!(r["sync"]["applied"], true, "{r:#}");
        }
        let page = r#"query($after: String) { changes(after: $after, first: 100) {
            pageInfo { endCursor hasNextPage } nodes { op type id after } } }"#;
        let mut mirror = std::collections::BTreeMap::new();
        let mut after = Value::Null;
        loop {
            let d = app.data_as(&key, page, json!({ "after": after })).await;
            for change in d["changes"]["nodes"].as_array().unwrap() {
                replay(&mut mirror, change);
            }
            if d["changes"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = d["changes"]["pageInfo"]["endCursor"].clone();
        }
        // The database's live records, read directly.
        use sea_orm::ConnectionTrait;
        let mut stored = std::collections::BTreeMap::new();
        for kind in agora::repo::node::NodeType::ALL {
            let table = kind.table();
            let rows = app
                .db()
                .query_all_raw(sea_orm::Statement::from_string(
                    app.db().get_database_backend(),
                    format!("SELECT id FROM {table} WHERE deleted_at IS NULL"),
                ))
                .await
                .unwrap();
            let ids: Vec<i64> = rows
                .iter()
                .map(|r| r.try_get_by_index(0).unwrap())
                .collect();
            for (id, values) in agora::repo::write::snapshots(app.db(), kind, &ids)
                .await
                .unwrap()
            {
                let global = agora::graphql::id::encode(kind, id).to_string();
                // The GraphQL enum's value: `DIALOGUE` for `Dialogue`.
                stored.insert((kind.name().to_uppercase(), global), values);
            }
        }
        assert!(
            stored.len() > 50,
            "the seed's records are there: {}",
            stored.len()
        );
        let mirrored: BTreeSet<_> = mirror.keys().collect();
        let live: BTreeSet<_> = stored.keys().collect();
        assert_eq!(
            live.difference(&mirrored).collect::<Vec<_>>(),
            Vec::<&&(String, String)>::new(),
            "every live record is in the feed"
        );
        assert_eq!(mirrored, live, "no record the feed deleted is live");
        for (k, v) in &stored {
            assert_eq!(&mirror[k], v, "{k:?}: the feed's values are the record's");
        }
    }
);
