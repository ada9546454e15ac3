//! The seed says what its source document says, on the record it is about, in French (the
//! original) and English, and nothing it cannot source.
//!
//! Each statement below is a fact of the IOM press release (`shared/seed/`), with the
//! record and field where it must be found and a phrase of it in each language. What the
//! source states as plain values (dates, counts, places, people's roles) is checked after.

use serde_json::{Value, json};

use crate::db_test;

/// A statement of the source: where it is (a query with `$lang`, and the JSON pointer of
/// the text in its answer) and a phrase of it in French and in English.
struct Statement {
    about: &'static str,
    query: &'static str,
    at: &'static str,
    fr: &'static str,
    en: &'static str,
}

const IOM: &str = r#"query($lang: String) { organisationBySlug(slug: "iom") { summary(lang: $lang) { text lang } } }"#;
const IDM: &str = r#"query($lang: String) { dialogueBySlug(slug: "idm") { summary(lang: $lang) { text lang } } }"#;
const IDM_2018: &str = r#"query($lang: String) { dialogueBySlug(slug: "idm-2018") { summary(lang: $lang) { text lang } } }"#;
const IDM_2017: &str = r#"query($lang: String) { dialogueBySlug(slug: "idm-2017") { summary(lang: $lang) { text lang } } }"#;
const GCM: &str = r#"query($lang: String) { themeByCode(code: "GCM") { description(lang: $lang) { text lang } } }"#;
const REPORT: &str = r#"query($lang: String) { reportBySymbol(symbol: "A/72/643") { summary(lang: $lang) { text lang } } }"#;
const SUMMARY: &str = "/organisationBySlug/summary";
const PARENT: &str =
    r#"query($slug: String!) { organisationBySlug(slug: $slug) { parent { slug } } }"#;
const IDM_SUMMARY: &str = "/dialogueBySlug/summary";

macro_rules! unit {
    ($slug:literal) => {
        concat!(
            r#"query($lang: String) { organisationBySlug(slug: ""#,
            $slug,
            r#"") { name(lang: $lang) { text lang } } }"#
        )
    };
}

