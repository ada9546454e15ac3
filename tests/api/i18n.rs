//! Text in several languages: the `lang` argument, Accept-Language, and the fallback chain.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

use crate::db_test;

const Q: &str = r#"{ dialogueBySlug(slug: "idm-2018") {
    title { text lang isFallback } availableLanguages } }"#;

db_test!(the_lang_argument_and_its_fallback, seeded, |app| {
    let d = app
        .data(
            r#"{ dialogueBySlug(slug: "idm-2018") {
                en: title(lang: "en") { text lang isFallback }
                fr: title(lang: "FR-ca") { text lang isFallback }
                es: title(lang: "es") { text lang isFallback }
                venue: venue(lang: "en") { text }
            } }"#,
            json!({}),
        )
        .await;
    let d = &d["dialogueBySlug"];
    assert_eq!(
        d["en"],
        json!({ "text": "International Dialogue on Migration 2018", "lang": "en", "isFallback": false })
    );
    assert_eq!(
        d["fr"],
        json!({ "text": "Dialogue international sur la migration 2018", "lang": "fr", "isFallback": false })
    );
    // No Spanish text: English is served, and said to be a fallback.
    assert_eq!(
        d["es"],
        json!({ "text": "International Dialogue on Migration 2018", "lang": "en", "isFallback": true })
    );
    // A field without any text is null.
    assert!(d["venue"].is_null());
});

db_test!(accept_language_sets_the_default, seeded, |app| {
    let cases = [
        (None, "en", false),
        (Some("fr"), "fr", false),
        (Some("fr-CH, fr;q=0.9, en;q=0.8"), "fr", false),
        (Some("es, fr;q=0.5"), "fr", true),
        (Some("de;q=0.9, en;q=0.1"), "en", true),
        (Some("xx, *;q=0.5"), "en", false),
        (Some(";;;,=q"), "en", false),
    ];
    for (header, lang, fallback) in cases {
        let headers: Vec<(&str, &str)> =
            header.map(|h| ("accept-language", h)).into_iter().collect();
        let body = app.post_with(Q, json!({}), &headers).await;
        let title = &body["data"]["dialogueBySlug"]["title"];
        assert_eq!(
            (title["lang"].as_str(), title["isFallback"].as_bool()),
            (Some(lang), Some(fallback)),
            "{header:?}"
        );
    }
    // The argument wins over the header.
    let body = app
        .post_with(
            r#"{ dialogueBySlug(slug: "idm") { title(lang: "en") { lang } } }"#,
            json!({}),
            &[("accept-language", "fr")],
        )
        .await;
    assert_eq!(body["data"]["dialogueBySlug"]["title"]["lang"], "en");
    let d = app.data(Q, json!({})).await;
    assert_eq!(
        d["dialogueBySlug"]["availableLanguages"],
        json!(["en", "fr"])
    );
});

db_test!(
    without_english_the_original_language_is_served,
    empty,
    |app| {
        let now = Utc::now();
        let theme = entity::theme::ActiveModel {
            code: Set("x".into()),
            scheme: Set(entity::enums::ThemeScheme::Free),
            original_lang: Set("es".into()),
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
            "theme",
            theme.id,
            "title",
            &[("es", "Asociaciones"), ("ar", "شراكات"), ("zh", "伙伴关系")],
        )
        .await
        .unwrap();
        let d = app
        .data(
            r#"{ themeByCode(code: "x") { de: title(lang: "de") { text lang isFallback } ar: title(lang: "ar") { text lang }
                availableLanguages originalLanguage } }"#,
            json!({}),
        )
        .await;
        let t = &d["themeByCode"];
        assert_eq!(
            t["de"],
            json!({ "text": "Asociaciones", "lang": "es", "isFallback": true })
        );
        assert_eq!(t["ar"], json!({ "text": "شراكات", "lang": "ar" }));
        assert_eq!(t["availableLanguages"], json!(["ar", "es", "zh"]));
        assert_eq!(t["originalLanguage"], "es");
    }
);
