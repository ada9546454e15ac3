//! Full-text search: stemming per language, accents, phrases, prefixes, exclusions,
//! filters, ranking, snippets, pagination, and queries that must never break the database.

use serde_json::{Value, json};

use crate::{common::*, db_test};

const SEARCH: &str = r#"query($q: String!, $lang: String, $types: [NodeType!], $filter: SearchFilter, $first: Int, $after: String) {
    search(query: $q, lang: $lang, types: $types, filter: $filter, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor score node { __typename id ... on Dialogue { slug } } snippet { field lang html } }
    } }"#;

async fn search(app: &TestApp, vars: Value) -> Value {
    app.data(SEARCH, vars).await["search"].clone()
}

/// The slugs of the dialogues a search finds, in rank order.
fn slugs(result: &Value) -> Vec<String> {
    result["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["slug"].as_str().map(str::to_string))
        .collect()
}

fn types(result: &Value) -> Vec<String> {
    result["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            e["node"]["__typename"]
                .as_str()
                .expect("a type")
                .to_string()
        })
        .collect()
}

db_test!(
    words_match_their_inflections_in_each_language,
    seeded,
    |app| {
        // English: "partnership" finds texts that say "partnerships".
        let r = search(
            &app,
            json!({ "q": "partnership", "lang": "en", "types": ["DIALOGUE"] }),
        )
        .await;
        assert!(slugs(&r).contains(&"idm-2018".to_string()), "{r:#}");
        let snippet = &r["edges"][0]["snippet"];
        assert_eq!(snippet["lang"], "en");
        assert!(
            snippet["html"]
                .as_str()
                .unwrap()
                .contains("<mark>partnership"),
            "{snippet}"
        );

        // French: "partenariat" finds "partenariats", and the snippet is the French text.
        let r = search(
            &app,
            json!({ "q": "partenariat", "lang": "fr", "types": ["DIALOGUE"] }),
        )
        .await;
        assert!(slugs(&r).contains(&"idm-2018".to_string()), "{r:#}");
        assert!(
            r["edges"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["snippet"]["lang"] == "fr")
        );
        assert!(
            r["edges"][0]["snippet"]["html"]
                .as_str()
                .unwrap()
                .contains("<mark>partenariats</mark>")
        );

        // Without `lang`, a word is read with every stemmer: both languages match.
        let any = search(&app, json!({ "q": "partenariats", "types": ["DIALOGUE"] })).await;
        assert_eq!(slugs(&any), slugs(&r));

        // Spanish, written through the API.
        let key = app.key("iom", "write").await;
        app.data_as(
        &key,
        r#"mutation { createReport(input: {kind: STUDY, title: [{lang: "es", text: "Las asociaciones para la migración laboral"}]}) { id } }"#,
        json!({}),
    )
    .await;
        let r = search(&app, json!({ "q": "asociación migraciones", "lang": "es" })).await;
        assert_eq!(types(&r), vec!["Report"], "{r:#}");
        assert_eq!(
            r["edges"][0]["snippet"]["html"],
            "Las <mark>asociaciones</mark> para la <mark>migración</mark> laboral"
        );
        // The language filter keeps other languages out.
        let r = search(&app, json!({ "q": "asociaciones", "lang": "en" })).await;
        assert_eq!(r["totalCount"], 0);
    }
);

db_test!(case_and_accents_are_ignored, seeded, |app| {
    for q in ["REUNION DE BILAN", "réunion bilan", "Réunion Bilan"] {
        let r = search(&app, json!({ "q": q, "lang": "fr" })).await;
        assert_eq!(types(&r), vec!["Dialogue"], "{q}: {r:#}");
        let html = r["edges"][0]["snippet"]["html"].as_str().unwrap();
        assert!(html.contains("<mark>Réunion</mark>"), "{html}");
    }
});

