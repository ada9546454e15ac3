//! The HTTP face of Agora: GraphQL over HTTP at `/graphql` (POST, and GET for queries),
//! GraphiQL on a GET of the same path from a browser, and `/healthz`.

use async_graphql::{
    Request, Response as GqlResponse, Variables,
    http::GraphiQLSource,
    parser::types::{DocumentOperations, OperationType},
};
use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tower_http::{compression::CompressionLayer, trace::TraceLayer};

use crate::{
    AppState,
    auth::{Principal, bearer},
    error::Error,
    graphql::{
        guard::{assign_codes, check_document, check_nesting},
        i18n::{RequestLanguages, parse_accept_language},
        loader::Loaders,
    },
    repo::{
        idempotency::{self, Begin, Claim},
        keys,
    },
};

/// The path of the GraphQL endpoint.
pub const GRAPHQL_PATH: &str = "/graphql";

/// The path of GraphQL over WebSocket (subscriptions).
pub const WS_PATH: &str = "/graphql/ws";

/// The largest request body accepted, in bytes.
pub const MAX_BODY: usize = 1 << 20;

/// The router of a server.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route(GRAPHQL_PATH, post(graphql_post).get(graphql_get))
        .route(WS_PATH, get(crate::sync::ws::upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .route("/export/{file}", get(crate::export::http::export))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
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
        let mut response = json(GqlResponse::from_errors(vec![self.1.into_server_error()]));
        *response.status_mut() = status;
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        response
    }
}

fn json(response: GqlResponse) -> Response {
    match serde_json::to_vec(&response) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not serialise a response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn graphql_post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let mut request: Request = match serde_json::from_slice(&body) {
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
    let principal = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(refusal) => return refusal.into_response(),
    };
    if let Some(e) = refusal(&state, &mut request) {
        return json(GqlResponse::from_errors(vec![e.into_server_error()]));
    }
    let idempotency_key = headers.get("idempotency-key");
    let key_id = principal.key();
    match (idempotency_key, key_id) {
        (Some(value), Some(key_id)) if is_mutation_request(&mut request) => {
            let value = value.clone();
            idempotent(state, request, principal, headers, &value, key_id, &body).await
        }
        _ => match run(&state, request, principal, &headers, Method::Post).await {
            Ok(r) => json(r),
            Err(refusal) => refusal.into_response(),
        },
    }
}

/// Runs a mutation sent with an `Idempotency-Key` at most once (see
/// `repo::idempotency`): a retry with the same key and body gets the stored response.
async fn idempotent(
    state: AppState,
    request: Request,
    principal: Principal,
    headers: HeaderMap,
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
        Err(e) => return json(GqlResponse::from_errors(vec![e.into_server_error()])),
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
            match tokio::spawn(run_claimed(state, request, principal, headers, id)).await {
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
    id: i64,
) -> Response {
    let claim = Claim::new(id);
    let request = request.data(claim.clone());
    let result = run(&state, request, principal, &headers, Method::Post).await;
    let (response, passing_failure) = match result {
        Ok(r) => {
            let internal = r.errors.iter().any(|e| {
                e.extensions.as_ref().and_then(|x| x.get("code"))
                    == Some(&async_graphql::Value::from("INTERNAL"))
            });
            (json(r), internal)
        }
        Err(refusal) => (refusal.into_response(), true),
    };
    // Once a write committed, the response is final even if it holds an error: running
    // the request again would write twice.
    let release = passing_failure && !claim.committed();
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY * 64).await {
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

/// The parameters of a GraphQL GET request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
}

async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        let e = Error::bad_input("the query string is not a GraphQL request");
        return Refusal(StatusCode::BAD_REQUEST, e).into_response();
    };
    let Some(query) = params.query else {
        return Html(GraphiQLSource::build().endpoint(GRAPHQL_PATH).finish()).into_response();
    };
    let mut request = Request::new(query);
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
    let principal = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(refusal) => return refusal.into_response(),
    };
    if let Some(e) = refusal(&state, &mut request) {
        return json(GqlResponse::from_errors(vec![e.into_server_error()]));
    }
    match run(&state, request, principal, &headers, Method::Get).await {
        Ok(r) => json(r),
        Err(refusal) => refusal.into_response(),
    }
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

/// Why a request may not run, if it may not: the nesting of its text, its syntax, the
/// size and depth of its document.
pub fn refusal(state: &AppState, request: &mut Request) -> Option<Error> {
    if let Err(e) = check_nesting(&request.query) {
        return Some(e);
    }
    match request.parsed_query() {
        Err(e) => Some(Error::ParseFailed(e.message)),
        Ok(doc) => check_document(doc, &state.settings).err(),
    }
}

fn is_mutation_request(request: &mut Request) -> bool {
    let name = request.operation_name.clone();
    request
        .parsed_query()
        .is_ok_and(|doc| is_mutation(doc, name.as_deref()))
}

/// Runs a prepared request for `principal`: the request's loaders and languages, the
/// execution, and a code on every error.
async fn run(
    state: &AppState,
    mut request: Request,
    principal: Principal,
    headers: &HeaderMap,
    method: Method,
) -> Result<GqlResponse, Refusal> {
    if method == Method::Get && is_mutation_request(&mut request) {
        let e = Error::bad_input("mutations are only accepted in POST requests");
        return Err(Refusal(StatusCode::METHOD_NOT_ALLOWED, e));
    }
    let languages = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(parse_accept_language)
        .unwrap_or_default();
    let request = request
        .data(Loaders::new(state.db.conn.clone()))
        .data::<RequestLanguages>(languages)
        .data(principal);
    let mut response = state.schema.execute(request).await;
    assign_codes(&mut response);
    Ok(response)
}

fn is_mutation(doc: &async_graphql::parser::types::ExecutableDocument, name: Option<&str>) -> bool {
    let ty = match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    };
    ty == Some(OperationType::Mutation)
}
