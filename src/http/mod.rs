//! The HTTP face of Agora: GraphQL over HTTP at `/graphql` (POST, and GET for queries),
//! GraphiQL on a browser's GET of the same path, the researchers' explorer at `/explore`
//! (both in `crate::web`), `/healthz`, `/readyz` and `/metrics`.
//!
//! Every request passes the same gate before any SQL runs: body size (413), content type
//! (415, so that a web page cannot post a request without a CORS preflight), method (a
//! mutation over GET is 405), the API key, persisted and trusted documents, the document
//! limits (`graphql::guard`), introspection rights and the client's rate limits (429).
//!
//! Here: the router, CORS, `/readyz` and `/metrics`. Beside: `endpoint` (reading GET and
//! POST requests), `admission` (the checks before an operation runs), `execute` (the one
//! execution path of queries and mutations, which the WebSocket takes too), `idempotent`
//! (retried mutations) and `response` (answers and refusals). The submodules share this
//! module's imports (`use super::*`).

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc, time::Instant};
use tokio::sync::OwnedSemaphorePermit;

use async_graphql::{
    Request, Response as GqlResponse, Variables,
    parser::types::{DocumentOperations, OperationType},
};
use axum::{
    Extension, Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, DefaultBodyLimit, Query, State, rejection::BytesRejection},
    http::{HeaderMap, HeaderName, HeaderValue, Method as HttpMethod, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_http::{
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

mod admission;
mod endpoint;
mod execute;
mod idempotent;
mod response;
pub mod server;

use self::{endpoint::*, execute::*, idempotent::*, response::*};
pub use admission::analyse;
pub(crate) use admission::{Denied, admit, authenticate, client_id};
pub(crate) use endpoint::client_address;
pub use execute::LSN_EXTENSION;
pub(crate) use execute::{Answer, Operation, at_least, operation_type, run};
pub(crate) use response::Refusal;

use sea_orm::DatabaseConnection;

use crate::{
    AppState,
    auth::{Principal, bearer, keys},
    db::replicas::{Lsn, Route},
    error::Error,
    graphql::{
        complete::{Completion, fill_defaults},
        guard::{Analysis, assign_codes},
        i18n::{RequestLanguages, parse_accept_language},
        loader::Loaders,
    },
    ops::metrics::Outcome,
    plan::{CATALOGUE, Planned},
    sync::idempotency::{self, Begin, Claim},
};

/// The path of the GraphQL endpoint.
pub const GRAPHQL_PATH: &str = "/graphql";

/// The path of GraphQL over WebSocket (subscriptions).
pub const WS_PATH: &str = "/graphql/ws";

/// The largest WebSocket message accepted, in bytes.
pub const MAX_BODY: usize = 1 << 20;

/// How long a client is asked to wait when the database is unavailable, in seconds.
const RETRY_UNAVAILABLE: u64 = 5;

/// Headers that a web page cannot send without a CORS preflight, and that therefore
/// let a request with another content type through (as Apollo's CSRF prevention does).
const PREFLIGHT_HEADERS: [&str; 2] = ["apollo-require-preflight", "x-apollo-operation-name"];

/// The router of a server.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route(GRAPHQL_PATH, post(graphql_post).get(graphql_get))
        .route(WS_PATH, get(crate::sync::ws::upgrade))
        .route("/", get(root))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/export/{file}", get(crate::export::http::export))
        .route("/graphiql/{file}", get(crate::web::graphiql_file))
        .route("/explore", get(crate::web::explore))
        .route("/explore/{file}", get(crate::web::explore_file))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .layer(CompressionLayer::new());
    if let Some(cors) = cors(&state.settings.cors_origins) {
        router = router.layer(cors);
    }
    router
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<Body>| {
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id = %id,
                )
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The CORS policy: pages of `origins` may call the API; without origins, no CORS
/// headers at all, so browsers keep other sites' pages out.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([HttpMethod::GET, HttpMethod::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::ACCEPT_LANGUAGE,
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("apollo-require-preflight"),
                HeaderName::from_static("x-apollo-operation-name"),
                HeaderName::from_static(execute::LSN_HEADER),
            ])
            .expose_headers([
                header::RETRY_AFTER,
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static(execute::LSN_HEADER),
            ])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// The root: browsers go to GraphiQL (when it is on); others learn where the API is.
async fn root(State(state): State<AppState>) -> Response {
    if state.settings.console_enabled() {
        return axum::response::Redirect::to(GRAPHQL_PATH).into_response();
    }
    "Agora: a GraphQL API of international migration governance. POST GraphQL requests to \
     /graphql (WebSocket: /graphql, protocol graphql-transport-ws).\n"
        .into_response()
}

/// Ready to serve: not shutting down, and the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    if *state.draining.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    if state.db.ping(std::time::Duration::from_secs(2)).await {
        // Replicas that serve no reads leave the process ready: reads go to the primary.
        let mut body = String::from("ready\n");
        for replica in &state.replicas.list {
            body.push_str(&format!(
                "{}: {}, lag {} ms\n",
                replica.name,
                replica.state().name(),
                replica.lag().as_millis()
            ));
        }
        body.into_response()
    } else {
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unreachable",
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_UNAVAILABLE));
        response
    }
}

/// The metrics in the Prometheus text format.
async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
