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
        "narrower": { "@id": "skos:narrower", "@type": "@id" }
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
    put(
        doc,
        "contributor",
        list(targets(base, row, participant, Some(&["host"]))),
    );
    let mut performers = targets(base, row, participant, Some(&["speaker"]));
    performers.extend(targets(base, row, person, Some(&["speaker", "moderator"])));
    put(doc, "performer", list(performers));
    let mut attendees = targets(base, row, participant, Some(&["participant"]));
    attendees.extend(targets(base, row, person, Some(&["contact"])));
    put(doc, "attendee", list(attendees));
    let mut works = targets(base, row, report, None);
    works.extend(targets(base, row, edges::WORKSHOP_TOOL.name, None));
    put(doc, "workFeatured", list(works));
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
            let published = value(row, column_name!(report.published_on))
                .cloned()
                .or_else(|| value(row, node_column::YEAR).map(|y| json!(y.to_string())));
            put(&mut doc, "datePublished", published);
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
            put(
                &mut doc,
                "inLanguage",
                value(row, node_column::ORIGINAL_LANG).cloned(),
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
            put(&mut doc, "description", texts(row, "summary"));
            contact(&mut doc, row);
            put(
                &mut doc,
                "affiliation",
                list(targets(base, row, edges::AFFILIATION.name, None)),
            );
            put(&mut doc, "knowsAbout", about);
        }
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
    // Where the record's facts come from.
    let mut source = Map::new();
    put(
        &mut source,
        "url",
        value(row, node_column::SOURCE_URL).cloned(),
    );
    put(
        &mut source,
        "name",
        value(row, node_column::SOURCE_DOCUMENT).cloned(),
    );
    if !source.is_empty() {
        source.insert("@type".into(), json!("CreativeWork"));
        doc.insert("subjectOf".into(), Json::Object(source));
    }
    put(
        &mut doc,
        "dateModified",
        value(row, node_column::UPDATED_AT).cloned(),
    );
    Json::Object(doc)
}
