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
use tower_http::{compression::CompressionLayer, trace::TraceLayer};

use crate::{
    AppState,
    error::Error,
    graphql::{
        guard::{assign_codes, check_document, check_nesting},
        i18n::{RequestLanguages, parse_accept_language},
        loader::Loaders,
    },
};

/// The path of the GraphQL endpoint.
pub const GRAPHQL_PATH: &str = "/graphql";

/// The largest request body accepted, in bytes.
pub const MAX_BODY: usize = 1 << 20;

/// The router of a server.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route(GRAPHQL_PATH, post(graphql_post).get(graphql_get))
        .route("/healthz", get(|| async { "ok" }))
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
struct Refusal(StatusCode, Error);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.0;
        let mut response = json(GqlResponse::from_errors(vec![self.1.into_server_error()]));
        *response.status_mut() = status;
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
    match execute(&state, request, &headers, Method::Post).await {
        Ok(r) => json(r),
        Err(refusal) => refusal.into_response(),
    }
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
    match execute(&state, request, &headers, Method::Get).await {
        Ok(r) => json(r),
        Err(refusal) => refusal.into_response(),
    }
}

/// Runs one GraphQL request: the pre-checks, the request's loaders and languages, the
/// execution, and a code on every error.
async fn execute(
    state: &AppState,
    mut request: Request,
    headers: &HeaderMap,
    method: Method,
) -> Result<GqlResponse, Refusal> {
    if let Err(e) = check_nesting(&request.query) {
        return Ok(GqlResponse::from_errors(vec![e.into_server_error()]));
    }
    let operation_name = request.operation_name.clone();
    let doc = match request.parsed_query() {
        Ok(doc) => doc,
        Err(e) => {
            let e = Error::ParseFailed(e.message);
            return Ok(GqlResponse::from_errors(vec![e.into_server_error()]));
        }
    };
    if let Err(e) = check_document(doc, &state.settings) {
        return Ok(GqlResponse::from_errors(vec![e.into_server_error()]));
    }
    if method == Method::Get && is_mutation(doc, operation_name.as_deref()) {
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
        .data::<RequestLanguages>(languages);
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
