//! Every filter operator, checked against the same predicate computed here from the data.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::{common::*, db_test};

/// The ids the server returns for `filter` on `list` (and checks `totalCount` agrees).
async fn filtered(app: &TestApp, list: &str, ty: &str, filter: Value) -> BTreeSet<String> {
    let q = format!(
        "query($f: {ty}Filter) {{ {list}(first: 100, filter: $f) {{ totalCount nodes {{ id }} }} }}"
    );
    let d = app.data(&q, json!({ "f": filter })).await;
    let ids: BTreeSet<String> = strings(&d[list]["nodes"], "id").into_iter().collect();
    assert_eq!(d[list]["totalCount"].as_u64().unwrap() as usize, ids.len());
    ids
}

/// The ids of the nodes that `keep` accepts.
fn expected(nodes: &[Value], keep: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    nodes
        .iter()
        .filter(|n| keep(n))
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

/// Checks one filter: the server's answer must equal the predicate's, and must be neither
/// everything nor nothing (a filter that always or never matches proves little).
async fn check(
    app: &TestApp,
    list: &str,
    ty: &str,
    nodes: &[Value],
    filter: Value,
    keep: impl Fn(&Value) -> bool,
) {
    let want = expected(nodes, keep);
    let got = filtered(app, list, ty, filter.clone()).await;
    assert_eq!(got, want, "{list} with {filter}");
    assert!(
        !want.is_empty() && want.len() < nodes.len(),
        "{list} with {filter} selects {} of {}",
        want.len(),
        nodes.len()
    );
}

fn s<'a>(n: &'a Value, f: &str) -> Option<&'a str> {
    n[f].as_str()
}

fn i(n: &Value, f: &str) -> Option<i64> {
    n[f].as_i64()
}

