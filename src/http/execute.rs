//! The one execution path of queries and mutations, whatever their transport.

use super::*;

/// The name of the operation a request runs: the one it names, else the name of its
/// only operation.
pub(super) fn operation_name(request: &mut Request) -> Option<String> {
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

pub(super) fn is_mutation_request(request: &mut Request) -> bool {
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
pub(super) fn may_introspect_any(state: &AppState) -> bool {
    state.settings.introspection_mode() != "off"
}
