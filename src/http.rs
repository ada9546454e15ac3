//! The HTTP face of Agora: GraphQL over HTTP at `/graphql` (POST, and GET for queries),
//! the query console on a browser's GET of the same path, `/healthz`, `/readyz` and
//! `/metrics`.
//!
//! Every request passes the same gate before any SQL runs: body size (413), content type
//! (415, so that a web page cannot post a request without a CORS preflight), method (a
//! mutation over GET is 405), the API key, persisted and trusted documents, the document
//! limits (`graphql::guard`), introspection rights and the client's rate limits (429).

use std::{collections::BTreeMap, net::SocketAddr, time::Instant};
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

use crate::{
    AppState,
    auth::{Principal, bearer},
    error::Error,
    graphql::{
        complete::Completion,
        guard::{Analysis, assign_codes},
        i18n::{RequestLanguages, parse_accept_language},
        loader::Loaders,
    },
    ops::metrics::Outcome,
    repo::{
        idempotency::{self, Begin, Claim},
        keys,
    },
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
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/export/{file}", get(crate::export::http::export))
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
            ])
            .expose_headers([header::RETRY_AFTER, HeaderName::from_static("x-request-id")])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// Ready to serve: not shutting down, and the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    if *state.draining.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    if state.db.ping(std::time::Duration::from_secs(2)).await {
        "ready".into_response()
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

/// How a request reached the endpoint: mutations are only run from a POST.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// A failure answered with an HTTP status of its own rather than 200.
pub(crate) struct Refusal(pub StatusCode, pub Error);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.0;
        let error = GqlResponse::from_errors(vec![self.1.into_server_error()]);
        let mut response = json(error, Media::Json);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        match status {
            StatusCode::UNAUTHORIZED => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            StatusCode::METHOD_NOT_ALLOWED => {
                headers.insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_UNAVAILABLE));
            }
            _ => {}
        }
        response
    }
}

/// The media type of a GraphQL response, as the GraphQL-over-HTTP specification names
/// them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Media {
    /// `application/json`: status 200 for every well-formed request.
    Json,
    /// `application/graphql-response+json`, when the client accepts it: status 400 for a
    /// request that could not be executed at all (parse, validation, limits).
    GraphqlResponse,
}

impl Media {
    fn of(headers: &HeaderMap) -> Media {
        let accepts = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("application/graphql-response+json"));
        if accepts {
            Media::GraphqlResponse
        } else {
            Media::Json
        }
    }
}

/// The answer to a request that could not be executed: errors, and no `data` at all.
#[derive(Serialize)]
struct RequestError<'a> {
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "no_extensions")]
    extensions: &'a BTreeMap<String, async_graphql::Value>,
}

fn no_extensions(extensions: &&BTreeMap<String, async_graphql::Value>) -> bool {
    extensions.is_empty()
}