const STATEMENTS: &[Statement] = &[
    // Who IOM is.
    Statement {
        about: "IOM is part of the UN system",
        query: IOM,
        at: SUMMARY,
        fr: "fait partie du système des Nations Unies",
        en: "is part of the United Nations system",
    },
    Statement {
        about: "IOM promotes humane and orderly migration since 1951",
        query: IOM,
        at: SUMMARY,
        fr: "depuis 1951 une migration humaine et ordonnée",
        en: "since 1951, humane and orderly migration",
    },
    Statement {
        about: "IOM is the leading intergovernmental organisation",
        query: IOM,
        at: SUMMARY,
        fr: "la première organisation intergouvernementale",
        en: "the leading intergovernmental organisation",
    },
    Statement {
        about: "IOM has 175 member states",
        query: IOM,
        at: SUMMARY,
        fr: "175 Etats membres",
        en: "175 member states",
    },
    Statement {
        about: "IOM is present in 171 countries",
        query: IOM,
        at: SUMMARY,
        fr: "présente dans 171 pays",
        en: "a presence in 171 countries",
    },
    Statement {
        about: "IOM is the UN migration agency",
        query: IOM,
        at: SUMMARY,
        fr: "L'organisme des Nations Unies chargé des migrations",
        en: "The UN migration agency",
    },
    Statement {
        about: "IOM supports the 2030 Agenda",
        query: IOM,
        at: SUMMARY,
        fr: "soutenir la réalisation du Programme 2030",
        en: "supporting the achievement of the 2030 Agenda",
    },
    Statement {
        about: "its work links humanitarian aid and sustainable development",
        query: IOM,
        at: SUMMARY,
        fr: "relient à la fois l'aide humanitaire et le développement durable",
        en: "link humanitarian aid and sustainable development",
    },
    Statement {
        about: "IOM works in close partnership, with UN agencies among others",
        query: IOM,
        at: SUMMARY,
        fr: "œuvre en partenariat étroit avec tous les acteurs concernés, notamment ses collègues des institutions des Nations Unies",
        en: "works in close partnership with all relevant actors, including its colleagues in the United Nations agencies",
    },
    Statement {
        about: "cooperation frameworks and tools were developed jointly",
        query: IOM,
        at: SUMMARY,
        fr: "de nombreux cadres et outils de coopération ont été développés conjointement avec les institutions des Nations Unies et d'autres partenaires",
        en: "many cooperation frameworks and tools have been developed jointly with United Nations agencies and other partners",
    },
    Statement {
        about: "the tools serve the compact's drafting, implementation and follow-up",
        query: IOM,
        at: SUMMARY,
        fr: "en vue de l'élaboration du pacte mondial puis de sa mise en œuvre et de ses phases de suivi",
        en: "for the drafting of the global compact and then for its implementation and follow-up",
    },
    // IOM's structure, as the page lists it.
    Statement {
        about: "the Director General",
        query: unit!("iom-director-general"),
        at: "/organisationBySlug/name",
        fr: "Directrice générale",
        en: "Director General",
    },
    Statement {
        about: "the Deputy Director General for Management and Reform",
        query: unit!("iom-deputy-director-general-management-and-reform"),
        at: "/organisationBySlug/name",
        fr: "Directrice générale adjointe chargée de la gestion et des réformes",
        en: "Deputy Director General for Management and Reform",
    },
    Statement {
        about: "the Deputy Director General for Operations",
        query: unit!("iom-deputy-director-general-operations"),
        at: "/organisationBySlug/name",
        fr: "Directrice générale adjointe chargée des opérations",
        en: "Deputy Director General for Operations",
    },
    Statement {
        about: "the Office of the Chief of Staff",
        query: unit!("iom-office-of-the-chief-of-staff"),
        at: "/organisationBySlug/name",
        fr: "Bureau du Chef de Cabinet",
        en: "Office of the Chief of Staff",
    },
    Statement {
        about: "the Office of Partnerships, Advocacy and Communication",
        query: unit!("iom-office-of-partnerships-advocacy-and-communication"),
        at: "/organisationBySlug/name",
        fr: "Bureau des partenariats, de la sensibilisation et de la communication",
        en: "Office of Partnerships, Advocacy and Communication",
    },
    Statement {
        about: "the Office of Strategy and Institutional Performance",
        query: unit!("iom-office-of-strategy-and-institutional-performance"),
        at: "/organisationBySlug/name",
        fr: "Bureau de la stratégie et de la performance institutionnelle",
        en: "Office of Strategy and Institutional Performance",
    },
    Statement {
        about: "the Governing Bodies Division",
        query: unit!("iom-governing-bodies-division"),
        at: "/organisationBySlug/name",
        fr: "Division des organes directeurs",
        en: "Governing Bodies Division",
    },
    // What the IDM is.
    Statement {
        about: "the IDM is a policy dialogue forum between countries of origin, transit and destination",
        query: IDM,
        at: IDM_SUMMARY,
        fr: "forum de dialogue politique entre les pays d'origine, de transit et de destination des migrants",
        en: "policy dialogue forum between countries of origin, transit and destination of migrants",
    },
    Statement {
        about: "civil society, migrant groups and experts take part",
        query: IDM,
        at: IDM_SUMMARY,
        fr: "représentants de la société civile, des groupes de migrants, des experts",
        en: "representatives of civil society, migrant groups, experts",
    },
    Statement {
        about: "the setting is informal and non-binding",
        query: IDM,
        at: IDM_SUMMARY,
        fr: "environnement informel et non contraignant",
        en: "informal and non-binding setting",
    },
    Statement {
        about: "every stakeholder has the same right to take part",
        query: IDM,
        at: IDM_SUMMARY,
        fr: "toutes les parties prenantes ont le même droit de participer",
        en: "all stakeholders have the same right to take part",
    },
    Statement {
        about: "which builds trust, openness and authentic exchanges",
        query: IDM,
        at: IDM_SUMMARY,
        fr: "la confiance, l'ouverture et l'authenticité des échanges",
        en: "trust, openness and authentic exchanges",
    },
    Statement {
        about: "it covers every aspect of migration and its links with other policy areas",
        query: IDM,
        at: IDM_SUMMARY,
        fr: "tous les aspects des questions de migration et leurs liens avec d'autres domaines politiques",
        en: "all aspects of migration and its links with other policy areas",
    },
    // IDM 2018.
    Statement {
        about: "IDM 2018 supports the development of the GCM",
        query: IDM_2018,
        at: IDM_SUMMARY,
        fr: "appuie le processus de développement du Pacte mondial",
        en: "supports the development of the Global Compact",
    },
    Statement {
        about: "with two workshops on inclusive and innovative partnerships",
        query: IDM_2018,
        at: IDM_SUMMARY,
        fr: "deux ateliers au thème des partenariats novateurs et ouverts à tous",
        en: "two workshops to inclusive and innovative partnerships",
    },
    Statement {
        about: "its debates centre on models of partnership",
        query: IDM_2018,
        at: IDM_SUMMARY,
        fr: "centrés sur les différents modèles de partenariat",
        en: "focus on the different models of partnership",
    },
    Statement {
        about: "it shows their value by presenting tools built through cooperation",
        query: IDM_2018,
        at: IDM_SUMMARY,
        fr: "démontrent leur valeur en présentant certains des outils de gestion des migrations élaborés grâce à la coopération",
        en: "show their value by presenting some of the migration management tools developed through cooperation",
    },
    Statement {
        about: "participants exchange good practices (said of IDM 2018 as a whole)",
        query: IDM_2018,
        at: IDM_SUMMARY,
        fr: "échangent des bonnes pratiques et des expériences sur les partenariats réussis",
        en: "exchange good practices and experiences of successful partnerships",
    },
    Statement {
        about: "they assess successes and problems",
        query: IDM_2018,
        at: IDM_SUMMARY,
        fr: "évaluent à la fois les réussites et les problèmes rencontrés",
        en: "assess both successes and problems",
    },
    Statement {
        about: "they consider how to replicate partnerships",
        query: IDM_2018,
        at: IDM_SUMMARY,
        fr: "reproduire et intensifier ces partenariats ailleurs",
        en: "replicate and scale up such partnerships elsewhere",
    },
    Statement {
        about: "States, UN agencies and partners can show their partnerships and discuss collaboration",
        query: IDM_2018,
        at: IDM_SUMMARY,
        fr: "aux États, aux institutions des Nations Unies et aux autres partenaires l'occasion de démontrer la solidité des partenariats",
        en: "gives States, United Nations agencies and other partners the opportunity to demonstrate the strength of partnerships",
    },
    Statement {
        about: "the webcast is in the six official UN languages",
        query: IDM_2018,
        at: IDM_SUMMARY,
        fr: "dans les six langues officielles des Nations Unies",
        en: "in the six official languages of the United Nations",
    },
    // The Global Compact.
    Statement {
        about: "Member States are negotiating the GCM's adoption, due at the end of 2018",
        query: GCM,
        at: "/themeByCode/description",
        fr: "Les États membres en négocient l'adoption, prévue fin 2018",
        en: "Member States are negotiating its adoption, due at the end of 2018",
    },
    // IDM 2017 and the stocktaking meeting.
    Statement {
        about: "at IDM 2017, Swing said cooperation must involve all relevant actors",
        query: IDM_2017,
        at: IDM_SUMMARY,
        fr: "la coopération internationale devait concerner tous les acteurs compétents",
        en: "international cooperation must involve all relevant actors",
    },
    Statement {
        about: "the actors he listed",
        query: IDM_2017,
        at: IDM_SUMMARY,
        fr: "le secteur privé, les organisations de migrants et de diasporas, les universités, les médias",
        en: "the private sector, migrant and diaspora organisations, universities, the media",
    },
    Statement {
        about: "partnerships were a key conclusion of the GCM stocktaking meeting",
        query: r#"query($lang: String) { dialogueBySlug(slug: "gcm-stocktaking-2017") { summary(lang: $lang) { text lang } } }"#,
        at: IDM_SUMMARY,
        fr: "l'une des conclusions clés de la réunion de bilan du GCM",
        en: "one of the key conclusions of the GCM stocktaking meeting",
    },
    // The Secretary-General's report.
    Statement {
        about: "the report's title",
        query: r#"query($lang: String) { reportBySymbol(symbol: "A/72/643") { summary: title(lang: $lang) { text lang } } }"#,
        at: "/reportBySymbol/summary",
        fr: "Rendre les migrations bénéfiques pour tous",
        en: "Making Migration Work for All",
    },
    Statement {
        about: "managing migration is one of the most urgent challenges of international cooperation",
        query: REPORT,
        at: "/reportBySymbol/summary",
        fr: "la gestion des migrations présente un des défis les plus urgents et sérieux de la coopération internationale",
        en: "one of the most urgent and serious challenges of international cooperation",
    },
    // People.
    Statement {
        about: "Swing is IOM's Director General",
        query: r#"query($lang: String) { people(filter: {name: {eq: "William Lacy Swing"}}) { nodes { summary(lang: $lang) { text lang } } } }"#,
        at: "/people/nodes/0/summary",
        fr: "Directeur général de l'OIM",
        en: "Director General of IOM",
    },
    Statement {
        about: "Guterres is the UN Secretary-General",
        query: r#"query($lang: String) { people(filter: {name: {eq: "António Guterres"}}) { nodes { summary(lang: $lang) { text lang } } } }"#,
        at: "/people/nodes/0/summary",
        fr: "Secrétaire général des Nations Unies",
        en: "Secretary-General of the United Nations",
    },
    Statement {
        about: "Samri is IOM's contact, at the Governing Bodies Division",
        query: r#"query($lang: String) { people(filter: {name: {eq: "Azzouz Samri"}}) { nodes { summary(lang: $lang) { text lang } } } }"#,
        at: "/people/nodes/0/summary",
        fr: "Division des organes directeurs",
        en: "Governing Bodies Division",
    },
];

