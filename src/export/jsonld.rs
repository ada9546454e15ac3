//! Every node as schema.org JSON-LD: dialogues and workshops as `Event`s (with `superEvent`
//! and `subEvent`), reports as `Report`, organisations as `Organization`, people as
//! `Person`, tools as `CreativeWork` and themes as `DefinedTerm` (with SKOS `broader` and
//! `narrower`). Texts carry their language (`{"@value": ..., "@language": "fr"}`); other
//! records are linked by `@id`, the address of their own JSON-LD document, so that the
//! graph can be followed link by link. The context is inline: no network is needed to
//! read a document.

use serde_json::{Map, Value as Json, json};

use crate::{
    export::repo::{EdgeRow, Row},
    graphql::id::{NodeType, encode},
    repo::{edges, node::column as node_column},
};

/// The address of a node's JSON-LD document (its `@id`).
pub fn iri(base: &str, kind: NodeType, id: i64) -> String {
    format!(
        "{}/export/{}.jsonld",
        base.trim_end_matches('/'),
        encode(kind, id).0
    )
}

/// The JSON-LD context of every document.
pub fn context() -> Json {
    json!({
        "@vocab": "https://schema.org/",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "broader": { "@id": "skos:broader", "@type": "@id" },
        "narrower": { "@id": "skos:narrower", "@type": "@id" },
        "prov": "http://www.w3.org/ns/prov#",
        "wasDerivedFrom": { "@id": "prov:wasDerivedFrom", "@type": "@id" }
    })
}

/// The texts of a field, each tagged with its language.
fn texts(row: &Row, field: &str) -> Option<Json> {
    let langs = row.texts.get(field)?;
    let values: Vec<Json> = langs
        .iter()
        .map(|(l, t)| json!({ "@value": t.text, "@language": l }))
        .collect();
    Some(Json::Array(values))
}

fn value<'a>(row: &'a Row, column: &str) -> Option<&'a Json> {
    row.values.get(column).filter(|v| !v.is_null())
}

/// A reference to another node.
fn node(base: &str, kind: NodeType, id: i64) -> Json {
    json!({ "@id": iri(base, kind, id) })
}

/// The targets of the edges of `table` (with a role among `roles`, if given).
fn targets(base: &str, row: &Row, table: &str, roles: Option<&[&str]>) -> Vec<Json> {
    row.edges
        .iter()
        .filter(|e: &&EdgeRow| e.table == table)
        .filter(|e| roles.is_none_or(|r| e.role.as_deref().is_some_and(|x| r.contains(&x))))
        .map(|e| node(base, e.to.0, e.to.1))
        .collect()
}

fn put(doc: &mut Map<String, Json>, key: &str, v: Option<Json>) {
    match v {
        Some(Json::Array(a)) if a.is_empty() => {}
        Some(Json::Null) | None => {}
        Some(v) => {
            doc.insert(key.to_string(), v);
        }
    }
}

fn list(v: Vec<Json>) -> Option<Json> {
    Some(Json::Array(v))
}

/// The start of an event: its date, else its year and month, else its year.
fn start(row: &Row) -> Option<Json> {
    if let Some(d) = value(row, column_name!(start_date in dialogue, workshop)) {
        return Some(d.clone());
    }
    let year = value(row, node_column::YEAR)?.as_i64()?;
    Some(
        match value(row, node_column::MONTH).and_then(Json::as_i64) {
            Some(m) => json!(format!("{year}-{m:02}")),
            None => json!(year.to_string()),
        },
    )
}

fn place(row: &Row) -> Option<Json> {
    let mut address = Map::new();
    put(
        &mut address,
        "addressLocality",
        value(row, column_name!(city in dialogue, workshop)).cloned(),
    );
    put(
        &mut address,
        "addressCountry",
        value(
            row,
            column_name!(country in dialogue, workshop, organisation),
        )
        .cloned(),
    );
    let venue = texts(row, "venue");
    if address.is_empty() && venue.is_none() {
        return None;
    }
    let mut p = Map::new();
    p.insert("@type".into(), json!("Place"));
    put(&mut p, "name", venue);
    if !address.is_empty() {
        address.insert("@type".into(), json!("PostalAddress"));
        p.insert("address".into(), Json::Object(address));
    }
    Some(Json::Object(p))
}

/// The email address and telephone number of an organisation or a person.
fn contact(doc: &mut Map<String, Json>, row: &Row) {
    let email = column_name!(email in organisation, person);
    let phone = column_name!(phone in organisation, person);
    put(doc, "email", value(row, email).cloned());
    put(doc, "telephone", value(row, phone).cloned());
}