/// A response in JSON. Without `data` when the request could not be executed (its errors
/// have no path); with 503 and `Retry-After` when the database was unavailable; with 400
/// for a request error in `application/graphql-response+json`.
fn json(response: GqlResponse, media: Media) -> Response {
    let unavailable = response
        .errors
        .iter()
        .any(|e| code_of(e) == "SERVICE_UNAVAILABLE");
    let request_error = matches!(response.data, async_graphql::Value::Null)
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // A persisted query the server does not know is a step of the protocol (the client
    // sends the text next), not a failed request.
    let retry = response
        .errors
        .iter()
        .all(|e| code_of(e) == "PERSISTED_QUERY_NOT_FOUND");
    // Serialised as it is, so that fields keep the order of the selection.
    let body = if request_error {
        serde_json::to_vec(&RequestError {
            errors: &response.errors,
            extensions: &response.extensions,
        })
    } else {
        serde_json::to_vec(&response)
    };
    match body {
        Ok(body) => {
            let content_type = match media {
                Media::Json => "application/json",
                Media::GraphqlResponse => "application/graphql-response+json",
            };
            let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
            if unavailable {
                *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_UNAVAILABLE));
            } else if request_error && !retry && media == Media::GraphqlResponse {
                *response.status_mut() = StatusCode::BAD_REQUEST;
            }
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "could not serialise a response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The `extensions.code` of an error (every error has one once `assign_codes` ran).
fn code_of(e: &async_graphql::ServerError) -> &str {
    match e.extensions.as_ref().and_then(|x| x.get("code")) {
        Some(async_graphql::Value::String(code)) => code.as_str(),
        _ => "INTERNAL",
    }
}

/// Whether a POST's content type is JSON.
fn json_content(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The address a request comes from: the connection's peer, or the last address of
/// `X-Forwarded-For` when `forwarded_for` says a trusted proxy sets it.
pub(crate) fn client_address(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> String {
    if state.settings.forwarded_for {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        if let Some(address) = forwarded {
            return address.to_string();
        }
    }
    match peer {
        Some(Extension(ConnectInfo(addr))) => addr.ip().to_string(),
        None => "local".into(),
    }
}

async fn graphql_post(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let e = Error::bad_input(format!(
                "the request body is larger than {} bytes",
                state.settings.max_body_bytes
            ));
            return Refusal(StatusCode::PAYLOAD_TOO_LARGE, e).into_response();
        }
        Err(_) => {
            let e = Error::bad_input("the request body could not be read");
            return Refusal(StatusCode::BAD_REQUEST, e).into_response();
        }
    };
    if !json_content(&headers) && !PREFLIGHT_HEADERS.iter().any(|h| headers.contains_key(*h)) {
        let e = Error::bad_input(
            "send GraphQL requests with `Content-Type: application/json` (other types are \
             refused unless the request carries `Apollo-Require-Preflight`, so that no web \
             page can send one without a CORS preflight)",
        );
        return Refusal(StatusCode::UNSUPPORTED_MEDIA_TYPE, e).into_response();
    }
    let request: Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let msg = if body.first() == Some(&b'[') {
                "batched requests are not supported: send one operation per request".to_string()
            } else {
                format!("the body is not a GraphQL request in JSON: {e}")
            };
            return Refusal(StatusCode::BAD_REQUEST, Error::bad_input(msg)).into_response();
        }
    };
    let client = client_address(&state, &headers, peer);
    graphql(state, headers, client, request, Method::Post, &body).await
}

/// The parameters of a GraphQL GET request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

async fn graphql_get(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        let e = Error::bad_input("the query string is not a GraphQL request");
        return Refusal(StatusCode::BAD_REQUEST, e).into_response();
    };
    if params.query.is_none() && params.extensions.is_none() {
        if state.settings.console_enabled() {
            return crate::console::page();
        }
        let e = Error::bad_input("a GET request needs a `query` parameter");
        return Refusal(StatusCode::BAD_REQUEST, e).into_response();
    }
    let mut request = Request::new(params.query.unwrap_or_default());
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(vars) = params.variables {
        match serde_json::from_str::<Variables>(&vars) {
            Ok(v) => request = request.variables(v),
            Err(_) => {
                let e = Error::bad_input("`variables` is not a JSON object");
                return Refusal(StatusCode::BAD_REQUEST, e).into_response();
            }
        }
    }
    if let Some(ext) = params.extensions {
        match serde_json::from_str(&ext) {
            Ok(e) => request.extensions = e,
            Err(_) => {
                let e = Error::bad_input("`extensions` is not a JSON object");
                return Refusal(StatusCode::BAD_REQUEST, e).into_response();
            }
        }
    }
    let client = client_address(&state, &headers, peer);
    graphql(state, headers, client, request, Method::Get, &[]).await
}