db_test!(
    the_seed_states_each_fact_of_its_source_in_french_and_english,
    seeded,
    |app| {
        assert!(STATEMENTS.len() >= 40);
        for s in STATEMENTS {
            for (lang, phrase) in [("fr", s.fr), ("en", s.en)] {
                let d = app.data(s.query, json!({ "lang": lang })).await;
                let text = d.pointer(s.at).unwrap_or(&Value::Null);
                assert_eq!(
                    text["lang"], lang,
                    "{}: no {lang} text at {}: {d}",
                    s.about, s.at
                );
                let said = text["text"].as_str().unwrap_or_default();
                assert!(
                    said.contains(phrase),
                    "{} ({lang}): «{phrase}» is not in «{said}»",
                    s.about
                );
            }
        }
        // Positive control: a phrase the source does not say is not found.
        let d = app.data(IOM, json!({ "lang": "en" })).await;
        assert!(
            !d.pointer(SUMMARY).unwrap()["text"]
                .as_str()
                .unwrap()
                .contains("founded in 1989")
        );

        // The leadership and the offices are IOM's units.
        for slug in [
            "iom-director-general",
            "iom-deputy-director-general-operations",
            "iom-governing-bodies-division",
        ] {
            let d = app.data(PARENT, json!({ "slug": slug })).await;
            assert_eq!(d["organisationBySlug"]["parent"]["slug"], "iom", "{slug}");
        }

        // Facts stated as values.
        let d = app
        .data(
            r#"{ iom: organisationBySlug(slug: "iom") { foundedYear memberStateCount countryPresenceCount kind }
                 idm: dialogueBySlug(slug: "idm-2018") { city country startDate endDate webcastUrl website
                    workshops { nodes { position startDate endDate city venue(lang: "fr") { text }
                        participants { edges { role node { slug } } } } }
                    people { edges { role node { name } } } }
                 stocktaking: dialogueBySlug(slug: "gcm-stocktaking-2017") { city country year month }
                 report: reportBySymbol(symbol: "A/72/643") { year month authors { nodes { name givenName familyName } } }
                 swing: people(filter: {name: {eq: "William Lacy Swing"}}) { nodes { affiliations { edges {
                    position(lang: "fr") { text } startDate endDate node { slug } } } } } }"#,
            json!({}),
        )
        .await;
        assert_eq!(
            d["iom"],
            json!({ "foundedYear": 1951, "memberStateCount": 175, "countryPresenceCount": 171, "kind": "UN_AGENCY" })
        );
        let idm = &d["idm"];
        assert_eq!(
            (&idm["city"], &idm["startDate"], &idm["endDate"]),
            (
                &json!("New York"),
                &json!("2018-03-26"),
                &json!("2018-03-27")
            )
        );
        assert_eq!(idm["webcastUrl"], "http://webtv.un.org");
        assert_eq!(
            idm["website"],
            "http://www.iom.int/inclusive-and-innovative-partnerships-effective-global-governance-migration"
        );
        // The first workshop, on Monday and Tuesday at UN Headquarters, organised by IOM: the UN
        // is its venue, not a participant.
        let first = &idm["workshops"]["nodes"][0];
        assert_eq!(
            (&first["startDate"], &first["venue"]["text"]),
            (&json!("2018-03-26"), &json!("Siège des Nations Unies"))
        );
        assert_eq!(
            first["participants"]["edges"],
            json!([{ "role": "ORGANISER", "node": { "slug": "iom" } }])
        );
        assert_eq!(
            idm["people"]["edges"],
            json!([{ "role": "CONTACT", "node": { "name": "Azzouz Samri" } }])
        );
        assert_eq!(
            d["stocktaking"],
            json!({ "city": "Puerto Vallarta", "country": "MX", "year": 2017, "month": 12 })
        );
        assert_eq!(
            d["report"],
            json!({ "year": 2017, "month": 12, "authors": { "nodes": [
            { "name": "António Guterres", "givenName": "António", "familyName": "Guterres" }] } })
        );
        // Swing's position, with no dates: the source gives none.
        assert_eq!(
            d["swing"]["nodes"][0]["affiliations"]["edges"],
            json!([{ "position": { "text": "Directeur général" }, "startDate": null, "endDate": null, "node": { "slug": "iom" } }])
        );
    }
);

