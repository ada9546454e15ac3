//! Controlled vocabularies (the Global Compact's objectives, SDG 10.7) and filters by theme
//! that include narrower themes.

use serde_json::{Value, json};

use crate::{common::*, db_test};

db_test!(
    the_vocabularies_are_seeded_in_three_languages_with_sources,
    seeded,
    |app| {
        let d = app
        .data(
            r#"{
                objectives: themes(filter: {scheme: {eq: GCM_OBJECTIVE}}, first: 100, orderBy: {field: CODE, direction: ASC}) {
                    totalCount
                    nodes { code broader { code } availableLanguages
                        en: title(lang: "en") { text lang source }
                        fr: title(lang: "fr") { text lang source }
                        es: title(lang: "es") { text lang source } }
                }
                target: themeByCode(code: "SDG-10.7") {
                    scheme broader { code broader { code } }
                    title(lang: "fr") { text source }
                    narrower(first: 10) { nodes { code scheme } }
                }
            }"#,
            json!({}),
        )
        .await;
        assert_eq!(d["objectives"]["totalCount"], 23);
        for o in d["objectives"]["nodes"].as_array().unwrap() {
            assert_eq!(o["broader"]["code"], "GCM", "{o}");
            for lang in ["en", "fr", "es"] {
                let t = &o[lang];
                assert_eq!(t["lang"], lang, "{o}");
                assert!(t["source"].as_str().unwrap().starts_with("https://"), "{o}");
            }
        }
        let first = d["objectives"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == "GCM-1")
            .unwrap();
        assert_eq!(first["en"]["text"], "1 - Data");
        assert_eq!(first["es"]["text"], "1 - Datos");
        let target = &d["target"];
        assert_eq!(target["scheme"], "SDG_TARGET");
        assert_eq!(
            target["broader"],
            json!({ "code": "SDG-10", "broader": { "code": "2030-agenda" } })
        );
        assert!(
            target["title"]["text"]
                .as_str()
                .unwrap()
                .starts_with("Faciliter la migration")
        );
        let mut indicators: Vec<String> = strings(&target["narrower"]["nodes"], "code");
        indicators.sort();
        assert_eq!(
            indicators,
            ["SDG-10.7.1", "SDG-10.7.2", "SDG-10.7.3", "SDG-10.7.4"]
        );

        // A description with no source in a language is not invented: English is served,
        // marked as a fallback.
        let d = app
            .data(
                r#"{ themeByCode(code: "GCM-3") { description(lang: "es") { lang isFallback } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            d["themeByCode"]["description"],
            json!({ "lang": "en", "isFallback": true })
        );
    }
);

/// Tags the dialogue `slug` with the theme `code`.
async fn tag(app: &TestApp, key: &str, slug: &str, code: &str) {
    let id = app
        .data(
            r#"query($s: String!) { dialogueBySlug(slug: $s) { id } }"#,
            json!({ "s": slug }),
        )
        .await["dialogueBySlug"]["id"]
        .clone();
    let theme = app
        .data(
            r#"query($c: String!) { themeByCode(code: $c) { id } }"#,
            json!({ "c": code }),
        )
        .await["themeByCode"]["id"]
        .clone();
    let r = app
        .data_as(
            key,
            "mutation($d: ID!, $t: ID!) { addEdge(input: {kind: THEME_TAG, from: {id: $d}, to: {id: $t}}) { outcome } }",
            json!({ "d": id, "t": theme }),
        )
        .await;
    assert_eq!(r["addEdge"]["outcome"], "CREATED");
}

fn slugs_of(d: &Value) -> Vec<String> {
    let mut s = strings(&d["dialogues"]["nodes"], "slug");
    s.sort();
    s
}

db_test!(a_theme_filter_can_include_narrower_themes, seeded, |app| {
    let key = app.key("iom", "admin").await;
    tag(&app, &key, "idm-2017", "GCM-23").await;
    tag(&app, &key, "idm", "SDG-10.7.2").await;
    let within = |code: &str| {
        let (app, code) = (&app, code.to_string());
        async move {
            slugs_of(
                &app.data(
                    r#"query($c: String!) { dialogues(filter: {hasThemeWithin: {code: {eq: $c}}}) { nodes { slug } } }"#,
                    json!({ "c": code }),
                )
                .await,
            )
        }
    };
    let direct = app
        .data(
            r#"{ dialogues(filter: {hasTheme: {code: {eq: "GCM"}}}) { nodes { slug } } }"#,
            json!({}),
        )
        .await;
    // The seed tags two dialogues with GCM itself; one more is tagged with an objective.
    let mut expected = slugs_of(&direct);
    expected.push("idm-2017".into());
    expected.sort();
    assert_eq!(within("GCM").await, expected);
    assert!(!slugs_of(&direct).contains(&"idm-2017".to_string()));
    // Two levels down: goal 10 > target 10.7 > indicator 10.7.2.
    assert_eq!(within("SDG-10").await, ["idm"]);
    assert_eq!(within("SDG-10.7").await, ["idm"]);
    assert_eq!(within("SDG-10.c").await, Vec::<String>::new());
    // And up the framework: the 2030 Agenda holds goal 10.
    assert!(within("2030-agenda").await.contains(&"idm".to_string()));
});