db_test!(scalar_operators_match_their_definition, empty, |app| {
    let mut shape = small_shape();
    shape.dialogues = 40;
    generate(&app, &shape).await;
    let d = app
        .data(
            r#"{ dialogues(first: 100) { nodes { id slug year month city startDate series { id }
                en: title(lang: "en") { text lang } fr: title(lang: "fr") { text lang } } } }"#,
            json!({}),
        )
        .await;
    let nodes = d["dialogues"]["nodes"].as_array().unwrap().clone();
    let id_of = |k: usize| nodes[k]["id"].clone();
    let ty = "Dialogue";
    let l = "dialogues";

    // Ids.
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "id": { "eq": id_of(3) } }),
        |n| n["id"] == id_of(3),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "id": { "ne": id_of(3) } }),
        |n| n["id"] != id_of(3),
    )
    .await;
    let some = [id_of(1), id_of(5), id_of(7)];
    check(&app, l, ty, &nodes, json!({ "id": { "in": some } }), |n| {
        some.contains(&n["id"])
    })
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "id": { "notIn": some } }),
        |n| !some.contains(&n["id"]),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "seriesId": { "isNull": true } }),
        |n| n["series"].is_null(),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "seriesId": { "isNull": false } }),
        |n| !n["series"].is_null(),
    )
    .await;
    let series = nodes.iter().find(|n| !n["series"].is_null()).unwrap()["series"]["id"].clone();
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "seriesId": { "eq": series } }),
        |n| n["series"]["id"] == series,
    )
    .await;

    // Whole numbers.
    let y = i(&nodes[0], "year").unwrap();
    check(&app, l, ty, &nodes, json!({ "year": { "eq": y } }), |n| {
        i(n, "year") == Some(y)
    })
    .await;
    check(&app, l, ty, &nodes, json!({ "year": { "ne": y } }), |n| {
        i(n, "year") != Some(y)
    })
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "year": { "in": [2001, 2010, y] } }),
        |n| [2001, 2010, y].contains(&i(n, "year").unwrap()),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "year": { "notIn": [2001, 2010, y] } }),
        |n| ![2001, 2010, y].contains(&i(n, "year").unwrap()),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "year": { "gt": 2012 } }),
        |n| i(n, "year").unwrap() > 2012,
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "year": { "gte": 2012 } }),
        |n| i(n, "year").unwrap() >= 2012,
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "year": { "lt": 2012 } }),
        |n| i(n, "year").unwrap() < 2012,
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "year": { "lte": 2012 } }),
        |n| i(n, "year").unwrap() <= 2012,
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "year": { "gte": 2005, "lt": 2015 } }),
        |n| (2005..2015).contains(&i(n, "year").unwrap()),
    )
    .await;

    // Dates: ranges and unknown dates.
    let day = nodes
        .iter()
        .find_map(|n| s(n, "startDate"))
        .unwrap()
        .to_string();
    let on = |n: &Value| s(n, "startDate").map(str::to_string);
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "startDate": { "eq": day } }),
        |n| on(n).as_deref() == Some(day.as_str()),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "startDate": { "gt": "2012-06-30" } }),
        |n| on(n).is_some_and(|d| d.as_str() > "2012-06-30"),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "startDate": { "gte": "2012-06-30", "lte": "2020-01-01" } }),
        |n| on(n).is_some_and(|d| ("2012-06-30".."2020-01-02").contains(&d.as_str())),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "startDate": { "lt": "2012-06-30" } }),
        |n| on(n).is_some_and(|d| d.as_str() < "2012-06-30"),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "startDate": { "isNull": true } }),
        |n| on(n).is_none(),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "startDate": { "isNull": false } }),
        |n| on(n).is_some(),
    )
    .await;

    // Plain strings: exact, lists, and case-insensitive parts.
    let city = s(&nodes[0], "city").unwrap().to_string();
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "city": { "eq": city } }),
        |n| s(n, "city") == Some(city.as_str()),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "city": { "ne": city } }),
        |n| s(n, "city") != Some(city.as_str()),
    )
    .await;
    let cities = ["Geneva", "Paris", city.as_str()];
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "city": { "in": cities } }),
        |n| cities.contains(&s(n, "city").unwrap()),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "city": { "notIn": cities } }),
        |n| !cities.contains(&s(n, "city").unwrap()),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "city": { "contains": "AN" } }),
        |n| s(n, "city").unwrap().to_lowercase().contains("an"),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "city": { "startsWith": "ma" } }),
        |n| s(n, "city").unwrap().to_lowercase().starts_with("ma"),
    )
    .await;
    // LIKE's wildcards are plain characters in a filter.
    for wild in ["%", "_", "\\"] {
        assert!(
            filtered(&app, l, ty, json!({ "slug": { "contains": wild } }))
                .await
                .is_empty()
        );
    }
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "slug": { "startsWith": "dialogue-1" } }),
        |n| s(n, "slug").unwrap().starts_with("dialogue-1"),
    )
    .await;

    // Translatable text: any language, or one; case and accents ignored.
    let text = |n: &Value, lang: &str| {
        n[lang]["text"]
            .as_str()
            .filter(|_| n[lang]["lang"] == lang)
            .map(agora::graphql::i18n::fold)
    };
    let any_contains = |n: &Value, part: &str| {
        ["en", "fr"]
            .iter()
            .any(|l| text(n, l).is_some_and(|t| t.contains(part)))
    };
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "title": { "contains": "RÉINTÉGRATION" } }),
        |n| any_contains(n, "reintegration"),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "title": { "contains": "reintegration" } }),
        |n| any_contains(n, "reintegration"),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "title": { "contains": "migration", "lang": "fr" } }),
        |n| text(n, "fr").is_some_and(|t| t.contains("migration")),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "title": { "startsWith": "forum" } }),
        |n| {
            ["en", "fr"]
                .iter()
                .any(|l| text(n, l).is_some_and(|t| t.starts_with("forum")))
        },
    )
    .await;
    let title = nodes[2]["en"]["text"].as_str().unwrap().to_uppercase();
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "title": { "eq": title } }),
        |n| text(n, "en") == Some(agora::graphql::i18n::fold(&title)),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "title": { "lang": "fr", "isNull": true } }),
        |n| text(n, "fr").is_none(),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "title": { "lang": "fr", "isNull": false } }),
        |n| text(n, "fr").is_some(),
    )
    .await;

    // Combinations.
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "and": [{ "year": { "gte": 2005 } }, { "year": { "lt": 2015 } }] }),
        |n| (2005..2015).contains(&i(n, "year").unwrap()),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "or": [{ "year": { "lt": 2005 } }, { "city": { "eq": city } }] }),
        |n| i(n, "year").unwrap() < 2005 || s(n, "city") == Some(city.as_str()),
    )
    .await;
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "not": { "year": { "lt": 2012 } } }),
        |n| i(n, "year").unwrap() >= 2012,
    )
    .await;
    check(&app, l, ty, &nodes, json!({ "year": { "gte": 2005 }, "not": { "or": [{ "city": { "eq": city } }, { "startDate": { "isNull": true } }] } }), |n| i(n, "year").unwrap() >= 2005 && s(n, "city") != Some(city.as_str()) && on(n).is_some()).await;
    assert!(filtered(&app, l, ty, json!({ "or": [] })).await.is_empty());
});