/// The participants, people, reports and themes of a dialogue or workshop.
fn event_links(doc: &mut Map<String, Json>, base: &str, row: &Row) {
    let (participant, person, report) = match row.kind {
        NodeType::Dialogue => (
            &edges::DIALOGUE_PARTICIPANT,
            &edges::DIALOGUE_PERSON,
            &edges::DIALOGUE_REPORT,
        ),
        _ => (
            &edges::WORKSHOP_PARTICIPANT,
            &edges::WORKSHOP_PERSON,
            &edges::WORKSHOP_REPORT,
        ),
    };
    let (participant, person, report) = (participant.name, person.name, report.name);
    put(
        doc,
        "organizer",
        list(targets(base, row, participant, Some(&["organiser"]))),
    );
    // Only the roles whose meaning schema.org has: a host, a moderator, a sponsor or a
    // contact is none of organizer, performer or attendee, and is left out.
    let mut performers = targets(base, row, participant, Some(&["speaker"]));
    performers.extend(targets(base, row, person, Some(&["speaker"])));
    put(doc, "performer", list(performers));
    put(
        doc,
        "attendee",
        list(targets(base, row, participant, Some(&["participant"]))),
    );
    let mut works = targets(base, row, report, None);
    works.extend(targets(base, row, edges::WORKSHOP_TOOL.name, None));
    put(doc, "workFeatured", list(works));
}

/// When a report or source was published: its date, else its year and month, else its
/// year.
fn published(row: &Row) -> Option<Json> {
    if let Some(d) = value(row, column_name!(published_on in report, source)) {
        return Some(d.clone());
    }
    let year = value(row, node_column::YEAR)?.as_i64()?;
    Some(
        match value(row, node_column::MONTH).and_then(Json::as_i64) {
            Some(m) => json!(format!("{year}-{m:02}")),
            None => json!(year.to_string()),
        },
    )
}

/// A source, as the schema.org type of its kind: a press release as a `NewsArticle`, a UN
/// document as a `Report`, a resolution as `Legislation`, a web page as a `WebPage`.
fn source(doc: &mut Map<String, Json>, base: &str, row: &Row) {
    use entity::enums::SourceKind;
    use sea_orm::ActiveEnum;
    let kind = value(row, column_name!(source.kind))
        .and_then(Json::as_str)
        .and_then(|k| SourceKind::try_from_value(&k.to_string()).ok());
    let (ty, number) = match kind {
        Some(SourceKind::PressRelease) => ("NewsArticle", None),
        Some(SourceKind::UnDocument) => ("Report", Some("reportNumber")),
        Some(SourceKind::Resolution) => ("Legislation", Some("legislationIdentifier")),
        Some(SourceKind::WebPage) => ("WebPage", None),
        Some(SourceKind::Other) | None => ("CreativeWork", None),
    };
    doc.insert("@type".into(), json!(ty));
    put(doc, "name", texts(row, "title"));
    if let Some(key) = number {
        put(doc, key, value(row, column_name!(source.symbol)).cloned());
    }
    put(doc, "datePublished", published(row));
    put(doc, "url", value(row, column_name!(source.url)).cloned());
    let languages = value(row, column_name!(source.languages))
        .and_then(Json::as_str)
        .map(|l| l.split(',').map(Json::from).collect::<Vec<_>>());
    put(doc, "inLanguage", languages.map(Json::Array));
    let publisher = value(row, column_name!(source.publisher_id))
        .and_then(Json::as_i64)
        .map(|p| node(base, NodeType::Organisation, p));
    put(doc, "publisher", publisher);
}

