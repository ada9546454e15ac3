//! The lookups people use: slugs, UN symbols, codes, and a partner's own ids.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

use crate::db_test;

db_test!(by_slug_symbol_and_code, seeded, |app| {
    let d = app
        .data(
            r#"{ d: dialogueBySlug(slug: "idm-2017") { slug year }
                 o: organisationBySlug(slug: "un") { slug kind }
                 r: reportBySymbol(symbol: "A/72/643") { symbol }
                 t: themeByCode(code: "GCM") { code scheme }
                 none: dialogueBySlug(slug: "nope") { slug }
                 noReport: reportBySymbol(symbol: "A/1/1") { symbol } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        d,
        json!({
            "d": { "slug": "idm-2017", "year": 2017 },
            "o": { "slug": "un", "kind": "INTERGOVERNMENTAL" },
            "r": { "symbol": "A/72/643" },
            "t": { "code": "GCM", "scheme": "FRAMEWORK" },
            "none": null,
            "noReport": null
        })
    );
});

db_test!(by_a_partners_external_id, seeded, |app| {
    let iom = agora::organisation::repo::by_slug(app.db(), "iom")
        .await
        .unwrap()
        .unwrap();
    let now = Utc::now();
    let d = entity::dialogue::ActiveModel {
        slug: Set("partner-dialogue".into()),
        original_lang: Set("en".into()),
        partner_id: Set(Some(iom.id)),
        external_id: Set(Some("IDM-17".into())),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .unwrap();
    agora::repo::text::write(
        app.db(),
        "dialogue",
        d.id,
        "title",
        &[("en", "A partner's dialogue")],
    )
    .await
    .unwrap();
    let q = r#"query($p: String!, $x: String!, $t: NodeType!) { byExternalId(type: $t, partner: $p, externalId: $x) {
        __typename ... on Dialogue { slug provenance { externalId partner { slug } } } } }"#;
    let found = app
        .data(q, json!({ "p": "iom", "x": "IDM-17", "t": "DIALOGUE" }))
        .await;
    assert_eq!(
        found["byExternalId"],
        json!({ "__typename": "Dialogue", "slug": "partner-dialogue", "provenance": { "externalId": "IDM-17", "partner": { "slug": "iom" } } })
    );
    // The same record through the provenance filters.
    let filtered = app
        .data(
            r#"query($p: ID!) { dialogues(filter: {partner: {eq: $p}, externalId: {startsWith: "IDM"}, originalLanguage: {eq: "en"}}) { nodes { slug } } }"#,
            json!({ "p": agora::graphql::id::encode(agora::graphql::id::NodeType::Organisation, iom.id) }),
        )
        .await;
    assert_eq!(
        filtered["dialogues"]["nodes"],
        json!([{ "slug": "partner-dialogue" }])
    );
    for (p, x, t) in [
        ("un", "IDM-17", "DIALOGUE"),
        ("iom", "IDM-18", "DIALOGUE"),
        ("iom", "IDM-17", "WORKSHOP"),
        ("nobody", "IDM-17", "DIALOGUE"),
    ] {
        let none = app.data(q, json!({ "p": p, "x": x, "t": t })).await;
        assert!(none["byExternalId"].is_null(), "{p} {x} {t}");
    }
    // The same external id may not be given twice by one partner for one type.
    let twice = entity::dialogue::ActiveModel {
        slug: Set("again".into()),
        original_lang: Set("en".into()),
        partner_id: Set(Some(iom.id)),
        external_id: Set(Some("IDM-17".into())),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.db())
    .await;
    assert!(twice.is_err());
});