db_test!(
    enum_number_and_time_operators_on_organisations,
    empty,
    |app| {
        generate(&app, &small_shape()).await;
        let d = app
        .data("{ organisations(first: 100) { nodes { id kind memberStateCount foundedYear createdAt country parent { id } } } }", json!({}))
        .await;
        let nodes = d["organisations"]["nodes"].as_array().unwrap().clone();
        let (l, ty) = ("organisations", "Organisation");
        let kind = |n: &Value| s(n, "kind").unwrap().to_string();
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "kind": { "eq": "GOVERNMENT" } }),
            |n| kind(n) == "GOVERNMENT",
        )
        .await;
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "kind": { "ne": "GOVERNMENT" } }),
            |n| kind(n) != "GOVERNMENT",
        )
        .await;
        let kinds = ["CIVIL_SOCIETY", "ACADEMIA", "MEDIA"];
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "kind": { "in": kinds } }),
            |n| kinds.contains(&kind(n).as_str()),
        )
        .await;
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "kind": { "notIn": kinds } }),
            |n| !kinds.contains(&kind(n).as_str()),
        )
        .await;
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "memberStateCount": { "isNull": false } }),
            |n| !n["memberStateCount"].is_null(),
        )
        .await;
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "memberStateCount": { "isNull": true } }),
            |n| n["memberStateCount"].is_null(),
        )
        .await;
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "foundedYear": { "gte": 1960, "lte": 2000 } }),
            |n| (1960..=2000).contains(&i(n, "foundedYear").unwrap()),
        )
        .await;
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "parentId": { "isNull": false } }),
            |n| !n["parent"].is_null(),
        )
        .await;
        let mid = s(&nodes[14], "createdAt").unwrap().to_string();
        let at =
            |n: &Value| chrono::DateTime::parse_from_rfc3339(s(n, "createdAt").unwrap()).unwrap();
        let pivot = chrono::DateTime::parse_from_rfc3339(&mid).unwrap();
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "createdAt": { "gt": mid } }),
            |n| at(n) > pivot,
        )
        .await;
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "createdAt": { "gte": mid } }),
            |n| at(n) >= pivot,
        )
        .await;
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "createdAt": { "lt": mid } }),
            |n| at(n) < pivot,
        )
        .await;
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "createdAt": { "lte": mid } }),
            |n| at(n) <= pivot,
        )
        .await;
        check(
            &app,
            l,
            ty,
            &nodes,
            json!({ "country": { "in": ["FR", "US", "MX", "CH"] } }),
            |n| ["FR", "US", "MX", "CH"].contains(&s(n, "country").unwrap()),
        )
        .await;
    }
);