/// Everything a request is checked against before it runs, then the run.
async fn graphql(
    state: AppState,
    headers: HeaderMap,
    client: String,
    mut request: Request,
    method: Method,
    body: &[u8],
) -> Response {
    let started = Instant::now();
    let media = Media::of(&headers);
    let refused = |operation: Option<String>, denied: Denied| {
        state.metrics.request(
            operation.as_deref(),
            Outcome::Error,
            started.elapsed(),
            std::iter::once(denied.error.code()),
        );
        let mut response = match denied.status {
            StatusCode::OK => json(
                GqlResponse::from_errors(vec![denied.error.into_server_error()]),
                media,
            ),
            status => Refusal(status, denied.error).into_response(),
        };
        if let Some(secs) = denied.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    };
    let principal = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(Refusal(status, error)) => {
            let denied = Denied {
                status,
                error,
                retry_after: None,
            };
            return refused(request.operation_name.clone(), denied);
        }
    };
    let analysis = match admit(&state, &mut request, &principal, &client) {
        Ok(a) => a,
        // Named by the request only: a refused text is never parsed.
        Err(denied) => return refused(request.operation_name.clone(), denied),
    };
    let operation = operation_name(&mut request);
    let mutation = is_mutation_request(&mut request);
    if method == Method::Get && mutation {
        let denied = Denied {
            status: StatusCode::METHOD_NOT_ALLOWED,
            error: Error::bad_input("mutations are only accepted in POST requests"),
            retry_after: None,
        };
        return refused(operation, denied);
    }
    let idempotency_key = headers.get("idempotency-key").cloned();
    match (idempotency_key, principal.key()) {
        (Some(value), Some(key_id)) if mutation => {
            idempotent(
                state, request, principal, headers, analysis, &value, key_id, body,
            )
            .await
        }
        // The permit is held until the answer is serialised: the tree of a large answer
        // weighs many times its JSON.
        _ => match run(
            &state,
            request,
            principal,
            &Operation::of(&headers),
            analysis,
        )
        .await
        {
            Ok((r, _permit)) => json(r, media),
            Err(refusal) => refusal.into_response(),
        },
    }
}

/// Why an operation may not run.
pub(crate) struct Denied {
    /// The HTTP status to answer with (200 for a GraphQL error in a normal response).
    pub status: StatusCode,
    /// The error.
    pub error: Error,
    /// Seconds to wait before trying again, for rate limits.
    pub retry_after: Option<u64>,
}

/// The checks every operation passes before it runs, over HTTP and over WebSocket alike:
/// persisted and trusted documents, the limits of its text and document, the right to
/// introspect, and the rate limits of `client` (the key, else this address).
pub(crate) fn admit(
    state: &AppState,
    request: &mut Request,
    principal: &Principal,
    client: &str,
) -> Result<Analysis, Denied> {
    let deny = |error| Denied {
        status: StatusCode::OK,
        error,
        retry_after: None,
    };
    state.documents.resolve(request, principal).map_err(deny)?;
    let analysis = analyse(state, request).map_err(deny)?;
    if analysis.introspects && !may_introspect(state, principal) {
        let e = Error::Forbidden("introspection is turned off for this client".into());
        return Err(deny(e));
    }
    let who = match principal.key() {
        Some(id) => format!("key:{id}"),
        None => format!("address:{client}"),
    };
    if let Err(wait) = state.rate_limits.check(&who, analysis.cost) {
        let secs = wait.as_secs().max(1);
        return Err(Denied {
            status: StatusCode::TOO_MANY_REQUESTS,
            error: Error::RateLimited(format!(
                "too many operations or too much cost for this client; retry in {secs} s"
            )),
            retry_after: Some(secs),
        });
    }
    Ok(analysis)
}

/// Whether `principal` may introspect the schema.
fn may_introspect(state: &AppState, principal: &Principal) -> bool {
    match state.settings.introspection_mode() {
        "on" => true,
        "authenticated" => principal.key().is_some(),
        _ => false,
    }
}

