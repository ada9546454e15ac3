//! What every operation passes before it runs, over HTTP and WebSocket alike: the API key,
//! persisted and trusted documents, the document's limits and variables, introspection
//! rights and rate limits.

use super::*;
use crate::ops::persisted::Share;

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
/// introspect, and the rate limits of `client` (as [`client_id`] names it).
pub(crate) async fn admit(
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
    // Automatic persisted queries are shared through the database: a query registered
    // through another process is fetched from it, and one registered here is published.
    let share = state.documents.to_share(request);
    if let Some(Share::Fetch(hash)) = &share {
        match crate::ops::shared::persisted_query(&state.db.conn, hash).await {
            Ok(Some(query)) => state.documents.remember_shared(hash, &query),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = ?e, "cannot read the shared persisted queries"),
        }
    }
    state.documents.resolve(request, principal).map_err(deny)?;
    if let Some(Share::Publish(hash)) = &share {
        let capacity = state.documents.capacity();
        if let Err(e) =
            crate::ops::shared::persist_query(&state.db.conn, hash, &request.query, capacity).await
        {
            tracing::warn!(error = ?e, "cannot share a persisted query with the other processes");
        }
    }
    let analysis = analyse(state, request).map_err(deny)?;
    if analysis.introspects && !may_introspect(state, principal) {
        let e = Error::Forbidden("introspection is turned off for this client".into());
        return Err(deny(e));
    }
    if let Err(wait) = state.rate_limits.check(client, analysis.cost) {
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

/// Who a client is, for rate limits and metrics: its API key, else its address.
pub(crate) fn client_id(principal: &Principal, address: &str) -> String {
    match principal.key() {
        Some(id) => format!("key:{id}"),
        None => format!("address:{address}"),
    }
}

/// Whether `principal` may introspect the schema.
pub(super) fn may_introspect(state: &AppState, principal: &Principal) -> bool {
    match state.settings.introspection_mode() {
        "on" => true,
        "authenticated" => principal.key().is_some(),
        _ => false,
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
        // The database is gone or too slow: a key cannot be checked now, so retry later.
        Err(e @ Error::Unavailable(_)) => Err(Refusal(StatusCode::SERVICE_UNAVAILABLE, e)),
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
    match state.documents.parse(request) {
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
