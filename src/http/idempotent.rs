//! Mutations sent with an `Idempotency-Key`: run at most once, their response stored for
//! the retries.

use super::*;

/// Runs a mutation sent with an `Idempotency-Key` at most once (see
/// `sync::idempotency`): a retry with the same key and body gets the stored response.
#[allow(clippy::too_many_arguments)]
pub(super) async fn idempotent(
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
    // A key belongs to an organisation: its keys share their idempotency keys.
    let who = idempotency::Claimant {
        organisation: principal.organisation().unwrap_or_default(),
        api_key: key_id,
        abandoned_after: chrono::Duration::milliseconds(
            i64::try_from(state.settings.request_timeout_ms).unwrap_or(i64::MAX),
        ),
    };
    let begun = match idempotency::begin(&state.db.conn, who, &key, &hash).await {
        Ok(b) => b,
        Err(e) => {
            return json(
                GqlResponse::from_errors(vec![e.into_server_error()]).into(),
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
        Begin::Run(id, taken) => {
            let claim = Claim::new(id, taken);
            let run = run_claimed(state, request, principal, headers, analysis, claim);
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
pub(super) fn request_hash(body: &[u8]) -> String {
    let canonical = serde_json::from_slice::<serde_json::Value>(body)
        .map(|v| v.to_string().into_bytes())
        .unwrap_or_else(|_| body.to_vec());
    hex::encode(Sha256::digest(canonical))
}

/// Runs a request under the idempotency key row `id`; stores its response, or releases
/// the key when the request failed for a passing reason before any write committed.
pub(super) async fn run_claimed(
    state: AppState,
    request: Request,
    principal: Principal,
    headers: HeaderMap,
    analysis: Analysis,
    claim: Arc<Claim>,
) -> Response {
    let id = claim.id();
    let request = request.data(claim.clone());
    // A key, never an address, names the client of an idempotent write.
    let who = client_id(&principal, "");
    let result = run(
        &state,
        request,
        principal,
        &Operation::of(&headers, &who),
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
