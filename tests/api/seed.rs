//! The seed holds the facts of the source document, and only those.

use serde_json::json;

use crate::{common::*, db_test};

db_test!(idm_2018_is_in_new_york_on_26_27_march_2018, seeded, |app| {
    let d = app
        .data(
            r#"{ dialogueBySlug(slug: "idm-2018") {
                title(lang: "en") { text } fr: title(lang: "fr") { text }
                startDate endDate year month city country website webcastUrl
                series { slug title(lang: "en") { text } }
                workshops { totalCount nodes { position startDate endDate city
                    venue(lang: "en") { text } title(lang: "fr") { text } } }
                participants { edges { role node { slug } } }
                people { edges { role node { name } } }
                reports { edges { role node { symbol } } }
                themes { nodes { code } }
                provenance { sourceDocument partner { slug } }
            } }"#,
            json!({}),
        )
        .await;
    let d = &d["dialogueBySlug"];
    assert_eq!(
        d["title"]["text"],
        "International Dialogue on Migration 2018"
    );
    assert_eq!(
        d["fr"]["text"],
        "Dialogue international sur la migration 2018"
    );
    assert_eq!(d["startDate"], "2018-03-26");
    assert_eq!(d["endDate"], "2018-03-27");
    assert_eq!(
        (d["year"].clone(), d["month"].clone()),
        (json!(2018), json!(3))
    );
    assert_eq!(
        (d["city"].as_str(), d["country"].as_str()),
        (Some("New York"), Some("US"))
    );
    assert_eq!(
        d["website"],
        "http://www.iom.int/inclusive-and-innovative-partnerships-effective-global-governance-migration"
    );
    assert_eq!(d["webcastUrl"], "http://webtv.un.org");
    assert_eq!(d["series"]["slug"], "idm");
    assert_eq!(
        d["series"]["title"]["text"],
        "International Dialogue on Migration"
    );
    assert_eq!(d["workshops"]["totalCount"], 2);
    let first = &d["workshops"]["nodes"][0];
    assert_eq!(first["position"], 1);
    assert_eq!(
        (first["startDate"].as_str(), first["endDate"].as_str()),
        (Some("2018-03-26"), Some("2018-03-27"))
    );
    assert_eq!(first["venue"]["text"], "United Nations Headquarters");
    assert_eq!(first["city"], "New York");
    // The source gives the second workshop no date and no place: they stay unknown.
    let second = &d["workshops"]["nodes"][1];
    assert_eq!(second["position"], 2);
    for field in ["startDate", "endDate", "city", "venue"] {
        assert!(
            second[field].is_null(),
            "{field} of the second workshop must stay unknown"
        );
    }
    assert!(
        second["title"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Deuxième atelier de l'IDM 2018")
    );
    assert_eq!(
        d["participants"]["edges"],
        json!([{ "role": "ORGANISER", "node": { "slug": "iom" } }])
    );
    assert_eq!(
        d["people"]["edges"],
        json!([{ "role": "CONTACT", "node": { "name": "Azzouz Samri" } }])
    );
    assert_eq!(
        d["reports"]["edges"],
        json!([{ "role": "CITED", "node": { "symbol": "A/72/643" } }])
    );
    assert_eq!(
        strings(&d["themes"]["nodes"], "code"),
        ["partnerships", "migration-governance", "GCM"]
    );
    assert!(
        d["provenance"]["sourceDocument"]
            .as_str()
            .unwrap()
            .starts_with("IOM, press release « Le Dialogue international")
    );
    assert!(d["provenance"]["partner"].is_null());
});

