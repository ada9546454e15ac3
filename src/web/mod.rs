//! The pages Agora serves to browsers, built into the binary so that they work on a
//! machine with no network and load nothing from elsewhere:
//! - GraphiQL 5 (completion, validation, docs, history, the Explorer plugin,
//!   subscriptions over the WebSocket) on a browser's GET of the GraphQL path, with its
//!   files under `/graphiql/`;
//! - the researchers' explorer at `/explore`: search, facets, a chart per year, links to
//!   each record's JSON-LD and citations, and exports of the list, all through the
//!   public GraphQL API and export URLs.
//!
//! Their sources are in `web/`: GraphiQL's bundle is built from pinned npm packages by
//! `web/build.mjs` into `web/dist/graphiql/`, and `web/run` rebuilds it, checks that the
//! committed bytes are the same, and drives both pages in headless Chromium.

use std::sync::OnceLock;

use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use crate::AppState;

/// A file of a page, and its entity tag (computed on first use).
struct Asset {
    name: &'static str,
    bytes: &'static [u8],
    etag: OnceLock<HeaderValue>,
}

macro_rules! assets {
    ($dir:literal: $($name:literal),+ $(,)?) => {
        [$(Asset {
            name: $name,
            bytes: include_bytes!(concat!("../../web/", $dir, "/", $name)),
            etag: OnceLock::new(),
        }),+]
    };
}

/// GraphiQL's page.
static GRAPHIQL_PAGE: [Asset; 1] = assets!("graphiql": "index.html");

/// GraphiQL's bundle: its script, its style and the editor's workers.
static GRAPHIQL: [Asset; 5] = assets!("dist/graphiql":
    "graphiql.js",
    "graphiql.css",
    "editor.worker.js",
    "graphql.worker.js",
    "json.worker.js",
);

/// The explorer: its page, script and style.
static EXPLORE: [Asset; 3] = assets!("explore": "index.html", "explore.js", "explore.css");

/// What GraphiQL may do: run its own scripts and workers, talk to this server (HTTP and
/// WebSocket), nothing else. Its editor (Monaco) writes `style` attributes and `<style>`
/// elements, hence inline styles; its fonts and images are inlined as `data:` URLs.
const GRAPHIQL_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; worker-src 'self'; connect-src 'self'; \
     img-src data:; font-src data:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// What the explorer may do: its own script and style, and this server's API.
const EXPLORE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// GraphiQL's page, for a browser's GET of the GraphQL path.
pub fn graphiql(headers: &HeaderMap) -> Response {
    serve(&GRAPHIQL_PAGE[0], GRAPHIQL_POLICY, headers)
}

/// A file of GraphiQL's bundle (`/graphiql/{file}`), when GraphiQL is on.
pub async fn graphiql_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !state.settings.console_enabled() {
        return StatusCode::NOT_FOUND.into_response();
    }
    find(&GRAPHIQL, &file, GRAPHIQL_POLICY, &headers)
}

/// The explorer's page (`/explore`), when the explorer is on.
pub async fn explore(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.settings.explore {
        return StatusCode::NOT_FOUND.into_response();
    }
    serve(&EXPLORE[0], EXPLORE_POLICY, &headers)
}

/// A file of the explorer (`/explore/{file}`), when the explorer is on.
pub async fn explore_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !state.settings.explore {
        return StatusCode::NOT_FOUND.into_response();
    }
    find(&EXPLORE, &file, EXPLORE_POLICY, &headers)
}

/// The file of `assets` named `file`, or 404.
fn find(assets: &[Asset], file: &str, policy: &'static str, headers: &HeaderMap) -> Response {
    match assets.iter().find(|a| a.name == file) {
        Some(asset) => serve(asset, policy, headers),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A file as an HTTP response: revalidated on each use (`no-cache`) against its entity
/// tag, so that a browser downloads it again only when the server's binary changed it.
fn serve(asset: &Asset, policy: &'static str, headers: &HeaderMap) -> Response {
    let etag = asset.etag.get_or_init(|| {
        let digest = Sha256::digest(asset.bytes);
        HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..16])))
            .unwrap_or(HeaderValue::from_static("\"\""))
    });
    let common = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim().as_bytes() == etag.as_bytes() || tag.trim() == "*");
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(asset.name)),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(policy),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        asset.bytes,
    )
        .into_response()
}

/// The media type of a file, from its extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_media_type_and_a_tag_that_revalidates() {
        for asset in GRAPHIQL_PAGE.iter().chain(&GRAPHIQL).chain(&EXPLORE) {
            assert_ne!(content_type(asset.name), "application/octet-stream");
            assert!(!asset.bytes.is_empty(), "{} is empty", asset.name);
        }
        let first = serve(&EXPLORE[1], EXPLORE_POLICY, &HeaderMap::new());
        assert_eq!(first.status(), StatusCode::OK);
        let tag = first.headers()[header::ETAG].clone();
        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, tag);
        let second = serve(&EXPLORE[1], EXPLORE_POLICY, &again);
        assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
        let mut other = HeaderMap::new();
        other.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert_eq!(
            serve(&EXPLORE[1], EXPLORE_POLICY, &other).status(),
            StatusCode::OK
        );
    }
}
