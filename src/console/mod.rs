//! The query console: a page of Agora's own (editor, variables, headers, the schema
//! browsed from introspection, history) served on a browser's GET of the GraphQL path.
//! It loads nothing from elsewhere, so it works on an air-gapped machine.

use axum::{
    http::header,
    response::{IntoResponse, Response},
};

/// The page, HTML with its style and script inline.
pub const PAGE: &str = include_str!("console.html");

/// What the page may do: talk to this server, nothing else.
const POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
     connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The console as an HTTP response.
pub fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        PAGE,
    )
        .into_response()
}