db_test!(
    the_secretary_generals_report_is_a_72_643_by_antonio_guterres,
    seeded,
    |app| {
        let d = app
        .data(
            r#"{ reportBySymbol(symbol: "A/72/643") {
                kind year month publishedOn title(lang: "en") { text } fr: title(lang: "fr") { text }
                summary(lang: "fr") { text }
                authors { nodes { name affiliations { edges { position(lang: "en") { text } node { slug } } } } }
                publishers { nodes { slug } }
                dialogues { edges { role node { slug } } }
            } }"#,
            json!({}),
        )
        .await;
        let r = &d["reportBySymbol"];
        assert_eq!(r["kind"], "UN_REPORT");
        assert_eq!(
            (r["year"].clone(), r["month"].clone()),
            (json!(2017), json!(12))
        );
        assert!(
            r["publishedOn"].is_null(),
            "the source gives a month, not a day"
        );
        assert_eq!(r["title"]["text"], "Making Migration Work for All");
        assert_eq!(
            r["fr"]["text"],
            "Rendre les migrations bénéfiques pour tous"
        );
        assert!(
            r["summary"]["text"]
                .as_str()
                .unwrap()
                .contains("un des défis les plus urgents et sérieux")
        );
        let author = &r["authors"]["nodes"][0];
        assert_eq!(author["name"], "António Guterres");
        assert_eq!(
            author["affiliations"]["edges"][0]["position"]["text"],
            "Secretary-General"
        );
        assert_eq!(author["affiliations"]["edges"][0]["node"]["slug"], "un");
        assert_eq!(strings(&r["publishers"]["nodes"], "slug"), ["un"]);
        assert_eq!(
            r["dialogues"]["edges"],
            json!([{ "role": "CITED", "node": { "slug": "idm-2018" } }])
        );
    }
);

db_test!(
    iom_has_175_member_states_and_is_part_of_the_un_system,
    seeded,
    |app| {
        let d = app
        .data(
            r#"{ organisationBySlug(slug: "iom") {
                kind foundedYear memberStateCount countryPresenceCount
                name(lang: "fr") { text } acronym(lang: "fr") { text } en: acronym(lang: "en") { text }
                parent { slug }
                children { nodes { slug name(lang: "en") { text } } }
                partners { edges { level node { slug } } }
                affiliates { edges { position(lang: "fr") { text } node { name } } }
                themes { nodes { code } }
            } }"#,
            json!({}),
        )
        .await;
        let o = &d["organisationBySlug"];
        assert_eq!(o["kind"], "UN_AGENCY");
        assert_eq!(o["foundedYear"], 1951);
        assert_eq!(o["memberStateCount"], 175);
        assert_eq!(o["countryPresenceCount"], 171);
        assert_eq!(
            o["name"]["text"],
            "Organisation internationale pour les migrations"
        );
        assert_eq!(
            (o["acronym"]["text"].as_str(), o["en"]["text"].as_str()),
            (Some("OIM"), Some("IOM"))
        );
        // Part of the UN system, which is neither the UN as its parent organisation nor a
        // partnership at a level the source does not state.
        assert!(o["parent"].is_null());
        assert_eq!(o["partners"]["edges"], json!([]));
        // The structure as the page lists it: the three leadership offices, the division and
        // the three offices.
        let children = strings(&o["children"]["nodes"], "slug");
        assert_eq!(children.len(), 7);
        assert!(children.contains(&"iom-governing-bodies-division".to_string()));
        assert!(children.contains(&"iom-director-general".to_string()));
        assert_eq!(
            o["affiliates"]["edges"],
            json!([{ "position": { "text": "Directeur général" }, "node": { "name": "William Lacy Swing" } }])
        );
        assert_eq!(strings(&o["themes"]["nodes"], "code"), ["2030-agenda"]);
    }
);

