//! Sources as records of their own: listed, filtered and cited like any node; cited by the
//! seed for every record; cited by partners for theirs; named by JSON-LD.

use serde_json::{Value, json};

use crate::{
    db_test,
    exports::{SCHEMA, expand},
    spec::engines,
};

const PROV: &str = "http://www.w3.org/ns/prov#wasDerivedFrom";

db_test!(sources_are_listed_filtered_and_cited, seeded, |app| {
    let d = app
        .data(
            r#"{
                sources(orderBy: {field: YEAR}) { totalCount nodes { kind symbol year } }
                un: sources(filter: {symbol: {startsWith: "A/"}}) { totalCount }
                reportBySymbol(symbol: "A/72/643") {
                    sources { nodes { kind symbol year month url languages
                        publisher { slug } title(lang: "en") { text } } }
                }
                cited: reports(filter: {hasSource: {symbol: {eq: "A/72/643"}}}) { nodes { symbol } }
                uncited: dialogues(filter: {hasSource: {symbol: {eq: "A/72/643"}}}) { totalCount }
            }"#,
            json!({}),
        )
        .await;
    // The press release, the report's own document, two resolutions, the indicator list and
    // the hub.
    assert_eq!(d["sources"]["totalCount"], 6);
    assert_eq!(d["un"]["totalCount"], 3);
    // The report cites the press release (which says it exists) and the UN document (which
    // gives its symbol and date, and is issued in the six official languages).
    let sources = d["reportBySymbol"]["sources"]["nodes"].as_array().unwrap();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert_eq!(sources[0]["kind"], "PRESS_RELEASE");
    assert_eq!(sources[0]["publisher"]["slug"], "iom");
    assert_eq!(
        sources[1],
        json!({ "kind": "UN_DOCUMENT", "symbol": "A/72/643", "year": 2017, "month": 12,
            "url": "https://undocs.org/A/72/643", "languages": ["ar", "en", "es", "fr", "ru", "zh"],
            "publisher": { "slug": "un" }, "title": { "text": "Making migration work for all" } })
    );
    assert_eq!(d["cited"]["nodes"], json!([{ "symbol": "A/72/643" }]));
    assert_eq!(d["uncited"]["totalCount"], 0);

    // From a source to what cites it: every seeded dialogue cites the press release.
    let d = app
        .data(
            r#"{ sources(filter: {kind: {eq: PRESS_RELEASE}}) { nodes {
                citingDialogues { totalCount } citingReports { totalCount }
                citingOrganisations { totalCount } citingThemes { totalCount } } } }"#,
            json!({}),
        )
        .await;
    let press = &d["sources"]["nodes"][0];
    assert_eq!(press["citingDialogues"]["totalCount"], 4);
    assert_eq!(press["citingReports"]["totalCount"], 1);
    assert_eq!(press["citingOrganisations"]["totalCount"], 9);
    assert_eq!(press["citingThemes"]["totalCount"], 5);
});

db_test!(a_partner_cites_its_own_sources, seeded, |app| {
    let key = app.key("iom", "write").await;
    let d = app
        .data_as(
            &key,
            r#"mutation {
                createSource(input: {kind: WEB_PAGE, title: [{lang: "en", text: "IDM 2018 programme"}],
                    url: "https://www.iom.int/idm-2018", languages: ["fr", "en", "en"], consultedOn: "2026-12-01"}) {
                    outcome node { id languages consultedOn year } }
                createDialogue(input: {slug: "partner-dialogue", title: [{lang: "en", text: "A partner's dialogue"}]}) {
                    node { id } }
            }"#,
            json!({}),
        )
        .await;
    let source = &d["createSource"]["node"];
    // Languages are stored checked, sorted and once each.
    assert_eq!(source["languages"], json!(["en", "fr"]));
    assert_eq!(source["consultedOn"], "2026-12-01");
    let (source, dialogue) = (
        source["id"].clone(),
        d["createDialogue"]["node"]["id"].clone(),
    );
    let cite = r#"mutation($from: ID!, $to: ID!) { addEdge(input: {kind: CITATION, from: {id: $from}, to: {id: $to}}) { outcome } }"#;
    let added = app
        .data_as(&key, cite, json!({ "from": dialogue, "to": source }))
        .await;
    assert_eq!(added["addEdge"]["outcome"], "CREATED");
    let d = app
        .data(
            r#"query($d: ID!, $s: ID!) {
                d: node(id: $d) { ... on Dialogue { sources { nodes { url } } } }
                s: node(id: $s) { ... on Source { citingDialogues { nodes { slug } } } }
            }"#,
            json!({ "d": dialogue, "s": source }),
        )
        .await;
    assert_eq!(
        d["d"]["sources"]["nodes"],
        json!([{ "url": "https://www.iom.int/idm-2018" }])
    );
    assert_eq!(
        d["s"]["citingDialogues"]["nodes"],
        json!([{ "slug": "partner-dialogue" }])
    );
    // A bad language is the caller's error, and writes nothing.
    let bad = app
        .post_as(
            &key,
            r#"mutation { createSource(input: {kind: OTHER, title: [{lang: "en", text: "x"}], languages: ["english"]}) { outcome } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad}"
    );
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "languages",
        "{bad}"
    );
    let count = app.data("{ sources { totalCount } }", json!({})).await;
    assert_eq!(count["sources"]["totalCount"], 7);
});