db_test!(
    phrases_prefixes_alternatives_and_exclusions,
    seeded,
    |app| {
        let count = |r: &Value| r["totalCount"].as_i64().unwrap();
        let phrase = search(
            &app,
            json!({ "q": "\"stocktaking meeting\"", "lang": "en" }),
        )
        .await;
        assert!(count(&phrase) >= 1, "{phrase:#}");
        let reversed = search(
            &app,
            json!({ "q": "\"meeting stocktaking\"", "lang": "en" }),
        )
        .await;
        assert_eq!(count(&reversed), 0);

        let prefix = search(&app, json!({ "q": "stockta*", "lang": "en" })).await;
        assert_eq!(
            count(&prefix),
            count(&search(&app, json!({ "q": "stocktaking", "lang": "en" })).await)
        );

        let dialogues = |q: &str| {
            let app = &app;
            let q = q.to_string();
            async move {
                slugs(&search(app, json!({ "q": q, "types": ["DIALOGUE"], "first": 100 })).await)
            }
        };
        let all = dialogues("dialogue").await;
        assert!(all.contains(&"idm-2017".to_string()) && all.contains(&"idm-2018".to_string()));
        let without = dialogues("dialogue -2017").await;
        // An exclusion leaves out the record, whichever of its texts mentions the word.
        let stocktaking = dialogues("stocktaking").await;
        assert!(!stocktaking.is_empty());
        assert!(
            dialogues("stocktaking -Puerto -bilan").await.is_empty(),
            "its French summary says `bilan`"
        );
        assert!(
            !without.contains(&"idm-2017".to_string()) && without.contains(&"idm-2018".to_string())
        );
        let either = dialogues("stocktaking OR webcast").await;
        let (a, b) = (dialogues("stocktaking").await, dialogues("webcast").await);
        assert!(!a.is_empty() && !b.is_empty());
        let mut union: Vec<String> = a.into_iter().chain(b).collect();
        union.sort();
        union.dedup();
        let mut either_sorted = either.clone();
        either_sorted.sort();
        assert_eq!(either_sorted, union);
        // Every word must match: adding one narrows.
        assert!(dialogues("dialogue stocktaking").await.is_empty());
    }
);

