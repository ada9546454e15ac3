//! Mutations of every kind: create, partial update, delete, upsert and edges, with their
//! validation, versions and optimistic concurrency.

use serde_json::{Value, json};

use crate::{common::*, db_test};

/// A mutation per type, creating a record with its required fields (and some more).
fn creations(dialogue: &Value) -> Vec<(&'static str, String)> {
    vec![
        ("createDialogue", r#"createDialogue(input: {slug: "new-dialogue", title: [{lang: "en", text: "New"}], startDate: "2020-05-04", endDate: "2020-05-05", country: "ch"}) { outcome id version node { year country } }"#.into()),
        ("createWorkshop", format!(r#"createWorkshop(input: {{dialogue: {{id: {dialogue}}}, title: [{{lang: "fr", text: "Atelier"}}], position: 3}}) {{ outcome id version node {{ dialogue {{ slug }} originalLanguage }} }}"#)),
        ("createReport", r#"createReport(input: {kind: STUDY, symbol: "X/1", title: [{lang: "en", text: "A study"}], publishedOn: "2019-02-01"}) { outcome id version node { year } }"#.into()),
        ("createTool", r#"createTool(input: {kind: PLATFORM, name: [{lang: "en", text: "A platform"}], url: "https://example.org/p"}) { outcome id version node { kind } }"#.into()),
        ("createOrganisation", r#"createOrganisation(input: {slug: "new-org", kind: ACADEMIA, name: [{lang: "en", text: "A university"}], parent: {externalId: "nope-not-used"}}) { outcome id }"#.into()),
        ("createPerson", r#"createPerson(input: {name: "Ada", email: "ada@example.org", summary: [{lang: "en", text: "Bio"}]}) { outcome id version }"#.into()),
        ("createTheme", r#"createTheme(input: {code: "NEW-1", scheme: FREE, title: [{lang: "es", text: "Nuevo"}]}) { outcome id version node { originalLanguage } }"#.into()),
    ]
}

db_test!(every_type_is_created_updated_and_deleted, seeded, |app| {
    let key = app.key("iom", "write").await;
    // The workshop goes into a dialogue of the key's own partner.
    let own = app
        .data_as(
            &key,
            r#"mutation { createDialogue(input: {slug: "own", title: [{lang: "en", text: "Own"}]}) { id } }"#,
            json!({}),
        )
        .await["createDialogue"]["id"]
        .clone();
    for (field, m) in creations(&own) {
        let body = app
            .post_as(&key, &format!("mutation {{ {m} }}"), json!({}))
            .await;
        if field == "createOrganisation" {
            // A reference to a record that does not exist names its field.
            assert_eq!(error_code(&body), "BAD_USER_INPUT");
            assert_eq!(body["errors"][0]["extensions"]["field"], "parent");
            continue;
        }
        assert!(body.get("errors").is_none(), "{body}");
        let r = &body["data"][field];
        assert_eq!(
            (r["outcome"].as_str(), r["version"].as_i64()),
            (Some("CREATED"), Some(1)),
            "{field}"
        );
    }
    let d = app.data_as(&key, "{ workshops(filter: {position: {eq: 3}}) { nodes { id originalLanguage dialogue { slug } } } }", json!({})).await;
    assert_eq!(d["workshops"]["nodes"][0]["dialogue"]["slug"], "own");
    assert_eq!(
        d["workshops"]["nodes"][0]["originalLanguage"], "fr",
        "the only language of the texts"
    );
    let d = app
        .data(
            r#"{ dialogueBySlug(slug: "new-dialogue") { id year country updatedAt } }"#,
            json!({}),
        )
        .await;
    let dialogue = d["dialogueBySlug"].clone();
    assert_eq!(
        (dialogue["year"].clone(), dialogue["country"].clone()),
        (json!(2020), json!("CH"))
    );

    // A partial update changes only what it names, bumps the version and updatedAt.
    let u = app
        .data_as(
            &key,
            r#"mutation($id: ID!) { updateDialogue(id: $id, input: {city: "Bern", title: [{lang: "fr", text: "Nouveau"}]}) {
                outcome version node { city country year updatedAt title(lang: "fr") { text } en: title(lang: "en") { text } } } }"#,
            json!({ "id": dialogue["id"] }),
        )
        .await;
    let u = &u["updateDialogue"];
    assert_eq!(
        (u["outcome"].as_str(), u["version"].as_i64()),
        (Some("UPDATED"), Some(2))
    );
    assert_eq!(u["node"]["city"], "Bern");
    assert_eq!(
        (u["node"]["country"].clone(), u["node"]["year"].clone()),
        (json!("CH"), json!(2020))
    );
    assert_eq!(
        (
            u["node"]["title"]["text"].as_str(),
            u["node"]["en"]["text"].as_str()
        ),
        (Some("Nouveau"), Some("New"))
    );
    assert!(u["node"]["updatedAt"].as_str() > dialogue["updatedAt"].as_str());
    // Null clears a field; a null text removes one language.
    let u = app
        .data_as(
            &key,
            r#"mutation($id: ID!) { updateDialogue(id: $id, input: {city: null, title: [{lang: "fr", text: null}]}) { version node { city availableLanguages } } }"#,
            json!({ "id": dialogue["id"] }),
        )
        .await;
    assert_eq!(
        u["updateDialogue"]["node"],
        json!({ "city": null, "availableLanguages": ["en"] })
    );
    // The same values again: unchanged, same version.
    let u = app
        .data_as(&key, r#"mutation($id: ID!) { updateDialogue(id: $id, input: {city: null, slug: "new-dialogue"}) { outcome version } }"#, json!({ "id": dialogue["id"] }))
        .await;
    assert_eq!(
        u["updateDialogue"],
        json!({ "outcome": "UNCHANGED", "version": 3 })
    );
    // Delete leaves a tombstone: gone from reads.
    let r = app
        .data_as(
            &key,
            "mutation($id: ID!) { deleteDialogue(id: $id) { outcome version node { slug } } }",
            json!({ "id": dialogue["id"] }),
        )
        .await;
    assert_eq!(
        r["deleteDialogue"],
        json!({ "outcome": "DELETED", "version": 4, "node": null })
    );
    let gone = app
        .data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": dialogue["id"] }),
        )
        .await;
    assert!(gone["node"].is_null());
    let body = app
        .post_as(
            &key,
            "mutation($id: ID!) { deleteDialogue(id: $id) { outcome } }",
            json!({ "id": dialogue["id"] }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
});

db_test!(
    invalid_input_names_its_field_and_writes_nothing,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        let cases = [
            (
                r#"createDialogue(input: {title: [{lang: "en", text: "No slug"}]}) { id }"#,
                "slug",
            ),
            (
                r#"createDialogue(input: {slug: "no-title"}) { id }"#,
                "title",
            ),
            (
                r#"createDialogue(input: {slug: "Bad Slug", title: [{lang: "en", text: "x"}]}) { id }"#,
                "slug",
            ),
            (
                r#"createDialogue(input: {slug: "idm-2018", title: [{lang: "en", text: "taken"}]}) { id }"#,
                "slug",
            ),
            (
                r#"createDialogue(input: {slug: "d1", title: [{lang: "xx", text: "x"}]}) { id }"#,
                "title[0].lang",
            ),
            (
                r#"createDialogue(input: {slug: "d1", title: [{lang: "en", text: "  "}]}) { id }"#,
                "title[0].text",
            ),
            (
                r#"createDialogue(input: {slug: "d1", title: [{lang: "en", text: "x"}], startDate: "2020-02-02", endDate: "2020-01-01"}) { id }"#,
                "startDate",
            ),
            (
                r#"createDialogue(input: {slug: "d1", title: [{lang: "en", text: "x"}], startDate: "2020-02-02", year: 2019}) { id }"#,
                "year",
            ),
            (
                r#"createDialogue(input: {slug: "d1", title: [{lang: "en", text: "x"}], website: "ftp://x"}) { id }"#,
                "website",
            ),
            (
                r#"createDialogue(input: {slug: "d1", title: [{lang: "en", text: "x"}], country: "France"}) { id }"#,
                "country",
            ),
            (
                r#"createDialogue(input: {slug: "d1", title: [{lang: "en", text: "x"}], month: 13}) { id }"#,
                "month",
            ),
            (
                r#"createDialogue(input: {slug: "d1", title: [{lang: "es", text: "x"}, {lang: "fr", text: "y"}]}) { id }"#,
                "originalLanguage",
            ),
            (
                r#"createReport(input: {kind: STUDY, symbol: "A/72/643", title: [{lang: "en", text: "dup"}]}) { id }"#,
                "symbol",
            ),
            (
                r#"createPerson(input: {name: "x", email: "not-an-address"}) { id }"#,
                "email",
            ),
            (
                r#"createOrganisation(input: {slug: "o1", kind: MEDIA, name: [{lang: "en", text: "x"}], memberStateCount: -1}) { id }"#,
                "memberStateCount",
            ),
            (
                r#"createWorkshop(input: {title: [{lang: "en", text: "x"}]}) { id }"#,
                "dialogue",
            ),
            (
                r#"createWorkshop(input: {dialogue: {id: "T3JnYW5pc2F0aW9uOjE"}, title: [{lang: "en", text: "x"}]}) { id }"#,
                "dialogue",
            ),
        ];
        let long = "x".repeat(600);
        let too_long = format!(
            r#"createDialogue(input: {{slug: "d1", title: [{{lang: "en", text: "{long}"}}]}}) {{ id }}"#
        );
        // Every type's count, and the change feed's: a refused write leaves all of them.
        let counts = "{ dialogues { totalCount } workshops { totalCount } reports { totalCount }
            tools { totalCount } organisations { totalCount } people { totalCount }
            themes { totalCount } changes { totalCount } }";
        let before = app.data_as(&key, counts, json!({})).await;
        for (m, field) in cases
            .iter()
            .map(|(m, f)| (m.to_string(), *f))
            .chain([(too_long, "title[0].text")])
        {
            let body = app
                .post_as(&key, &format!("mutation {{ {m} }}"), json!({}))
                .await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{m}");
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{m}");
        }
        let after = app.data_as(&key, counts, json!({})).await;
        assert_eq!(before, after);
    }
);

db_test!(expected_version_guards_updates_and_deletes, seeded, |app| {
    let key = app.key("iom", "write").await;
    let d = app
        .data_as(
            &key,
            r#"mutation { createPerson(input: {name: "Zed"}) { id version } }"#,
            json!({}),
        )
        .await;
    let id = d["createPerson"]["id"].clone();
    let update = r#"mutation($id: ID!, $v: Int, $name: String) { updatePerson(id: $id, expectedVersion: $v, input: {name: $name}) { version node { name } } }"#;
    let ok = app
        .data_as(&key, update, json!({ "id": id, "v": 1, "name": "Zoe" }))
        .await;
    assert_eq!(ok["updatePerson"]["version"], 2);
    // A stale version: CONFLICT, the current version, nothing changed.
    let body = app
        .post_as(&key, update, json!({ "id": id, "v": 1, "name": "Zac" }))
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2);
    let body = app
        .post_as(
            &key,
            "mutation($id: ID!) { deletePerson(id: $id, expectedVersion: 7) { outcome } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    let now = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Person { name version } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(now["node"], json!({ "name": "Zoe", "version": 2 }));
    let ok = app
        .data_as(
            &key,
            "mutation($id: ID!) { deletePerson(id: $id, expectedVersion: 2) { outcome } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(ok["deletePerson"]["outcome"], "DELETED");
});

db_test!(upsert_twice_is_upsert_once, seeded, |app| {
    let key = app.key("iom", "write").await;
    let upsert = r#"mutation($city: String) { upsertDialogue(externalId: "IDM-X", input: {slug: "idm-x", city: $city, title: [{lang: "en", text: "X"}]}) { outcome version id } }"#;
    let first =
        app.data_as(&key, upsert, json!({ "city": "Rome" })).await["upsertDialogue"].clone();
    let second =
        app.data_as(&key, upsert, json!({ "city": "Rome" })).await["upsertDialogue"].clone();
    assert_eq!(
        (first["outcome"].as_str(), first["version"].as_i64()),
        (Some("CREATED"), Some(1))
    );
    assert_eq!(
        second,
        json!({ "outcome": "UNCHANGED", "version": 1, "id": first["id"] })
    );
    let third =
        app.data_as(&key, upsert, json!({ "city": "Turin" })).await["upsertDialogue"].clone();
    assert_eq!(
        (third["outcome"].as_str(), third["version"].as_i64()),
        (Some("UPDATED"), Some(2))
    );
    let d = app
        .data(
            r#"{ dialogues(filter: {externalId: {eq: "IDM-X"}}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["dialogues"]["totalCount"], 1);
    // Another partner's external ids are its own: the same id creates another record.
    let un = app.key("un", "write").await;
    let body = app.post_as(&un, upsert, json!({ "city": "Rome" })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "slug",
        "a new record, whose slug is taken"
    );
});

db_test!(edges_are_added_and_removed_with_roles, seeded, |app| {
    let key = app.key("iom", "write").await;
    let d = app
        .data_as(&key, r#"mutation { createDialogue(input: {slug: "edgy", title: [{lang: "en", text: "E"}]}) { id } }"#, json!({}))
        .await;
    let id = d["createDialogue"]["id"].clone();
    let un = app
        .data(r#"{ organisationBySlug(slug: "un") { id } }"#, json!({}))
        .await["organisationBySlug"]["id"]
        .clone();
    let edge = r#"mutation($from: ID!, $to: ID!, $role: ParticipationRole) {
        addEdge(input: {kind: DIALOGUE_PARTICIPANT, from: {id: $from}, to: {id: $to}, participationRole: $role}) { outcome fromVersion } }"#;
    let r = app
        .data_as(&key, edge, json!({ "from": id, "to": un, "role": "HOST" }))
        .await;
    assert_eq!(
        r["addEdge"],
        json!({ "outcome": "CREATED", "fromVersion": 2 })
    );
    let r = app
        .data_as(&key, edge, json!({ "from": id, "to": un, "role": "HOST" }))
        .await;
    assert_eq!(
        r["addEdge"],
        json!({ "outcome": "UNCHANGED", "fromVersion": 2 })
    );
    let body = app
        .post_as(&key, edge, json!({ "from": id, "to": un, "role": null }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "participationRole"
    );
    let seen = app
        .data("query($id: ID!) { node(id: $id) { ... on Dialogue { participants { edges { role node { slug } } } } } }", json!({ "id": id }))
        .await;
    assert_eq!(
        seen["node"]["participants"]["edges"],
        json!([{ "role": "HOST", "node": { "slug": "un" } }])
    );
    let from_un = app
        .data(
            r#"{ organisationBySlug(slug: "un") { dialogues(role: [HOST]) { nodes { slug } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        from_un["organisationBySlug"]["dialogues"]["nodes"],
        json!([{ "slug": "edgy" }])
    );
    // A theme tag on any type, and removing an edge.
    let tag = r#"mutation($from: ID!) { addEdge(input: {kind: THEME_TAG, from: {id: $from}, to: {externalId: "none", type: THEME}}) { outcome } }"#;
    assert_eq!(
        app.post_as(&key, tag, json!({ "from": id })).await["errors"][0]["extensions"]["field"],
        "to"
    );
    let gcm = app
        .data(r#"{ themeByCode(code: "GCM") { id } }"#, json!({}))
        .await["themeByCode"]["id"]
        .clone();
    let tag = r#"mutation($from: ID!, $to: ID!) { addEdge(input: {kind: THEME_TAG, from: {id: $from}, to: {id: $to}}) { outcome } }"#;
    assert_eq!(
        app.data_as(&key, tag, json!({ "from": id, "to": gcm }))
            .await["addEdge"]["outcome"],
        "CREATED"
    );
    let remove = r#"mutation($from: ID!, $to: ID!) { removeEdge(input: {kind: DIALOGUE_PARTICIPANT, from: {id: $from}, to: {id: $to}, participationRole: HOST}) { outcome fromVersion } }"#;
    assert_eq!(
        app.data_as(&key, remove, json!({ "from": id, "to": un }))
            .await["removeEdge"],
        json!({ "outcome": "DELETED", "fromVersion": 4 })
    );
    assert_eq!(
        app.data_as(&key, remove, json!({ "from": id, "to": un }))
            .await["removeEdge"]["outcome"],
        "UNCHANGED"
    );
    let seen = app
        .data("query($id: ID!) { node(id: $id) { ... on Dialogue { participants { totalCount } themes { nodes { code } } } } }", json!({ "id": id }))
        .await;
    assert_eq!(
        seen["node"],
        json!({ "participants": { "totalCount": 0 }, "themes": { "nodes": [{ "code": "GCM" }] } })
    );
    // Edges from records of others are refused.
    let idm = app
        .data(r#"{ dialogueBySlug(slug: "idm") { id } }"#, json!({}))
        .await["dialogueBySlug"]["id"]
        .clone();
    let body = app
        .post_as(&key, edge, json!({ "from": idm, "to": un, "role": "HOST" }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    // Partnerships are mutual, affiliations carry a position.
    let org = app
        .data_as(&key, r#"mutation { createOrganisation(input: {slug: "peer", kind: MEDIA, name: [{lang: "en", text: "Peer"}]}) { id } }"#, json!({}))
        .await["createOrganisation"]["id"]
        .clone();
    let partner = r#"mutation($a: ID!, $b: ID!) { addEdge(input: {kind: PARTNERSHIP, from: {id: $a}, to: {id: $b}, level: LOCAL}) { outcome } }"#;
    assert_eq!(
        app.data_as(&key, partner, json!({ "a": org, "b": un }))
            .await["addEdge"]["outcome"],
        "CREATED"
    );
    let seen = app
        .data(
            r#"{ organisationBySlug(slug: "un") { partners(level: [LOCAL]) { nodes { slug } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        seen["organisationBySlug"]["partners"]["nodes"],
        json!([{ "slug": "peer" }])
    );
    let person = app
        .data_as(
            &key,
            r#"mutation { createPerson(input: {name: "Pat"}) { id } }"#,
            json!({}),
        )
        .await["createPerson"]["id"]
        .clone();
    let affiliate = r#"mutation($p: ID!, $o: ID!) { addEdge(input: {kind: AFFILIATION, from: {id: $p}, to: {id: $o}, position: [{lang: "en", text: "Editor"}], startDate: "2020-01-01"}) { outcome } }"#;
    app.data_as(&key, affiliate, json!({ "p": person, "o": org }))
        .await;
    let seen = app
        .data("query($p: ID!) { node(id: $p) { ... on Person { affiliations { edges { position { text } startDate node { slug } } } } } }", json!({ "p": person }))
        .await;
    assert_eq!(
        seen["node"]["affiliations"]["edges"],
        json!([{ "position": { "text": "Editor" }, "startDate": "2020-01-01", "node": { "slug": "peer" } }])
    );
});

db_test!(affiliations_are_known_by_their_start_date, seeded, |app| {
    let key = app.key("iom", "write").await;
    let person = app
        .data_as(
            &key,
            r#"mutation { createPerson(input: {name: "Kim"}) { id } }"#,
            json!({}),
        )
        .await["createPerson"]["id"]
        .clone();
    let org = app
        .data(r#"{ organisationBySlug(slug: "iom") { id } }"#, json!({}))
        .await["organisationBySlug"]["id"]
        .clone();
    let add = r#"mutation($p: ID!, $o: ID!, $start: Date, $end: Date, $pos: String) {
        addEdge(input: {kind: AFFILIATION, from: {id: $p}, to: {id: $o}, startDate: $start, endDate: $end, position: [{lang: "en", text: $pos}]}) { outcome fromVersion } }"#;
    let edge = |start: Value, end: Value, pos: &str| json!({ "p": person, "o": org, "start": start, "end": end, "pos": pos });
    let outcome = |v: &Value| v["addEdge"]["outcome"].as_str().unwrap().to_string();
    let r = app
        .data_as(&key, add, edge(json!("2019-01-01"), Value::Null, "Officer"))
        .await;
    assert_eq!(outcome(&r), "CREATED");
    // The same affiliation again: nothing to do.
    let r = app
        .data_as(&key, add, edge(json!("2019-01-01"), Value::Null, "Officer"))
        .await;
    assert_eq!(outcome(&r), "UNCHANGED");
    // Its end date and position change: it is updated, not duplicated or ignored.
    let r = app
        .data_as(
            &key,
            add,
            edge(json!("2019-01-01"), json!("2021-06-30"), "Senior officer"),
        )
        .await;
    assert_eq!(outcome(&r), "UPDATED");
    // One without a start date is another affiliation.
    let r = app
        .data_as(&key, add, edge(Value::Null, Value::Null, "Adviser"))
        .await;
    assert_eq!(outcome(&r), "CREATED");
    let list = r#"query($p: ID!) { node(id: $p) { ... on Person { version affiliations { edges { position { text } startDate endDate } } } } }"#;
    let seen = app.data(list, json!({ "p": person })).await;
    let mut edges = seen["node"]["affiliations"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    edges.sort_by_key(|e| e["startDate"].to_string());
    assert_eq!(
        edges,
        vec![
            json!({ "position": { "text": "Senior officer" }, "startDate": "2019-01-01", "endDate": "2021-06-30" }),
            json!({ "position": { "text": "Adviser" }, "startDate": null, "endDate": null }),
        ]
    );
    // Removing without a start date removes only the one without.
    let remove = r#"mutation($p: ID!, $o: ID!) { removeEdge(input: {kind: AFFILIATION, from: {id: $p}, to: {id: $o}}) { outcome } }"#;
    let r = app
        .data_as(&key, remove, json!({ "p": person, "o": org }))
        .await;
    assert_eq!(r["removeEdge"]["outcome"], "DELETED");
    let seen = app.data(list, json!({ "p": person })).await;
    assert_eq!(
        seen["node"]["affiliations"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
});

db_test!(a_deleted_record_frees_its_unique_values, seeded, |app| {
    let key = app.key("iom", "write").await;
    let upsert = r#"mutation { upsertDialogue(externalId: "IDM-Z", input: {slug: "idm-z", title: [{lang: "en", text: "Z"}]}) { outcome id } }"#;
    let first = app.data_as(&key, upsert, json!({})).await["upsertDialogue"].clone();
    assert_eq!(first["outcome"], "CREATED");
    app.data_as(
        &key,
        "mutation($id: ID!) { deleteDialogue(id: $id) { outcome } }",
        json!({ "id": first["id"] }),
    )
    .await;
    // The partner creates it again under the same external id and slug: a new record.
    let again = app.data_as(&key, upsert, json!({})).await["upsertDialogue"].clone();
    assert_eq!(again["outcome"], "CREATED");
    assert_ne!(again["id"], first["id"]);
    let found = app
        .data(r#"{ dialogueBySlug(slug: "idm-z") { id } }"#, json!({}))
        .await;
    assert_eq!(found["dialogueBySlug"]["id"], again["id"]);
    // While it lives, its slug is taken.
    let body = app
        .post_as(&key, r#"mutation { createDialogue(input: {slug: "idm-z", title: [{lang: "en", text: "Z2"}]}) { id } }"#, json!({}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "slug", "{body}");
});

/// Creates a person named `name` (with a title in `title`); returns the whole body.
async fn person(app: &TestApp, key: &str, name: &str, summary: &str) -> serde_json::Value {
    app.post_as(
        key,
        "mutation($n: String!, $s: String!) { createPerson(input: {name: $n, summary: [{lang: \"en\", text: $s}]}) { outcome node { name summary { text } } } }",
        json!({ "n": name, "s": summary }),
    )
    .await
}

/// Upserts a tool known by `external`; returns its outcome and id.
async fn tool(app: &TestApp, key: &str, external: &str) -> serde_json::Value {
    app.post_as(
        key,
        r#"mutation($e: String!) { upsertTool(externalId: $e, input: {kind: TRAINING, name: [{lang: "en", text: "Course"}]}) { outcome id } }"#,
        json!({ "e": external }),
    )
    .await
}

db_test!(
    hostile_text_is_refused_and_text_is_stored_in_one_form,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        // Positive control: a plain name and summary go in.
        let body = person(&app, &key, "Ada Lovelace", "Mathematician.\nWriter.").await;
        assert_eq!(body["data"]["createPerson"]["outcome"], "CREATED", "{body}");
        // Nothing visible, a terminal escape, a direction override: refused, name or text.
        for bad in [
            "\u{200B}\u{200B}",
            "\u{FEFF} \u{2060}",
            "\u{1b}[31mRed",
            "Bell\u{7}",
            "Lone\rreturn",
            "abc\u{202E}cba",
            "\u{2066}isolated\u{2069}",
        ] {
            let body = person(&app, &key, bad, "Fine.").await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "name {bad:?}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], "name", "{body}");
            let body = person(&app, &key, "Fine", bad).await;
            assert_eq!(
                error_code(&body),
                "BAD_USER_INPUT",
                "summary {bad:?}: {body}"
            );
        }
        // Texts are stored composed (NFC), a CR LF as LF, trimmed.
        let body = person(&app, &key, " Jose\u{301} ", "Line\r\nnext\tcolumn").await;
        let node = &body["data"]["createPerson"]["node"];
        assert_eq!(node["name"], "Jos\u{e9}", "{body}");
        assert_eq!(node["summary"]["text"], "Line\nnext\tcolumn", "{body}");
        // External ids: one record whatever the form or the spaces around it ...
        let created = tool(&app, &key, "T-\u{e9}").await;
        assert_eq!(
            created["data"]["upsertTool"]["outcome"], "CREATED",
            "{created}"
        );
        let id = &created["data"]["upsertTool"]["id"];
        for same in ["T-e\u{301}", " T-\u{e9} "] {
            let again = tool(&app, &key, same).await;
            assert_eq!(again["data"]["upsertTool"]["id"], *id, "{same:?}: {again}");
            assert_ne!(again["data"]["upsertTool"]["outcome"], "CREATED");
        }
        // ... and no invisible character in one.
        for bad in ["T-\u{e9}\u{200B}", "\u{FEFF}T-\u{e9}", "T\u{200D}-1"] {
            let body = tool(&app, &key, bad).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{bad:?}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["field"], "externalId",
                "{body}"
            );
        }
    }
);

db_test!(controlled_vocabularies_need_an_admin, seeded, |app| {
    let writer = app.key("iom", "write").await;
    let admin = app.key("iom", "admin").await;
    let gcm = r#"mutation { createTheme(input: {code: "GCM-24", scheme: GCM_OBJECTIVE, title: [{lang: "en", text: "A 24th objective"}]}) { id } }"#;
    // A write key cannot add an objective to the Global Compact, nor turn its own free
    // theme into one.
    let body = app.post_as(&writer, gcm, json!({})).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let own = app
        .data_as(
            &writer,
            r#"mutation { createTheme(input: {code: "MINE", scheme: FREE, title: [{lang: "en", text: "Mine"}]}) { id } }"#,
            json!({}),
        )
        .await["createTheme"]["id"]
        .clone();
    let body = app
        .post_as(
            &writer,
            "mutation($id: ID!) { updateTheme(id: $id, input: {scheme: SDG_TARGET}) { version } }",
            json!({ "id": own }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let count = app
        .data(
            "{ themes(filter: {scheme: {eq: GCM_OBJECTIVE}}) { totalCount } }",
            json!({}),
        )
        .await["themes"]["totalCount"]
        .clone();
    assert_eq!(count, 23, "the Global Compact keeps its 23 objectives");
    // An admin may.
    let body = app.post_as(&admin, gcm, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
});

db_test!(cycles_in_hierarchies_are_refused, seeded, |app| {
    let key = app.key("iom", "write").await;
    let create = |slug: &str, parent: Option<&Value>| {
        let parent = parent.map_or(String::new(), |p| format!(", parent: {{id: {p}}}"));
        format!(
            r#"mutation {{ createOrganisation(input: {{slug: "{slug}", kind: CIVIL_SOCIETY, name: [{{lang: "en", text: "{slug}"}}]{parent}}}) {{ id }} }}"#
        )
    };
    let a = app.data_as(&key, &create("org-a", None), json!({})).await["createOrganisation"]["id"]
        .clone();
    let b = app
        .data_as(&key, &create("org-b", Some(&a)), json!({}))
        .await["createOrganisation"]["id"]
        .clone();
    let c = app
        .data_as(&key, &create("org-c", Some(&b)), json!({}))
        .await["createOrganisation"]["id"]
        .clone();
    // a ← b ← c: making c the parent of a closes the loop.
    let reparent = "mutation($id: ID!, $parent: ID!) { updateOrganisation(id: $id, input: {parent: {id: $parent}}) { version } }";
    let body = app
        .post_as(&key, reparent, json!({ "id": a, "parent": c }))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "parent");
    // Control: a parent outside the chain is taken.
    let d = app.data_as(&key, &create("org-d", None), json!({})).await["createOrganisation"]["id"]
        .clone();
    let body = app
        .post_as(&key, reparent, json!({ "id": a, "parent": d }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    // Themes, the same.
    let theme = |code: &str, broader: Option<&Value>| {
        let broader = broader.map_or(String::new(), |p| format!(", broader: {{id: {p}}}"));
        format!(
            r#"mutation {{ createTheme(input: {{code: "{code}", scheme: FREE, title: [{{lang: "en", text: "{code}"}}]{broader}}}) {{ id }} }}"#
        )
    };
    let t1 = app.data_as(&key, &theme("T-1", None), json!({})).await["createTheme"]["id"].clone();
    let t2 =
        app.data_as(&key, &theme("T-2", Some(&t1)), json!({})).await["createTheme"]["id"].clone();
    let body = app
        .post_as(
            &key,
            "mutation($id: ID!, $b: ID!) { updateTheme(id: $id, input: {broader: {id: $b}}) { version } }",
            json!({ "id": t1, "b": t2 }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "broader");
});

db_test!(
    partners_keep_to_their_own_records_and_edges,
    seeded,
    |app| {
        let iom = app.key("iom", "write").await;
        let un = app.key("un", "write").await;
        let admin = app.key("un", "admin").await;
        let id = |body: Value, field: &str| body[field]["id"].clone();
        let dialogue = id(
        app.data_as(
            &iom,
            r#"mutation { createDialogue(input: {slug: "iom-own", title: [{lang: "en", text: "IOM's"}]}) { id } }"#,
            json!({}),
        )
        .await,
        "createDialogue",
    );
        // A workshop in another partner's dialogue: refused; its owner and an admin may.
        let workshop = "mutation($d: ID!) { createWorkshop(input: {dialogue: {id: $d}, title: [{lang: \"en\", text: \"W\"}]}) { id } }";
        let body = app.post_as(&un, workshop, json!({ "d": dialogue })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        assert_eq!(
            body["errors"][0]["message"]
                .as_str()
                .map(|m| m.contains("`dialogue`")),
            Some(true)
        );
        app.data_as(&iom, workshop, json!({ "d": dialogue })).await;
        app.data_as(&admin, workshop, json!({ "d": dialogue }))
            .await;
        // Nor may UN move its own workshop into IOM's dialogue.
        let other = id(
        app.data_as(
            &un,
            r#"mutation { createDialogue(input: {slug: "un-own", title: [{lang: "en", text: "UN's"}]}) { id } }"#,
            json!({}),
        )
        .await,
        "createDialogue",
    );
        let mine = id(
            app.data_as(&un, workshop, json!({ "d": other })).await,
            "createWorkshop",
        );
        let moved = "mutation($w: ID!, $d: ID!) { updateWorkshop(id: $w, input: {dialogue: {id: $d}}) { version } }";
        let body = app
            .post_as(&un, moved, json!({ "w": mine, "d": dialogue }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        // Naming the dialogue it is in already is no attachment.
        app.data_as(&un, moved, json!({ "w": mine, "d": other }))
            .await;
        // An organisation under another partner's organisation: the same.
        let parent = id(
        app.data_as(
            &iom,
            r#"mutation { createOrganisation(input: {slug: "iom-unit", kind: MEDIA, name: [{lang: "en", text: "Unit"}]}) { id } }"#,
            json!({}),
        )
        .await,
        "createOrganisation",
    );
        let child = "mutation($p: ID!) { createOrganisation(input: {slug: \"un-child\", kind: MEDIA, name: [{lang: \"en\", text: \"Child\"}], parent: {id: $p}}) { id } }";
        let body = app.post_as(&un, child, json!({ "p": parent })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");

        // An edge belongs to the partner that made it, whichever way it is named.
        let un_org = id(
        app.data_as(
            &un,
            r#"mutation { createOrganisation(input: {slug: "un-peer", kind: MEDIA, name: [{lang: "en", text: "UN peer"}]}) { id } }"#,
            json!({}),
        )
        .await,
        "createOrganisation",
    );
        let add = r#"mutation($a: ID!, $b: ID!) { addEdge(input: {kind: PARTNERSHIP, from: {id: $a}, to: {id: $b}, level: LOCAL}) { outcome } }"#;
        let remove = r#"mutation($a: ID!, $b: ID!) { removeEdge(input: {kind: PARTNERSHIP, from: {id: $a}, to: {id: $b}, level: LOCAL}) { outcome fromVersion } }"#;
        let made = app
            .data_as(&un, add, json!({ "a": un_org, "b": parent }))
            .await;
        assert_eq!(made["addEdge"]["outcome"], "CREATED");
        // IOM names it from its own organisation: refused, and the edge stays.
        let body = app
            .post_as(&iom, remove, json!({ "a": parent, "b": un_org }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        let partners = app
            .data(
                r#"{ organisationBySlug(slug: "un-peer") { partners { totalCount } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(partners["organisationBySlug"]["partners"]["totalCount"], 1);
        // Its maker removes it.
        let gone = app
            .data_as(&un, remove, json!({ "a": un_org, "b": parent }))
            .await;
        assert_eq!(gone["removeEdge"]["outcome"], "DELETED");
    }
);

db_test!(
    an_expected_version_of_a_record_not_there_is_a_conflict,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        let upsert = |version: i64| {
            format!(
                r#"mutation {{ upsertDialogue(externalId: "NEW-1", expectedVersion: {version}, input: {{slug: "new-1", title: [{{lang: "en", text: "New"}}]}}) {{ outcome version }} }}"#
            )
        };
        let body = app.post_as(&key, &upsert(3), json!({})).await;
        assert_eq!(error_code(&body), "CONFLICT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 0);
        // Expecting version 0, it is created.
        let d = app.data_as(&key, &upsert(0), json!({})).await;
        assert_eq!(d["upsertDialogue"]["outcome"], "CREATED");
    }
);