/// The properties of an expanded JSON-LD node.
fn properties(node: &Value) -> Vec<String> {
    node.as_object()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with('@'))
        .cloned()
        .collect()
}

/// The `@id`s of a property of an expanded node.
fn ids(node: &Value, property: &str) -> Vec<String> {
    node[property]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v["@id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

db_test!(
    json_ld_names_its_sources_and_claims_nothing_the_source_does_not,
    seeded,
    |app| {
        let d = app
            .data(
                r#"{ reportBySymbol(symbol: "A/72/643") { jsonLd sources { nodes { id } } }
                 dialogueBySlug(slug: "idm-2018") { jsonLd sources { nodes { id } }
                    workshops { nodes { jsonLd } } }
                 organisationBySlug(slug: "iom") { jsonLd } }"#,
                json!({}),
            )
            .await;
        for (name, doc, sources) in [
            (
                "report",
                &d["reportBySymbol"]["jsonLd"],
                &d["reportBySymbol"]["sources"]["nodes"],
            ),
            (
                "IDM 2018",
                &d["dialogueBySlug"]["jsonLd"],
                &d["dialogueBySlug"]["sources"]["nodes"],
            ),
        ] {
            // A processor accepts it, and drops none of its properties: each is a term of the
            // context (schema.org, SKOS or PROV), not a word the processor does not know.
            let expanded = expand(&doc.to_string()).await;
            let node = &expanded[0];
            let compact = doc
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| !k.starts_with('@'))
                .count();
            assert_eq!(properties(node).len(), compact, "{name}: {node:#}");
            // It names its sources, by the address of their own documents.
            let named = ids(node, PROV);
            let sources = sources.as_array().unwrap();
            assert_eq!(named.len(), sources.len(), "{name}: {node:#}");
            for s in sources {
                let id = s["id"].as_str().unwrap();
                assert!(
                    named
                        .iter()
                        .any(|n| n.ends_with(&format!("/export/{id}.jsonld"))),
                    "{name}: {id}"
                );
            }
        }
        // The report's language is not the seed text's (it is the UN document's six versions,
        // which its source says).
        let report = expand(&d["reportBySymbol"]["jsonLd"].to_string()).await;
        assert!(
            report[0].get(format!("{SCHEMA}inLanguage")).is_none(),
            "{report:#}"
        );
        // No contact as an attendee, no host as a contributor.
        let idm = expand(&d["dialogueBySlug"]["jsonLd"].to_string()).await;
        assert!(idm[0].get(format!("{SCHEMA}attendee")).is_none(), "{idm:#}");
        assert!(
            idm[0].get(format!("{SCHEMA}contributor")).is_none(),
            "{idm:#}"
        );
        for w in d["dialogueBySlug"]["workshops"]["nodes"]
            .as_array()
            .unwrap()
        {
            let w = expand(&w["jsonLd"].to_string()).await;
            assert!(w[0].get(format!("{SCHEMA}contributor")).is_none(), "{w:#}");
        }
        // Positive control: the organiser is there.
        assert_eq!(
            ids(&idm[0], &format!("{SCHEMA}organizer")).len(),
            1,
            "{idm:#}"
        );
        // IOM is part of the UN system, not a unit of the UN.
        let iom = expand(&d["organisationBySlug"]["jsonLd"].to_string()).await;
        assert!(
            iom[0].get(format!("{SCHEMA}parentOrganization")).is_none(),
            "{iom:#}"
        );
        assert_eq!(
            ids(&iom[0], &format!("{SCHEMA}subOrganization")).len(),
            7,
            "{iom:#}"
        );
    }
);

db_test!(a_source_is_json_ld_of_its_kind, seeded, |app| {
    let d = app
        .data(
            r#"{ sources(filter: {symbol: {eq: "A/72/643"}}) { nodes { jsonLd } } }"#,
            json!({}),
        )
        .await;
    let doc = &d["sources"]["nodes"][0]["jsonLd"];
    let expanded = expand(&doc.to_string()).await;
    let node = &expanded[0];
    assert_eq!(
        node["@type"],
        json!([format!("{SCHEMA}Report")]),
        "{node:#}"
    );
    assert_eq!(
        node[format!("{SCHEMA}reportNumber")],
        json!([{ "@value": "A/72/643" }])
    );
    let languages: Vec<&str> = node[format!("{SCHEMA}inLanguage")]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["@value"].as_str().unwrap())
        .collect();
    assert_eq!(languages, ["ar", "en", "es", "fr", "ru", "zh"]);
    assert_eq!(ids(node, &format!("{SCHEMA}publisher")).len(), 1);
});

db_test!(lists_of_sources_are_planned, seeded, |app| {
    // Sources and what cites them, with their texts and their enum: one planned read, and
    // the same answer as the executor's (the test apps compare both).
    let query = r#"{ sources(orderBy: {field: PUBLISHED_ON, direction: DESC}) { totalCount
        nodes { id kind symbol year month url publishedOn title(lang: "fr") { text lang isFallback }
            citingReports { nodes { symbol } } } } }"#;
    let before = engines(&app).await;
    let d = app.data(query, json!({})).await;
    assert_eq!(engines(&app).await, (before.0 + 1, before.1), "{d}");
    assert_eq!(d["sources"]["totalCount"], 6);
});