db_test!(relation_filters_follow_the_edges, empty, |app| {
    let mut shape = small_shape();
    shape.dialogues = 30;
    generate(&app, &shape).await;
    // Dialogues by their workshops' participants (organisation kind and role).
    let d = app
        .data(
            r#"{ dialogues(first: 100) { nodes { id series { id } year
                themes { nodes { code } }
                participants { edges { role node { kind } } }
                reports { edges { role node { kind } } }
                people { edges { role node { name } } }
                workshops { nodes { participants { edges { role node { kind slug } } } tools { nodes { kind } } } } } } }"#,
            json!({}),
        )
        .await;
    let nodes = d["dialogues"]["nodes"].as_array().unwrap().clone();
    let (l, ty) = ("dialogues", "Dialogue");
    let workshop_has = |n: &Value, pred: &dyn Fn(&Value) -> bool| {
        n["workshops"]["nodes"].as_array().unwrap().iter().any(|w| {
            w["participants"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .any(pred)
        })
    };
    check(&app, l, ty, &nodes,
        json!({ "hasWorkshop": { "hasParticipant": { "role": { "eq": "HOST" }, "organisation": { "kind": { "eq": "GOVERNMENT" } } } } }),
        |n| workshop_has(n, &|e| e["role"] == "HOST" && e["node"]["kind"] == "GOVERNMENT")).await;
    let slug = d["dialogues"]["nodes"][0]["workshops"]["nodes"][0]["participants"]["edges"][0]["node"]["slug"].clone();
    check(&app, l, ty, &nodes,
        json!({ "hasWorkshop": { "hasParticipant": { "organisation": { "slug": { "eq": slug } } } } }),
        |n| workshop_has(n, &|e| e["node"]["slug"] == slug)).await;
    check(&app, l, ty, &nodes,
        json!({ "hasParticipant": { "role": { "in": ["ORGANISER"] }, "organisation": { "kind": { "in": ["GOVERNMENT", "CIVIL_SOCIETY"] } } } }),
        |n| n["participants"]["edges"].as_array().unwrap().iter().any(|e| e["role"] == "ORGANISER" && ["GOVERNMENT", "CIVIL_SOCIETY"].contains(&e["node"]["kind"].as_str().unwrap()))).await;
    check(&app, l, ty, &nodes,
        json!({ "hasReport": { "role": { "eq": "OUTCOME" }, "report": { "kind": { "eq": "UN_REPORT" } } } }),
        |n| n["reports"]["edges"].as_array().unwrap().iter().any(|e| e["role"] == "OUTCOME" && e["node"]["kind"] == "UN_REPORT")).await;
    let person = d["dialogues"]["nodes"][0]["people"]["edges"][0]["node"]["name"].clone();
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "hasPerson": { "person": { "name": { "eq": person } } } }),
        |n| {
            n["people"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["node"]["name"] == person)
        },
    )
    .await;
    let code = d["dialogues"]["nodes"][0]["themes"]["nodes"][0]["code"].clone();
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "hasTheme": { "code": { "eq": code } } }),
        |n| {
            n["themes"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["code"] == code)
        },
    )
    .await;
    let series = nodes.iter().find(|n| !n["series"].is_null()).unwrap()["series"]["id"].clone();
    check(
        &app,
        l,
        ty,
        &nodes,
        json!({ "series": { "id": { "eq": series } } }),
        |n| n["series"]["id"] == series,
    )
    .await;
    check(&app, l, ty, &nodes,
        json!({ "hasWorkshop": { "hasTool": { "kind": { "in": ["FRAMEWORK", "PLATFORM", "GUIDELINE", "TRAINING", "INDICATOR_SET"] } } } }),
        |n| n["workshops"]["nodes"].as_array().unwrap().iter().any(|w| !w["tools"]["nodes"].as_array().unwrap().is_empty())).await;

    // Workshops by their dialogue; organisations by their parent; themes by their broader
    // theme; reports, tools and people by their links.
    let w = app
        .data(
            "{ workshops(first: 100) { nodes { id dialogue { year } } } }",
            json!({}),
        )
        .await;
    let w = w["workshops"]["nodes"].as_array().unwrap().clone();
    check(
        &app,
        "workshops",
        "Workshop",
        &w,
        json!({ "dialogue": { "year": { "gte": 2013 } } }),
        |n| i(&n["dialogue"], "year").unwrap() >= 2013,
    )
    .await;
    let o = app
        .data(
            "{ organisations(first: 100) { nodes { id parent { kind } } } }",
            json!({}),
        )
        .await;
    let o = o["organisations"]["nodes"].as_array().unwrap().clone();
    check(
        &app,
        "organisations",
        "Organisation",
        &o,
        json!({ "parent": { "kind": { "ne": "MEDIA" } } }),
        |n| !n["parent"].is_null() && n["parent"]["kind"] != "MEDIA",
    )
    .await;
    let t = app
        .data(
            "{ themes(first: 100) { nodes { id broader { code } } } }",
            json!({}),
        )
        .await;
    let t = t["themes"]["nodes"].as_array().unwrap().clone();
    check(
        &app,
        "themes",
        "Theme",
        &t,
        json!({ "broader": { "code": { "eq": "T1" } } }),
        |n| n["broader"]["code"] == "T1",
    )
    .await;
    let r = app.data("{ reports(first: 100) { nodes { id publishers { nodes { kind } } authors { nodes { name } } } } }", json!({})).await;
    let r = r["reports"]["nodes"].as_array().unwrap().clone();
    check(
        &app,
        "reports",
        "Report",
        &r,
        json!({ "hasPublisher": { "kind": { "in": ["GOVERNMENT", "ACADEMIA"] } } }),
        |n| {
            n["publishers"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| ["GOVERNMENT", "ACADEMIA"].contains(&p["kind"].as_str().unwrap()))
        },
    )
    .await;
    let author = r[0]["authors"]["nodes"][0]["name"].clone();
    check(
        &app,
        "reports",
        "Report",
        &r,
        json!({ "hasAuthor": { "name": { "eq": author } } }),
        |n| {
            n["authors"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == author)
        },
    )
    .await;
    let tl = app
        .data(
            "{ tools(first: 100) { nodes { id developers { edges { role node { id } } } } } }",
            json!({}),
        )
        .await;
    let tl = tl["tools"]["nodes"].as_array().unwrap().clone();
    let lead = tl[0]["developers"]["edges"][0]["node"]["id"].clone();
    check(&app, "tools", "Tool", &tl, json!({ "hasDeveloper": { "role": { "eq": "LEAD" }, "organisation": { "id": { "eq": lead } } } }),
        |n| n["developers"]["edges"].as_array().unwrap().iter().any(|e| e["role"] == "LEAD" && e["node"]["id"] == lead)).await;
    let p = app
        .data(
            "{ people(first: 100) { nodes { id affiliations { nodes { foundedYear } } } } }",
            json!({}),
        )
        .await;
    let p = p["people"]["nodes"].as_array().unwrap().clone();
    check(
        &app,
        "people",
        "Person",
        &p,
        json!({ "hasAffiliation": { "foundedYear": { "lt": 1980 } } }),
        |n| {
            n["affiliations"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| i(o, "foundedYear").unwrap() < 1980)
        },
    )
    .await;
});