db_test!(every_seeded_record_and_text_has_a_source, seeded, |app| {
    let d = app
        .data(
            r#"fragment S on Node { id ... on Dialogue { sources { totalCount } }
                ... on Workshop { sources { totalCount } } ... on Report { sources { totalCount } }
                ... on Organisation { sources { totalCount } } ... on Person { sources { totalCount } }
                ... on Theme { sources { totalCount } code availableLanguages } }
            {
                dialogues(first: 100) { nodes { ...S } } workshops(first: 100) { nodes { ...S } }
                reports(first: 100) { nodes { ...S } } tools(first: 100) { nodes { ...S } }
                organisations(first: 100) { nodes { ...S } } people(first: 100) { nodes { ...S } }
                themes(first: 100) { nodes { ...S } }
            }"#,
            json!({}),
        )
        .await;
    let mut records = 0;
    for list in d.as_object().unwrap().values() {
        for node in list["nodes"].as_array().unwrap() {
            records += 1;
            assert!(
                node["sources"]["totalCount"].as_i64().unwrap() >= 1,
                "no source: {node}"
            );
        }
    }
    assert_eq!(
        records, 54,
        "the seeded records (24 of the press release, 30 of the vocabularies)"
    );
    // Every text of the vocabularies gives the page it was taken from.
    let themes = app
        .data(
            r#"{ themes(first: 100, filter: {scheme: {notIn: [FREE, FRAMEWORK]}}) { nodes { code
                en: title(lang: "en") { text lang source } fr: title(lang: "fr") { text lang source }
                es: title(lang: "es") { text lang source } den: description(lang: "en") { text lang source }
                dfr: description(lang: "fr") { text lang source } des: description(lang: "es") { text lang source } } } }"#,
            json!({}),
        )
        .await;
    let mut texts = 0;
    for t in themes["themes"]["nodes"].as_array().unwrap() {
        for (key, lang) in [
            ("en", "en"),
            ("fr", "fr"),
            ("es", "es"),
            ("den", "en"),
            ("dfr", "fr"),
            ("des", "es"),
        ] {
            let text = &t[key];
            if text.is_null() || text["lang"] != lang {
                continue; // absent, or a fallback to another language's text
            }
            texts += 1;
            let source = text["source"].as_str().unwrap_or_default();
            assert!(
                source.starts_with("https://"),
                "{} {key}: no source page: {text}",
                t["code"]
            );
        }
    }
    assert!(texts > 100, "{texts} texts read");
    // The objectives' labels each give a page about that objective (not one page filtered
    // on another).
    let gcm5 = app
        .data(
            r#"{ themeByCode(code: "GCM-5") { title(lang: "fr") { source } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        gcm5["themeByCode"]["title"]["source"],
        "https://migrationnetwork.un.org/fr/taxonomy/term/283"
    );
});