db_test!(
    swing_spoke_at_idm_2017_and_samri_is_the_contact,
    seeded,
    |app| {
        let d = app
            .data(
                r#"{ people(orderBy: {field: NAME}) { nodes { name
                dialogues { edges { role node { slug } } }
                affiliations { nodes { slug } }
                reports { nodes { symbol } }
            } } }"#,
                json!({}),
            )
            .await;
        let people = d["people"]["nodes"].as_array().unwrap();
        assert_eq!(
            strings(&d["people"]["nodes"], "name"),
            ["António Guterres", "Azzouz Samri", "William Lacy Swing"]
        );
        assert_eq!(
            people[0]["reports"]["nodes"],
            json!([{ "symbol": "A/72/643" }])
        );
        assert_eq!(
            people[1]["dialogues"]["edges"],
            json!([{ "role": "CONTACT", "node": { "slug": "idm-2018" } }])
        );
        assert_eq!(
            people[1]["affiliations"]["nodes"],
            json!([{ "slug": "iom-governing-bodies-division" }])
        );
        assert_eq!(
            people[2]["dialogues"]["edges"],
            json!([{ "role": "SPEAKER", "node": { "slug": "idm-2017" } }])
        );
        let stocktaking = app
        .data(r#"{ dialogueBySlug(slug: "gcm-stocktaking-2017") { city country year month startDate series { slug } } }"#, json!({}))
        .await;
        assert_eq!(
            stocktaking["dialogueBySlug"],
            json!({ "city": "Puerto Vallarta", "country": "MX", "year": 2017, "month": 12, "startDate": null, "series": null })
        );
    }
);

db_test!(
    every_seeded_record_cites_the_source_in_french_and_english,
    seeded,
    |app| {
        let d = app
        .data(
            r#"{
                dialogues { totalCount nodes { ...R } }
                workshops { totalCount nodes { ...R } }
                reports { totalCount nodes { ...R } }
                tools { totalCount nodes { ...R } }
                organisations { totalCount nodes { ...R } }
                people { totalCount nodes { ...R } }
                themes(filter: {scheme: {in: [FREE, FRAMEWORK]}}) { totalCount nodes { ...R } }
            }
            fragment R on Node { id ... on Dialogue { availableLanguages originalLanguage provenance { sourceDocument } }
                ... on Workshop { availableLanguages originalLanguage provenance { sourceDocument } }
                ... on Report { availableLanguages originalLanguage provenance { sourceDocument } }
                ... on Organisation { availableLanguages originalLanguage provenance { sourceDocument } }
                ... on Person { availableLanguages originalLanguage provenance { sourceDocument } }
                ... on Theme { availableLanguages originalLanguage provenance { sourceDocument } } }"#,
            json!({}),
        )
        .await;
        let counts: Vec<i64> = [
            "dialogues",
            "workshops",
            "reports",
            "tools",
            "organisations",
            "people",
            "themes",
        ]
        .iter()
        .map(|k| d[*k]["totalCount"].as_i64().unwrap())
        .collect();
        // 4 dialogues, 2 workshops, 1 report, no tool (the source names none), 9 organisations,
        // 3 people, 5 themes (beside the controlled vocabularies, which cite their own sources).
        assert_eq!(counts, [4, 2, 1, 0, 9, 3, 5]);
        for list in [
            "dialogues",
            "workshops",
            "reports",
            "organisations",
            "people",
            "themes",
        ] {
            for node in d[list]["nodes"].as_array().unwrap() {
                assert_eq!(node["originalLanguage"], "fr", "{node}");
                assert_eq!(node["availableLanguages"], json!(["en", "fr"]), "{node}");
                let source = node["provenance"]["sourceDocument"].as_str().unwrap();
                assert!(source.starts_with("IOM, press release"), "{node}");
            }
        }
    }
);

db_test!(
    seeding_twice_writes_nothing_the_second_time,
    seeded,
    |app| {
        let again = agora::seed::seed(app.db()).await.unwrap();
        assert!(!again.written);
        let d = app
            .data("{ organisations { totalCount } }", json!({}))
            .await;
        assert_eq!(d["organisations"]["totalCount"], 9);
    }
);

db_test!(nested_query_in_french_snapshot, seeded, |app| {
    let body = app
        .post_with(
            r#"{ dialogues(filter: {seriesId: {isNull: false}}, orderBy: {field: START_DATE, direction: DESC}) {
                edges { node { slug title { text lang isFallback } startDate
                    workshops { edges { node { position title { text } venue { text lang }
                        participants { edges { role node { slug name { text } acronym { text } parent { slug } } } } } } } } } } }"#,
            json!({}),
            &[("accept-language", "fr-CH, fr;q=0.9, en;q=0.5")],
        )
        .await;
    insta::assert_json_snapshot!("nested_query_in_french", body);
});