/// The JSON-LD document of a node; `children` are the nodes below it (a dialogue's
/// workshops and editions, an organisation's units, a theme's narrower themes).
pub fn document(base: &str, row: &Row, children: &[(NodeType, i64)]) -> Json {
    let mut doc = Map::new();
    doc.insert("@context".into(), context());
    doc.insert("@id".into(), json!(iri(base, row.kind, row.id)));
    doc.insert("identifier".into(), json!(encode(row.kind, row.id).0));
    let below: Vec<Json> = children.iter().map(|(k, id)| node(base, *k, *id)).collect();
    let about = list(targets(base, row, edges::THEME_TAG.name, None));
    match row.kind {
        NodeType::Dialogue | NodeType::Workshop => {
            doc.insert("@type".into(), json!("Event"));
            put(&mut doc, "name", texts(row, "title"));
            put(&mut doc, "description", texts(row, "summary"));
            put(&mut doc, "startDate", start(row));
            put(
                &mut doc,
                "endDate",
                value(row, column_name!(end_date in dialogue, workshop)).cloned(),
            );
            put(&mut doc, "location", place(row));
            put(
                &mut doc,
                "url",
                value(row, column_name!(website in dialogue, organisation)).cloned(),
            );
            let parent = match row.kind {
                NodeType::Dialogue => {
                    value(row, column_name!(dialogue.series_id)).and_then(Json::as_i64)
                }
                _ => value(row, column_name!(workshop.dialogue_id)).and_then(Json::as_i64),
            };
            put(
                &mut doc,
                "superEvent",
                parent.map(|p| node(base, NodeType::Dialogue, p)),
            );
            put(&mut doc, "subEvent", list(below));
            event_links(&mut doc, base, row);
            put(&mut doc, "about", about);
        }
        NodeType::Report => {
            doc.insert("@type".into(), json!("Report"));
            put(&mut doc, "name", texts(row, "title"));
            put(&mut doc, "abstract", texts(row, "summary"));
            put(
                &mut doc,
                "reportNumber",
                value(row, column_name!(report.symbol)).cloned(),
            );
            put(&mut doc, "datePublished", published(row));
            put(
                &mut doc,
                "url",
                value(row, column_name!(url in report, tool)).cloned(),
            );
            put(
                &mut doc,
                "author",
                list(targets(base, row, edges::REPORT_AUTHOR.name, None)),
            );
            put(
                &mut doc,
                "publisher",
                list(targets(base, row, edges::REPORT_PUBLISHER.name, None)),
            );
            put(&mut doc, "about", about);
        }
        NodeType::Tool => {
            doc.insert("@type".into(), json!("CreativeWork"));
            put(&mut doc, "name", texts(row, "name"));
            put(&mut doc, "description", texts(row, "summary"));
            put(
                &mut doc,
                "genre",
                value(row, column_name!(tool.kind)).cloned(),
            );
            put(
                &mut doc,
                "dateCreated",
                value(row, node_column::YEAR).map(|y| json!(y.to_string())),
            );
            put(
                &mut doc,
                "url",
                value(row, column_name!(url in report, tool)).cloned(),
            );
            put(
                &mut doc,
                "creator",
                list(targets(base, row, edges::TOOL_DEVELOPER.name, None)),
            );
            put(&mut doc, "about", about);
        }
        NodeType::Organisation => {
            doc.insert("@type".into(), json!("Organization"));
            put(&mut doc, "name", texts(row, "name"));
            put(&mut doc, "alternateName", texts(row, "acronym"));
            put(&mut doc, "description", texts(row, "summary"));
            put(
                &mut doc,
                "url",
                value(row, column_name!(website in dialogue, organisation)).cloned(),
            );
            put(
                &mut doc,
                "foundingDate",
                value(row, column_name!(organisation.founded_year)).map(|y| json!(y.to_string())),
            );
            contact(&mut doc, row);
            put(
                &mut doc,
                "address",
                value(
                    row,
                    column_name!(country in dialogue, workshop, organisation),
                )
                .map(|c| json!({ "@type": "PostalAddress", "addressCountry": c })),
            );
            let parent = value(row, column_name!(organisation.parent_id)).and_then(Json::as_i64);
            put(
                &mut doc,
                "parentOrganization",
                parent.map(|p| node(base, NodeType::Organisation, p)),
            );
            put(&mut doc, "subOrganization", list(below));
            put(&mut doc, "knowsAbout", about);
        }
        NodeType::Person => {
            doc.insert("@type".into(), json!("Person"));
            put(
                &mut doc,
                "name",
                value(row, column_name!(person.name)).cloned(),
            );
            put(
                &mut doc,
                "givenName",
                value(row, column_name!(person.given_name)).cloned(),
            );
            put(
                &mut doc,
                "familyName",
                value(row, column_name!(person.family_name)).cloned(),
            );
            put(&mut doc, "description", texts(row, "summary"));
            contact(&mut doc, row);
            put(
                &mut doc,
                "affiliation",
                list(targets(base, row, edges::AFFILIATION.name, None)),
            );
            put(&mut doc, "knowsAbout", about);
        }
        NodeType::Source => source(&mut doc, base, row),
        NodeType::Theme => {
            doc.insert("@type".into(), json!("DefinedTerm"));
            put(&mut doc, "name", texts(row, "title"));
            put(&mut doc, "description", texts(row, "description"));
            put(
                &mut doc,
                "termCode",
                value(row, column_name!(theme.code)).cloned(),
            );
            put(
                &mut doc,
                "inDefinedTermSet",
                value(row, column_name!(theme.scheme))
                    .map(|s| json!({ "@type": "DefinedTermSet", "name": s })),
            );
            let broader = value(row, column_name!(theme.broader_id)).and_then(Json::as_i64);
            put(
                &mut doc,
                "broader",
                broader.map(|b| json!(iri(base, NodeType::Theme, b))),
            );
            let narrower: Vec<Json> = children
                .iter()
                .map(|(k, id)| json!(iri(base, *k, *id)))
                .collect();
            put(&mut doc, "narrower", list(narrower));
        }
    }
    // Where the record's facts come from: the sources it cites, and the web address of
    // its source when only that is known.
    let mut sources: Vec<Json> = row
        .edges
        .iter()
        .filter(|e| e.table == edges::CITATION.name)
        .map(|e| json!(iri(base, e.to.0, e.to.1)))
        .collect();
    if let Some(url) = value(row, node_column::SOURCE_URL) {
        sources.push(url.clone());
    }
    put(&mut doc, "wasDerivedFrom", list(sources));
    put(
        &mut doc,
        "dateModified",
        value(row, node_column::UPDATED_AT).cloned(),
    );
    Json::Object(doc)
}
