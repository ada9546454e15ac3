//! The GraphQL endpoint over HTTP: POST and GET requests read and checked (body, content
//! type, method), then run by `execute`.

use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};

use super::*;
use crate::ops::persisted::DOCUMENT_ID;

/// How a request reached the endpoint: mutations are only run from a POST.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Post,
}

/// Whether a POST's content type is JSON.
pub(super) fn json_content(headers: &HeaderMap) -> bool {
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

pub(super) async fn graphql_post(
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
        Err(rejection) if server::too_slow(&rejection) => {
            let e = Error::bad_input(format!(
                "the request body came too slowly: send it within {} ms, plus one second per \
                 {} bytes",
                state.settings.body_timeout_ms, state.settings.body_min_rate
            ));
            // The rest of the body is not worth waiting for: the connection closes.
            let mut response = Refusal(StatusCode::REQUEST_TIMEOUT, e).into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
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
    // A persisted document named by `documentId` (rare: looked for only when the body
    // names it).
    if names_document_id(&body) {
        #[derive(Deserialize)]
        struct Named {
            #[serde(rename = "documentId")]
            document_id: Option<async_graphql::Value>,
        }
        if let Ok(Named {
            document_id: Some(id),
        }) = serde_json::from_slice(&body)
        {
            request.extensions.insert(DOCUMENT_ID.into(), id);
        }
    }
    let client = client_address(&state, &headers, peer);
    graphql(state, headers, client, request, Method::Post, &body).await
}

/// Whether `body` holds the text `"documentId"`.
fn names_document_id(body: &[u8]) -> bool {
    const NAME: &[u8] = b"\"documentId\"";
    body.windows(NAME.len()).any(|w| w == NAME)
}

/// The parameters of a GraphQL GET request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
    document_id: Option<String>,
}

pub(super) async fn graphql_get(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    websocket: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    // One URL for everything: a WebSocket upgrade of `/graphql` is GraphQL over
    // WebSocket, as on `/graphql/ws`.
    if let Ok(websocket) = websocket {
        return crate::sync::ws::upgrade(State(state), peer, headers, websocket).await;
    }
    let Ok(Query(params)) = params else {
        let e = Error::bad_input("the query string is not a GraphQL request");
        return Refusal(StatusCode::BAD_REQUEST, e).into_response();
    };
    if params.query.is_none() && params.extensions.is_none() && params.document_id.is_none() {
        if state.settings.console_enabled() {
            return crate::web::graphiql(&headers);
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
    if let Some(id) = params.document_id {
        request
            .extensions
            .insert(DOCUMENT_ID.into(), async_graphql::Value::String(id));
    }
    let client = client_address(&state, &headers, peer);
    graphql(state, headers, client, request, Method::Get, &[]).await
}

/// Everything a request is checked against before it runs, then the run.
pub(super) async fn graphql(
    state: AppState,
    headers: HeaderMap,
    client: String,
    mut request: Request,
    method: Method,
    body: &[u8],
) -> Response {
    let started = Instant::now();
    let media = Media::of(&headers);
    let refused = |operation: Option<String>, who: &str, denied: Denied| {
        state.metrics.request(
            operation.as_deref(),
            who,
            Outcome::Error,
            started.elapsed(),
            std::iter::once(denied.error.code()),
        );
        let mut response = match denied.status {
            StatusCode::OK => json(
                GqlResponse::from_errors(vec![denied.error.into_server_error()]).into(),
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
            let who = client_id(&Principal::Anonymous, &client);
            return refused(request.operation_name.clone(), &who, denied);
        }
    };
    let who = client_id(&principal, &client);
    if let Err(error) = at_least(&headers) {
        let denied = Denied {
            status: StatusCode::BAD_REQUEST,
            error,
            retry_after: None,
        };
        return refused(request.operation_name.clone(), &who, denied);
    }
    let analysis = match admit(&state, &mut request, &principal, &who).await {
        Ok(a) => a,
        // Named by the request only: a refused text is never parsed.
        Err(denied) => return refused(request.operation_name.clone(), &who, denied),
    };
    let operation = operation_name(&mut request);
    let mutation = is_mutation_request(&mut request);
    if method == Method::Get && mutation {
        let denied = Denied {
            status: StatusCode::METHOD_NOT_ALLOWED,
            error: Error::bad_input("mutations are only accepted in POST requests"),
            retry_after: None,
        };
        return refused(operation, &who, denied);
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
            &Operation::of(&headers, &who),
            analysis,
        )
        .await
        {
            Ok((r, _permit)) => json(r, media),
            Err(refusal) => refusal.into_response(),
        },
    }
}
