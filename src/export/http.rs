//! The export endpoints: `GET /export/<list>.jsonl|.csv` (streamed, `?filter=` as in
//! GraphQL, `?lang=` for the CSV label), `GET /export/<global id>.jsonld` (any node), and
//! `GET /export/<global id>.bib|.csl.json` (reports). Personal contact data only with an
//! API key.

use axum::{
    body::{Body, Bytes},
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::StreamExt;
use serde::Deserialize;

use super::{
    citation, jsonld,
    stream::{Export, Format, condition, list_type, stream},
};
use crate::{
    AppState,
    error::{Error, Result},
    export::repo::{by_ids, children, citation_parts},
    graphql::{
        i18n::check_language,
        id::{NodeType, decode},
    },
    http::{Refusal, authenticate},
};

/// The query parameters of an export.
#[derive(Deserialize)]
pub struct ExportParams {
    /// The list's filter, as in GraphQL, in JSON.
    filter: Option<String>,
    /// The language of CSV labels and citation titles.
    lang: Option<String>,
    /// Only the records a search for these words finds (as the `search` query reads them).
    q: Option<String>,
    /// The language of the texts the search words are looked for in (the `lang` of
    /// `search`).
    qlang: Option<String>,
}

fn refuse(e: Error) -> Response {
    let status = match &e {
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Database(_) | Error::Internal(_) | Error::Restage => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    Refusal(status, e).into_response()
}

fn typed(media: &'static str, body: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, media)], body.into()).into_response()
}

/// `GET /export/<file>`.
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(params): Query<ExportParams>,
) -> Response {
    let private = match authenticate(&state, &headers).await {
        Ok(p) => p.require_read().is_ok(),
        Err(refusal) => return refusal.into_response(),
    };
    match respond(&state, &file, params, private).await {
        Ok(r) => r,
        Err(e) => refuse(e),
    }
}

async fn respond(
    state: &AppState,
    file: &str,
    params: ExportParams,
    private: bool,
) -> Result<Response> {
    let lang = match params.lang.as_deref() {
        Some(l) => check_language(l)?,
        None => "en".to_string(),
    };
    let (name, ext) = file.split_once('.').unwrap_or((file, ""));
    if let Some(format) = Format::of_extension(ext) {
        let kinds = match (name, list_type(name)) {
            ("all", _) if format == Format::Jsonl => super::import::ORDER.to_vec(),
            (_, Some(kind)) => vec![kind],
            _ => return Err(Error::NotFound(format!("no list is called `{name}`"))),
        };
        let filter = params
            .filter
            .map(|f| {
                serde_json::from_str(&f)
                    .map_err(|e| Error::bad_input(format!("`filter` is not JSON: {e}")))
            })
            .transpose()?;
        if kinds.len() > 1 && (filter.is_some() || params.q.is_some()) {
            return Err(Error::bad_input(
                "`all` takes no `filter` or `q`: export one list to choose its records",
            ));
        }
        let mut cond = condition(kinds[0], filter)?;
        if let Some(q) = params.q.as_deref() {
            let qlang = params.qlang.as_deref().map(check_language).transpose()?;
            let backend = state.db.conn.get_database_backend();
            cond = cond.add(crate::search::query::found(
                backend,
                q,
                qlang.as_deref(),
                kinds[0],
            )?);
        }
        let ex = Export {
            kinds,
            cond,
            format,
            private,
            lang,
        };
        let body = stream(state.db.conn.clone(), ex).map(|chunk| {
            chunk.map(Bytes::from).map_err(|e| {
                tracing::error!(error = ?e, "an export stopped");
                std::io::Error::other("the export stopped")
            })
        });
        let mut response = typed(format.media_type(), Body::from_stream(body));
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, v);
        }
        return Ok(response);
    }
    let not_found = || Error::NotFound(format!("no record has the id `{name}`"));
    let (kind, id) = decode(name).map_err(|_| not_found())?;
    let row = by_ids(&state.db.conn, kind, &[id], private)
        .await?
        .pop()
        .ok_or_else(not_found)?;
    match (ext, kind) {
        ("jsonld", _) => {
            let below = children(&state.db.conn, kind, &[id])
                .await?
                .remove(&id)
                .unwrap_or_default();
            let doc = jsonld::document(&state.settings.base_url(), &row, &below);
            Ok(typed("application/ld+json", doc.to_string()))
        }
        ("bib" | "csl.json", NodeType::Report) => {
            let parts = citation_parts(&state.db.conn, &[id])
                .await?
                .remove(&id)
                .unwrap_or_default();
            Ok(match ext {
                "bib" => typed(
                    "application/x-bibtex; charset=utf-8",
                    citation::bibtex(&row, &parts, &lang),
                ),
                _ => typed(
                    "application/vnd.citationstyles.csl+json",
                    // A CSL-JSON file is an array of items, as CSL processors (Pandoc,
                    // citeproc-js) read it.
                    serde_json::json!([citation::csl(&row, &parts, &lang)]).to_string(),
                ),
            })
        }
        _ => Err(Error::NotFound(format!(
            "`.{ext}` is not an export of a {}: use .jsonld (any record), .bib or .csl.json (reports)",
            kind.name()
        ))),
    }
}