db_test!(types_and_filters_narrow_the_search, seeded, |app| {
    let r = search(&app, json!({ "q": "migration", "first": 100 })).await;
    let mut kinds = types(&r);
    kinds.sort();
    kinds.dedup();
    assert!(kinds.len() >= 3, "{kinds:?}");
    let only = search(
        &app,
        json!({ "q": "migration", "types": ["REPORT", "TOOL"], "first": 100 }),
    )
    .await;
    assert!(types(&only).iter().all(|t| t == "Report" || t == "Tool"));
    let y = search(
        &app,
        json!({ "q": "migration", "filter": { "year": { "eq": 2018 } }, "first": 100 }),
    )
    .await;
    assert!(!types(&y).is_empty());
    // Only types with a year can match a year filter; dialogues of 2017 are out.
    assert!(!slugs(&y).contains(&"idm-2017".to_string()));
    assert!(
        types(&y)
            .iter()
            .all(|t| ["Dialogue", "Workshop", "Report", "Tool", "Source"].contains(&t.as_str()))
    );

    // Deleted records are never found: the term finds the record before its deletion
    // (the positive control), and not after.
    let before = search(&app, json!({ "q": "Swing", "types": ["DIALOGUE"] })).await;
    assert!(
        slugs(&before).contains(&"idm-2017".to_string()),
        "{before:#}"
    );
    let key = app.key("iom", "admin").await;
    let id = app
        .data(r#"{ dialogueBySlug(slug: "idm-2017") { id } }"#, json!({}))
        .await["dialogueBySlug"]["id"]
        .clone();
    app.data_as(
        &key,
        "mutation($id: ID!) { deleteDialogue(id: $id) { outcome } }",
        json!({ "id": id }),
    )
    .await;
    let after = search(&app, json!({ "q": "Swing", "types": ["DIALOGUE"] })).await;
    assert_eq!(after["totalCount"], 0, "{after:#}");
});

db_test!(results_page_by_rank_without_gaps_or_repeats, empty, |app| {
    generate(&app, &small_shape()).await;
    let whole = search(
        &app,
        json!({ "q": "migration OR migrations OR partnership", "first": 100 }),
    )
    .await;
    let total = whole["totalCount"].as_i64().unwrap();
    assert!(total > 20, "{total}");
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut last_score = f64::INFINITY;
    loop {
        let page = search(
            &app,
            json!({ "q": "migration OR migrations OR partnership", "first": 7, "after": after }),
        )
        .await;
        for e in page["edges"].as_array().unwrap() {
            let score = e["score"].as_f64().unwrap();
            assert!(score <= last_score, "ranked best first");
            last_score = score;
            seen.push(e["node"]["id"].as_str().unwrap().to_string());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len() as i64, total);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no record twice");
});

db_test!(
    no_query_text_reaches_the_database_as_syntax,
    seeded,
    |app| {
        let hostile = [
            "\"",
            "(((",
            ")",
            "a NEAR/3 b",
            "'; DROP TABLE translation; --",
            "x\"y\"z",
            "OR OR migration",
            "ü*",
            "migration*:*",
            "a & b | !c",
            "<-> migration",
            "lang:fr migration",
            "stems : x",
            "{}[]^$",
            "\\",
            "migration \u{0}",
            "٣٤ migración",
            "移民",
            "-",
            "- -x y",
            "NOT migration",
            "AND",
            "\"\" migration",
            "migra**",
            "*migra",
            "a:b",
            "'",
            "''",
            "x'y",
        ];
        for q in hostile {
            let body = app.post(SEARCH, json!({ "q": q })).await;
            if let Some(errors) = body.get("errors") {
                assert_eq!(error_code(&body), "BAD_USER_INPUT", "{q}: {errors}");
            } else {
                assert!(body["data"]["search"]["totalCount"].is_i64(), "{q}: {body}");
            }
        }
        // Nothing to look for, too long, a bad language or cursor: clear errors.
        for (q, vars) in [
            ("empty", json!({ "q": "   " })),
            ("only exclusions", json!({ "q": "-migration" })),
            ("too many words", json!({ "q": "w ".repeat(40) })),
            ("too long", json!({ "q": "x".repeat(1001) })),
            ("language", json!({ "q": "migration", "lang": "english!" })),
            ("cursor", json!({ "q": "migration", "after": "bm9wZQ" })),
            ("page size", json!({ "q": "migration", "first": 1000 })),
        ] {
            let body = app.post(SEARCH, vars).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{q}: {body}");
        }
    }
);

db_test!(a_search_can_be_narrowed_to_an_organisation, seeded, |app| {
    const LINKED: &str = r#"query($filter: SearchFilter) {
        search(query: "migration", filter: $filter, first: 100) {
            totalCount
            edges { node { __typename
                ... on Dialogue { participants { nodes { slug } } }
                ... on Workshop { participants { nodes { slug } } }
                ... on Report { publishers { nodes { slug } } }
                ... on Tool { developers { nodes { slug } } }
                ... on Person { affiliations { nodes { slug } } }
                ... on Organisation { slug }
                ... on Source { publisher { slug } }
            } }
        } }"#;
    let linked_to_iom = |node: &Value| -> bool {
        if node["__typename"] == "Organisation" {
            return node["slug"] == "iom";
        }
        if node["__typename"] == "Source" {
            return node["publisher"]["slug"] == "iom";
        }
        let list = ["participants", "publishers", "developers", "affiliations"]
            .iter()
            .find_map(|f| node.get(*f))
            .unwrap_or(&Value::Null);
        list["nodes"]
            .as_array()
            .is_some_and(|orgs| orgs.iter().any(|o| o["slug"] == "iom"))
    };
    // Without the filter, the search finds records linked to IOM and others.
    let all = app.data(LINKED, json!({})).await["search"].clone();
    let nodes: Vec<Value> = pluck(&all["edges"], "node");
    let expected = nodes.iter().filter(|n| linked_to_iom(n)).count();
    assert!(expected >= 3, "{all}");
    assert!(expected < nodes.len(), "{all}");
    assert_eq!(all["totalCount"], nodes.len());

    // With it, exactly those linked to IOM, of several types.
    let filter = json!({ "filter": { "hasOrganisation": { "slug": { "eq": "iom" } } } });
    let narrowed = app.data(LINKED, filter).await["search"].clone();
    let found: Vec<Value> = pluck(&narrowed["edges"], "node");
    assert_eq!(found.len(), expected, "{narrowed}");
    assert_eq!(narrowed["totalCount"], expected);
    assert!(found.iter().all(linked_to_iom), "{narrowed}");
    let kinds: std::collections::BTreeSet<String> =
        found.iter().map(|n| n["__typename"].to_string()).collect();
    assert!(kinds.len() >= 2, "{kinds:?}");
});

db_test!(a_search_filter_takes_ids_of_several_types, seeded, |app| {
    let ids = app
        .data(
            r#"{ dialogueBySlug(slug: "idm-2018") { id } reports(first: 1) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let dialogue = ids["dialogueBySlug"]["id"].clone();
    let report = ids["reports"]["nodes"][0]["id"].clone();
    // Each type takes the ids of its own records; the others match none of its records.
    let found = search(
        &app,
        json!({ "q": "migration", "filter": { "id": { "in": [dialogue, report] } } }),
    )
    .await;
    let mut got = pluck(&found["edges"], "node")
        .iter()
        .map(|n| n["id"].clone())
        .collect::<Vec<_>>();
    got.sort_by_key(|v| v.to_string());
    let mut want = vec![dialogue.clone(), report.clone()];
    want.sort_by_key(|v| v.to_string());
    assert_eq!(got, want, "{found}");
    let one = search(
        &app,
        json!({ "q": "migration", "filter": { "id": { "eq": report } } }),
    )
    .await;
    assert_eq!(one["totalCount"], 1, "{one}");
    let others = search(
        &app,
        json!({ "q": "migration", "filter": { "id": { "notIn": [dialogue] } } }),
    )
    .await;
    let all = search(&app, json!({ "q": "migration" })).await;
    assert_eq!(
        others["totalCount"].as_i64().unwrap() + 1,
        all["totalCount"].as_i64().unwrap()
    );
    // A malformed id is still an error.
    let body = app
        .post(
            SEARCH,
            json!({ "q": "migration", "filter": { "id": { "eq": "nope" } } }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
});

db_test!(
    a_snippet_is_in_the_language_the_client_prefers,
    seeded,
    |app| {
        // IDM 2018's title matches in English and in French alike: the client's language
        // chooses, whichever it is.
        for lang in ["fr", "en"] {
            let body = app
                .post_with(
                    SEARCH,
                    json!({ "q": "migration", "types": ["DIALOGUE"] }),
                    &[("accept-language", lang)],
                )
                .await;
            let edges = body["data"]["search"]["edges"].as_array().unwrap().clone();
            let idm = edges
                .iter()
                .find(|e| e["node"]["slug"] == "idm-2018")
                .expect("IDM 2018 is found");
            assert_eq!(idm["snippet"]["field"], "title", "{idm}");
            assert_eq!(idm["snippet"]["lang"], lang, "{idm}");
        }
    }
);

const FIND: &str = r#"query($q: String!, $lang: String) {
    search(query: $q, lang: $lang, first: 10) {
        totalCount totalCountIsEstimate
        edges { score node { __typename id
            ... on Person { name }
            ... on Dialogue { slug }
            ... on Organisation { slug }
            ... on Report { symbol }
            ... on Source { symbol } } }
    } }"#;

/// What a search finds, in rank order: `Type label` (a slug, symbol or name) with score.
async fn find(app: &TestApp, q: &str, lang: &str) -> Vec<(String, f64)> {
    let r = app.data(FIND, json!({ "q": q, "lang": lang })).await;
    let search = &r["search"];
    assert_eq!(search["totalCountIsEstimate"], false, "{q}: {search:#}");
    search["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let n = &e["node"];
            let label = ["slug", "symbol", "name"]
                .iter()
                .find_map(|f| n[*f].as_str())
                .unwrap_or("");
            (
                format!("{} {label}", n["__typename"].as_str().unwrap()),
                e["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn labels(found: &[(String, f64)]) -> Vec<&str> {
    found.iter().map(|(l, _)| l.as_str()).collect()
}

db_test!(researchers_find_names_places_and_symbols, seeded, |app| {
    for lang in ["en", "fr"] {
        // People by their names, accents optional, in any order of words.
        for q in [
            "Guterres",
            "António",
            "antonio guterres",
            "GUTERRES António",
        ] {
            let found = find(&app, q, lang).await;
            assert!(
                labels(&found).contains(&"Person António Guterres"),
                "{q} ({lang}): {found:?}"
            );
        }
        for q in ["Samri", "Azzouz"] {
            let found = find(&app, q, lang).await;
            assert_eq!(labels(&found), ["Person Azzouz Samri"], "{q} ({lang})");
        }
        // Cities.
        let found = find(&app, "Puerto Vallarta", lang).await;
        assert_eq!(labels(&found), ["Dialogue gcm-stocktaking-2017"], "{lang}");
        let found = find(&app, "New York", lang).await;
        assert!(
            labels(&found).contains(&"Dialogue idm-2018"),
            "{lang}: {found:?}"
        );
        // UN symbols, exactly and by their leading part; slugs exactly.
        for q in ["A/72/643", "a/72/643", "A/72"] {
            let found = find(&app, q, lang).await;
            let mut first: Vec<&str> = labels(&found).into_iter().take(2).collect();
            first.sort();
            assert_eq!(
                first,
                ["Report A/72/643", "Source A/72/643"],
                "{q} ({lang}): {found:?}"
            );
            assert!(found[0].1 >= 8.0, "an exact match ranks first: {found:?}");
        }
        let found = find(&app, "idm-2018", lang).await;
        assert_eq!(labels(&found)[0], "Dialogue idm-2018", "{lang}: {found:?}");
        assert!(found[0].1 >= 8.0);
    }
    // Country names in each language that has them: the dialogue in Mexico by its
    // French, Spanish and English names, the one in the United States likewise; a name
    // in another language than the one searched does not match.
    for (q, lang) in [("Mexique", "fr"), ("México", "es"), ("Mexico", "en")] {
        let found = find(&app, q, lang).await;
        assert!(
            labels(&found).contains(&"Dialogue gcm-stocktaking-2017"),
            "{q} ({lang}): {found:?}"
        );
    }
    for (q, lang) in [("États-Unis", "fr"), ("United States", "en")] {
        let found = find(&app, q, lang).await;
        assert!(
            labels(&found).contains(&"Dialogue idm-2018"),
            "{q} ({lang}): {found:?}"
        );
    }
    assert!(find(&app, "Mexique", "en").await.is_empty());
    // Acronyms in each language, an exact one first.
    for (q, lang) in [("IOM", "en"), ("OIM", "fr")] {
        let found = find(&app, q, lang).await;
        assert_eq!(labels(&found)[0], "Organisation iom", "{q}: {found:?}");
        assert!(found[0].1 >= 8.0 && found.iter().skip(1).all(|(_, s)| *s < 8.0));
    }
    // A whole name ranks its record first; the same words in another order are only
    // words (positive control: both find the organisation).
    let exact = find(&app, "International Organization for Migration", "en").await;
    assert_eq!(labels(&exact)[0], "Organisation iom", "{exact:?}");
    assert!(exact[0].1 >= 8.0, "{exact:?}");
    let words = find(&app, "Migration Organization International", "en").await;
    assert!(labels(&words).contains(&"Organisation iom"), "{words:?}");
    assert!(words.iter().all(|(_, s)| *s < 8.0), "{words:?}");
});

db_test!(names_and_identifiers_follow_their_record, seeded, |app| {
    let key = app.key("iom", "write").await;
    let created = app
        .data_as(
            &key,
            r#"mutation { createPerson(input: {name: "Zélie Ndiaye", externalId: "HR-2018/77"}) { id } }"#,
            json!({}),
        )
        .await;
    let id = created["createPerson"]["id"].clone();
    let person = |found: &[(String, f64)]| labels(found).contains(&"Person Zélie Ndiaye");
    assert!(person(&find(&app, "zelie ndiaye", "en").await));
    let by_id = find(&app, "HR-2018/77", "fr").await;
    assert_eq!(labels(&by_id), ["Person Zélie Ndiaye"]);
    assert!(
        person(&find(&app, "HR-2018", "fr").await),
        "a prefix up to a /"
    );
    // Renamed, the person is found by the new name only.
    app.data_as(
        &key,
        r#"mutation($id: ID!) { updatePerson(id: $id, input: {name: "Zélie Diop"}) { outcome } }"#,
        json!({ "id": id }),
    )
    .await;
    assert!(find(&app, "Ndiaye", "en").await.is_empty());
    assert_eq!(
        labels(&find(&app, "Diop", "en").await),
        ["Person Zélie Diop"]
    );
    // Deleted, not at all.
    app.data_as(
        &key,
        r#"mutation($id: ID!) { deletePerson(id: $id) { outcome } }"#,
        json!({ "id": id }),
    )
    .await;
    assert!(find(&app, "Diop", "en").await.is_empty());
    assert!(find(&app, "HR-2018/77", "en").await.is_empty());
});

db_test!(a_large_total_is_an_estimate_and_says_so, empty, |app| {
    generate(&app, &agora::seed::generate::Shape::scale(1.0)).await;
    const COUNT: &str = r#"query($q: String!, $after: String) {
        search(query: $q, first: 100, after: $after) {
            totalCount totalCountIsEstimate
            pageInfo { hasNextPage endCursor }
            edges { node { id } } } }"#;
    // Every page, to count the records for certain.
    let all = |q: &'static str| {
        let app = &app;
        async move {
            let (mut seen, mut after) = (0_i64, Value::Null);
            let mut first = Value::Null;
            loop {
                let page = app.data(COUNT, json!({ "q": q, "after": after })).await;
                let page = &page["search"];
                if first.is_null() {
                    first = page.clone();
                }
                seen += page["edges"].as_array().unwrap().len() as i64;
                if page["pageInfo"]["hasNextPage"] == false {
                    return (seen, first);
                }
                after = page["pageInfo"]["endCursor"].clone();
            }
        }
    };
    // Below the threshold, exact: a generated family name.
    let (_, family) = agora::seed::generate::person_name(1);
    let family: &'static str = Box::leak(family.into_boxed_str());
    let (seen, first) = all(family).await;
    assert!(seen > 0 && seen <= 1000, "{seen}");
    assert_eq!(first["totalCountIsEstimate"], false);
    assert_eq!(first["totalCount"], seen);
    // Above, an estimate, flagged, of the right size: for a word (the entries of the
    // sampled records checked one by one) and a prefix (against every match). On
    // PostgreSQL also a prefix in a fifth of the entries, sampled from a part of the
    // table rather than through the index (on SQLite, a one-letter prefix's set of
    // matches costs 0.5 s at this scale in a release build, longer than a test's request
    // may take in a debug one).
    let mut queries = vec!["migration", "migr*"];
    if app.backend() == Backend::Postgres {
        queries.push("m*");
    }
    for q in queries {
        let (seen, first) = all(q).await;
        assert!(seen > 2000, "the graph has enough matches of {q}: {seen}");
        assert_eq!(first["totalCountIsEstimate"], true, "{q}");
        let estimate = first["totalCount"].as_i64().unwrap();
        assert!(
            estimate * 2 >= seen && estimate <= seen * 2,
            "{q}: estimate {estimate} of {seen}"
        );
    }
    // Every page of a common word's dialogues, best first: each once, and the same
    // dialogues as an export of the search, which reads every match in no order (on
    // PostgreSQL the pages read the index band by band).
    const DIALOGUES: &str = r#"query($after: String) {
        search(query: "migration", types: [DIALOGUE], first: 100, after: $after) {
            pageInfo { hasNextPage endCursor }
            edges { score node { id } } } }"#;
    let (mut paged, mut scores, mut after) = (Vec::new(), Vec::new(), Value::Null);
    loop {
        let page = app.data(DIALOGUES, json!({ "after": after })).await["search"].clone();
        for edge in page["edges"].as_array().unwrap() {
            paged.push(edge["node"]["id"].as_str().unwrap().to_string());
            scores.push(edge["score"].as_f64().unwrap());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let response = tower::ServiceExt::oneshot(
        app.router.clone(),
        axum::http::Request::get("/export/dialogues.jsonl?q=migration")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let mut exported: Vec<String> = std::str::from_utf8(&body)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(paged.len() > 100, "more than a page: {}", paged.len());
    let mut sorted = paged.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), paged.len(), "a dialogue on two pages");
    exported.sort();
    assert_eq!(sorted, exported);
});

/// Every search vector of the index on PostgreSQL, by entry, as text.
async fn vectors(app: &TestApp) -> Vec<(i64, String)> {
    use sea_orm::ConnectionTrait;
    let rows = app
        .db()
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT id, tsv::text AS tsv FROM search_entry ORDER BY id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| (r.try_get("", "id").unwrap(), r.try_get("", "tsv").unwrap()))
        .collect()
}

/// Migration 14 rewrites PostgreSQL's weighted vectors (stems A, folded words D) into
/// plain stems, marked folded words and bands, and migration 15 adds buckets: taken back
/// one step (no buckets), then to the weighted ones, and forward again, the seeded index
/// is what the server and the triggers write, and searches find the same.
#[tokio::test]
async fn postgres_vectors_rewritten_by_the_migration_equal_those_written() {
    use migration::MigratorTrait;
    let Some(app) = TestApp::start(Backend::Postgres, true).await else {
        return;
    };
    let queries = [
        "migration",
        "Guterres",
        "migr*",
        "\"stocktaking meeting\"",
        "A/72",
    ];
    let mut before = Vec::new();
    for q in queries {
        before.push(search(&app, json!({ "q": q, "first": 50 })).await);
    }
    let written = vectors(&app).await;
    let has = |v: &[(i64, String)], what: &str| v.iter().any(|(_, t)| t.contains(what));
    // A bucket's lexeme: `'~<band>.<bucket>'`.
    let has_bucket = |v: &[(i64, String)]| {
        v.iter().any(|(_, t)| {
            t.split(' ')
                .any(|lexeme| lexeme.starts_with("'~") && lexeme.contains('.'))
        })
    };
    // Written now: plain stems, `0` + folded word, the band and the bucket.
    assert!(has(&written, "'~"), "no band in {:?}", &written[..3]);
    assert!(has_bucket(&written), "no bucket in {:?}", &written[..3]);
    assert!(
        !has(&written, "A,") && !has(&written, "A "),
        "a weight in {:?}",
        &written[..3]
    );
    // The migrations after 15, which leave the vectors alone, are taken back first.
    let later = migration::Migrator::migrations().len() - 15;
    if later > 0 {
        migration::Migrator::down(app.db(), Some(later as u32))
            .await
            .unwrap();
    }
    migration::Migrator::down(app.db(), Some(1)).await.unwrap();
    let banded = vectors(&app).await;
    assert!(has(&banded, "'~"), "no band in {:?}", &banded[..3]);
    assert!(!has_bucket(&banded), "a bucket in {:?}", &banded[..3]);
    migration::Migrator::down(app.db(), Some(1)).await.unwrap();
    let weighted = vectors(&app).await;
    assert!(has(&weighted, "A "), "no weight A in {:?}", &weighted[..3]);
    assert!(!has(&weighted, "'~"), "a band in {:?}", &weighted[..3]);
    assert_eq!(weighted.len(), written.len());
    migration::Migrator::up(app.db(), None).await.unwrap();
    assert_eq!(vectors(&app).await, written);
    for (q, was) in queries.into_iter().zip(before) {
        let now = search(&app, json!({ "q": q, "first": 50 })).await;
        assert!(was["totalCount"].as_i64().unwrap() > 0, "{q}: {was:#}");
        assert_eq!(now, was, "{q}");
    }
}