db_test!(
    dialogues_having_a_workshop_in_which_an_organisation_took_part,
    seeded,
    |app| {
        let iom = app
            .data(r#"{ organisationBySlug(slug: "iom") { id } }"#, json!({}))
            .await;
        let d = app
        .data(
            "query($iom: ID!) { dialogues(filter: {hasWorkshop: {hasParticipant: {organisation: {id: {eq: $iom}}}}}) { nodes { slug } } }",
            json!({ "iom": iom["organisationBySlug"]["id"] }),
        )
        .await;
        assert_eq!(d["dialogues"]["nodes"], json!([{ "slug": "idm-2018" }]));
        let d = app
        .data(r#"{ dialogues(filter: {title: {contains: "migration"}, not: {seriesId: {isNull: true}}}) { nodes { slug } } }"#, json!({}))
        .await;
        assert_eq!(
            strings(&d["dialogues"]["nodes"], "slug"),
            ["idm-2018", "idm-2017"]
        );
        let d = app
        .data(r#"{ themes(filter: {title: {contains: "pacte MONDIAL", lang: "fr"}}) { nodes { code } } }"#, json!({}))
        .await;
        assert_eq!(d["themes"]["nodes"], json!([{ "code": "GCM" }]));
    }
);

db_test!(
    filters_too_large_to_run_are_refused_before_any_sql,
    seeded,
    |app| {
        let count = "query($f: DialogueFilter) { dialogues(filter: $f) { totalCount } }";
        let ranges = |n: i64| -> Vec<Value> {
            (0..n)
                .map(|i| json!({ "year": { "gte": 1900 + i, "lte": 2100 - i } }))
                .collect()
        };
        // Control: 500 conditions (1,000 values) run.
        let fine = json!({ "or": [{ "and": ranges(250) }, { "and": ranges(250) }] });
        let d = app.data(count, json!({ "f": fine })).await;
        assert!(d["dialogues"]["totalCount"].is_number());
        // The widest `or` (500) runs inside a relation filter too: a flat chain of 500
        // terms there was deeper than SQLite's parser takes.
        let fields = |n: usize| -> Vec<Value> {
            (0..n)
                .map(|i| json!({ "createdAt": { "lt": format!("1900-01-{:02}T00:00:00Z", i % 28 + 1) } }))
                .collect()
        };
        let wide = json!({ "hasWorkshop": { "or": fields(500) } });
        let d = app.data(count, json!({ "f": wide })).await;
        assert_eq!(d["dialogues"]["totalCount"], 0);
        // 50 conditions on texts and relations (the relation and 49 texts) run, in an
        // `and` or an `or`.
        let texts = |n: usize| -> Vec<Value> {
            (0..n)
                .map(|i| json!({ "summary": { "contains": format!("absent {i}") } }))
                .collect()
        };
        for junction in ["or", "and"] {
            let wide = json!({ "hasWorkshop": { junction: texts(49) } });
            let d = app.data(count, json!({ "f": wide })).await;
            assert_eq!(d["dialogues"]["totalCount"], 0, "{junction}");
        }
        // 10,000 conditions (an `or` of 50 `and`s of 200), 30,000 ids, a 50 KB text: refused
        // with a code that says why, before any SQL.
        let before = app.statements();
        let costly: Vec<Value> = (0..50).map(|_| json!({ "and": ranges(200) })).collect();
        let body = app.post(count, json!({ "f": { "or": costly } })).await;
        assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX", "{body}");
        let ids: Vec<String> = (1..=500)
            .map(|i| {
                agora::graphql::id::encode(agora::graphql::id::NodeType::Dialogue, i).to_string()
            })
            .collect();
        let many: Vec<Value> = (0..60).map(|_| json!({ "id": { "in": ids } })).collect();
        let body = app.post(count, json!({ "f": { "or": many } })).await;
        assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX", "{body}");
        // 51 conditions on texts and relations.
        let body = app
            .post(
                count,
                json!({ "f": { "hasWorkshop": { "and": texts(50) } } }),
            )
            .await;
        assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX", "{body}");
        let long = json!({ "title": { "contains": "x".repeat(50_000) } });
        let body = app.post(count, json!({ "f": long })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(app.statements(), before, "no SQL ran");
    }
);