/// Runs a mutation sent with an `Idempotency-Key` at most once (see
/// `repo::idempotency`): a retry with the same key and body gets the stored response.
#[allow(clippy::too_many_arguments)]
async fn idempotent(
    state: AppState,
    request: Request,
    principal: Principal,
    headers: HeaderMap,
    analysis: Analysis,
    value: &HeaderValue,
    key_id: i64,
    body: &[u8],
) -> Response {
    let key = match value.to_str() {
        Ok(k) if !k.trim().is_empty() && k.len() <= 255 => k.trim().to_string(),
        _ => {
            let e = Error::bad_input("Idempotency-Key must be 1 to 255 visible ASCII characters");
            return Refusal(StatusCode::BAD_REQUEST, e).into_response();
        }
    };
    let hash = request_hash(body);
    let begun = match idempotency::begin(&state.db.conn, key_id, &key, &hash).await {
        Ok(b) => b,
        Err(e) => {
            return json(
                GqlResponse::from_errors(vec![e.into_server_error()]),
                Media::of(&headers),
            );
        }
    };
    match begun {
        Begin::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response =
                (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        Begin::Mismatch => Refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            Error::bad_input("this Idempotency-Key was already used with a different request"),
        )
        .into_response(),
        Begin::Lost => Refusal(
            StatusCode::CONFLICT,
            Error::Conflict(
                "the request with this Idempotency-Key was applied, but its response was lost: \
                 read the change feed to see what it wrote"
                    .into(),
            ),
        )
        .into_response(),
        Begin::Running => {
            let mut response = Refusal(
                StatusCode::CONFLICT,
                Error::Conflict("a request with this Idempotency-Key is still running".into()),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
        // Run to the end in a task of its own, even if the client goes away: its outcome
        // must be stored (or the key released) for the retry that will come.
        Begin::Run(id) => {
            let run = run_claimed(state, request, principal, headers, analysis, id);
            match tokio::spawn(run).await {
                Ok(response) => response,
                Err(e) => {
                    tracing::error!(error = %e, "an idempotent request failed");
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                }
            }
        }
    }
}

/// The hash a retry's request must match: of the request's JSON with its keys sorted, so
/// that a retry that spaces or orders its JSON differently is still the same request.
fn request_hash(body: &[u8]) -> String {
    let canonical = serde_json::from_slice::<serde_json::Value>(body)
        .map(|v| v.to_string().into_bytes())
        .unwrap_or_else(|_| body.to_vec());
    hex::encode(Sha256::digest(canonical))
}

/// Runs a request under the idempotency key row `id`; stores its response, or releases
/// the key when the request failed for a passing reason before any write committed.
async fn run_claimed(
    state: AppState,
    request: Request,
    principal: Principal,
    headers: HeaderMap,
    analysis: Analysis,
    id: i64,
) -> Response {
    let claim = Claim::new(id);
    let request = request.data(claim.clone());
    let result = run(
        &state,
        request,
        principal,
        &Operation::of(&headers),
        analysis,
    )
    .await;
    let (response, passing_failure) = match result {
        Ok((r, _permit)) => {
            let passing = r
                .errors
                .iter()
                .any(|e| matches!(code_of(e), "INTERNAL" | "SERVICE_UNAVAILABLE"));
            (json(r, Media::of(&headers)), passing)
        }
        Err(refusal) => (refusal.into_response(), true),
    };
    // Once a write committed, the response is final even if it holds an error: running
    // the request again would write twice.
    let release = passing_failure && !claim.committed();
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "could not read a response to store it");
            if release {
                let _ = idempotency::release(&state.db.conn, id).await;
            }
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let stored = if release {
        idempotency::release(&state.db.conn, id).await
    } else {
        idempotency::finish(
            &state.db.conn,
            id,
            parts.status.as_u16(),
            &String::from_utf8_lossy(&bytes),
        )
        .await
    };
    if let Err(e) = stored {
        tracing::error!(error = ?e, "could not store an idempotent response");
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The caller of a request, from its `Authorization` header: anonymous without one, 401
/// with one that is not a valid key.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Principal, Refusal> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Principal::Anonymous);
    };
    let key = value.to_str().ok().and_then(bearer).ok_or_else(|| {
        Refusal(
            StatusCode::UNAUTHORIZED,
            Error::Unauthenticated("use `Authorization: Bearer <API key>`".into()),
        )
    })?;
    match keys::authenticate(&state.db.conn, key).await {
        Ok(p) => Ok(p),
        Err(e @ Error::Unauthenticated(_)) => Err(Refusal(StatusCode::UNAUTHORIZED, e)),
        Err(e) => Err(Refusal(StatusCode::INTERNAL_SERVER_ERROR, e)),
    }
}

/// Checks a request's text and document against the limits before it runs (see
/// `graphql::guard`); returns what the checks learned (its cost).
pub fn analyse(state: &AppState, request: &mut Request) -> Result<Analysis, Error> {
    crate::graphql::guard::check_text(&request.query, state.settings.max_tokens)?;
    crate::graphql::guard::check_nul(&request.query, &request.variables)?;
    let variables = request.variables.clone();
    let name = request.operation_name.clone();
    match request.parsed_query() {
        Err(e) => Err(Error::ParseFailed(e.message)),
        Ok(doc) => {
            let analysis = crate::graphql::guard::check_document(
                doc,
                &variables,
                name.as_deref(),
                &state.settings,
            )?;
            crate::graphql::variables::check(&state.shapes, doc, name.as_deref(), &variables)?;
            Ok(analysis)
        }
    }
}

/// The name of the operation a request runs: the one it names, else the name of its
/// only operation.
fn operation_name(request: &mut Request) -> Option<String> {
    if let Some(name) = &request.operation_name {
        return Some(name.clone());
    }
    match &request.parsed_query().ok()?.operations {
        DocumentOperations::Single(_) => None,
        DocumentOperations::Multiple(ops) if ops.len() == 1 => {
            ops.keys().next().map(|name| name.to_string())
        }
        DocumentOperations::Multiple(_) => None,
    }
}

fn is_mutation_request(request: &mut Request) -> bool {
    operation_type(request) == Some(OperationType::Mutation)
}

/// The type of the operation a request runs, if its text parses and names one.
pub(crate) fn operation_type(request: &mut Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let doc = request.parsed_query().ok()?;
    match (&doc.operations, name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    }
}

/// What a transport knows of an operation besides the request itself.
pub(crate) struct Operation<'a> {
    /// The languages the client reads, best first.
    pub languages: RequestLanguages,
    /// The id of the HTTP request (or of the WebSocket's upgrade request).
    pub request_id: Option<&'a str>,
}

