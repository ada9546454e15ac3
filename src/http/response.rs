//! Answers: a GraphQL response in JSON (its media type, status and headers), and the
//! refusals that have an HTTP status of their own.

use super::*;

/// A failure answered with an HTTP status of its own rather than 200.
pub(crate) struct Refusal(pub StatusCode, pub Error);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.0;
        let error = GqlResponse::from_errors(vec![self.1.into_server_error()]);
        let mut response = json(error.into(), Media::Json);
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
pub(super) enum Media {
    /// `application/json`: status 200 for every well-formed request.
    Json,
    /// `application/graphql-response+json`, when the client accepts it: status 400 for a
    /// request that could not be executed at all (parse, validation, limits).
    GraphqlResponse,
}

impl Media {
    pub(super) fn of(headers: &HeaderMap) -> Media {
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
pub(super) struct RequestError<'a> {
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "no_extensions")]
    extensions: &'a BTreeMap<String, async_graphql::Value>,
}

pub(super) fn no_extensions(extensions: &&BTreeMap<String, async_graphql::Value>) -> bool {
    extensions.is_empty()
}

/// A response in JSON. Without `data` when the request could not be executed (its errors
/// have no path); with 503 and `Retry-After` when the database was unavailable; with 400
/// for a request error in `application/graphql-response+json`.
pub(super) fn json(response: Answer, media: Media) -> Response {
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
    let answer_lsn = response.extensions.get(LSN_EXTENSION).cloned();
    // Serialised as it is, so that fields keep the order of the selection.
    let body = if request_error {
        serde_json::to_vec(&RequestError {
            errors: &response.errors,
            extensions: &response.extensions,
        })
    } else {
        response.to_json()
    };
    match body {
        Ok(body) => {
            let content_type = match media {
                Media::Json => "application/json",
                Media::GraphqlResponse => "application/graphql-response+json",
            };
            let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
            if let Some(async_graphql::Value::String(lsn)) = &answer_lsn
                && let Ok(value) = HeaderValue::from_str(lsn)
            {
                let headers = response.headers_mut();
                headers.insert(HeaderName::from_static(LSN_HEADER), value);
                // For browsers: the same position, sent back with their next requests.
                if let Ok(cookie) = HeaderValue::from_str(&format!(
                    "{LSN_COOKIE}={lsn}; Path=/; Max-Age={LSN_COOKIE_SECONDS}; HttpOnly; SameSite=Lax"
                )) {
                    headers.insert(header::SET_COOKIE, cookie);
                }
            }
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
pub(super) fn code_of(e: &async_graphql::ServerError) -> &str {
    match e.extensions.as_ref().and_then(|x| x.get("code")) {
        Some(async_graphql::Value::String(code)) => code.as_str(),
        _ => "INTERNAL",
    }
}