impl<'a> Operation<'a> {
    /// Read from the headers of an HTTP request.
    pub fn of(headers: &'a HeaderMap) -> Operation<'a> {
        Operation {
            languages: headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(parse_accept_language)
                .unwrap_or_default(),
            request_id: headers.get("x-request-id").and_then(|v| v.to_str().ok()),
        }
    }
}

/// Runs a checked query or mutation for `principal`, whatever its transport (HTTP GET,
/// POST, or a WebSocket): the request's loaders and languages, the execution (within
/// `request_timeout_ms`, once one of `max_concurrent_operations` permits is free), the
/// answer completed as the specification asks (`graphql::complete`), a code on every
/// error, the metrics, and the cost in `extensions.cost`. Returns the permit with the
/// response: hold it until the response is serialised.
pub(crate) async fn run(
    state: &AppState,
    mut request: Request,
    principal: Principal,
    context: &Operation<'_>,
    analysis: Analysis,
) -> Result<(GqlResponse, Option<OwnedSemaphorePermit>), Refusal> {
    let started = Instant::now();
    let operation = operation_name(&mut request);
    let completion = Completion::prepare(&mut request);
    let mut request = request
        .data(Loaders::new(state.db.conn.clone()))
        .data::<RequestLanguages>(context.languages.clone())
        .data(principal);
    if !may_introspect_any(state) {
        request = request.disable_introspection();
    }
    let timeout = std::time::Duration::from_millis(state.settings.request_timeout_ms);
    // Waiting for a permit counts against the request's time.
    let execute = async {
        let permit = state.executing.clone().acquire_owned().await.ok();
        (state.schema.execute(request).await, permit)
    };
    let (mut response, permit) = match tokio::time::timeout(timeout, execute).await {
        Ok(r) => r,
        Err(_) => {
            let e = Error::Unavailable(format!(
                "the request took longer than {} ms and was stopped",
                state.settings.request_timeout_ms
            ));
            state.metrics.request(
                operation.as_deref(),
                Outcome::Error,
                started.elapsed(),
                std::iter::once(e.code()),
            );
            return Err(Refusal(StatusCode::SERVICE_UNAVAILABLE, e));
        }
    };
    if let Some(completion) = &completion {
        completion.apply(&state.shapes, &mut response);
    }
    assign_codes(&mut response);
    // The request id lets an operator find the details of an internal error in the log.
    if let Some(id) = context.request_id {
        for e in &mut response.errors {
            if code_of(e) == "INTERNAL" {
                e.extensions
                    .get_or_insert_with(Default::default)
                    .set("requestId", id);
            }
        }
    }
    let outcome = if response.errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Error
    };
    state.metrics.request(
        operation.as_deref(),
        outcome,
        started.elapsed(),
        response.errors.iter().map(code_of),
    );
    response.extensions.insert(
        "cost".into(),
        async_graphql::value!({
            "requested": analysis.cost,
            "limit": state.settings.max_cost,
        }),
    );
    Ok((response, permit))
}

/// Whether introspection may run at all (the gate in `graphql` refuses it per client;
/// this keeps the executor from answering it when it is off for everyone).
fn may_introspect_any(state: &AppState) -> bool {
    state.settings.introspection_mode() != "off"
}
