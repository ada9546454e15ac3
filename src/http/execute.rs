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
    /// The client, as rate limits and metrics name it (`client_id`).
    pub client: &'a str,
    /// The log position a query must see: the client's last write's (`Agora-Lsn`).
    pub at_least: Option<Lsn>,
}

impl<'a> Operation<'a> {
    /// Read from the headers of an HTTP request of `client` (as `client_id` names it).
    pub fn of(headers: &'a HeaderMap, client: &'a str) -> Operation<'a> {
        Operation {
            client,
            languages: headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(parse_accept_language)
                .unwrap_or_default(),
            request_id: headers.get("x-request-id").and_then(|v| v.to_str().ok()),
            at_least: at_least(headers).ok().flatten(),
        }
    }
}

/// The name of the header that carries the primary's log position: in a mutation's
/// answer, and back in a later request that must read what that mutation wrote.
pub(crate) const LSN_HEADER: &str = "agora-lsn";

/// The cookie that carries the same position for browsers.
pub(crate) const LSN_COOKIE: &str = "agora_lsn";

/// How long a browser keeps the cookie: a replica further behind than
/// `max_replica_lag_ms` (seconds, by default) serves no reads anyway.
pub(crate) const LSN_COOKIE_SECONDS: u32 = 60;

/// The log position a request asks to read at least: its `Agora-Lsn` header, else its
/// `agora_lsn` cookie. A malformed header is an error; a malformed cookie is ignored.
pub(crate) fn at_least(headers: &HeaderMap) -> crate::error::Result<Option<Lsn>> {
    if let Some(value) = headers.get(LSN_HEADER) {
        let text = value
            .to_str()
            .map_err(|_| Error::bad_input("the Agora-Lsn header is not text"))?;
        return text.parse().map(Some);
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LSN_COOKIE)
        .and_then(|(_, value)| value.parse().ok());
    Ok(cookie)
}

/// An answer: the executor's response, or the `data` the read planner wrote (then the
/// response holds only extensions).
pub(crate) struct Answer {
    /// The response (its `data` is null when `written` holds it).
    pub response: GqlResponse,
    /// The JSON of `data`, as the planner wrote it.
    pub written: Option<Vec<u8>>,
}

impl From<GqlResponse> for Answer {
    fn from(response: GqlResponse) -> Answer {
        Answer {
            response,
            written: None,
        }
    }
}

impl std::ops::Deref for Answer {
    type Target = GqlResponse;

    fn deref(&self) -> &GqlResponse {
        &self.response
    }
}

impl Answer {
    /// The answer in JSON (`data`, `extensions`, `errors`, as async-graphql orders them),
    /// the planner's `data` copied in as it was written.
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let Some(data) = &self.written else {
            return serde_json::to_vec(&self.response);
        };
        let mut out = Vec::with_capacity(data.len() + 128);
        out.extend_from_slice(b"{\"data\":");
        out.extend_from_slice(data);
        if !self.response.extensions.is_empty() {
            out.extend_from_slice(b",\"extensions\":");
            serde_json::to_writer(&mut out, &self.response.extensions)?;
        }
        if !self.response.errors.is_empty() {
            out.extend_from_slice(b",\"errors\":");
            serde_json::to_writer(&mut out, &self.response.errors)?;
        }
        out.push(b'}');
        Ok(out)
    }
}

/// The plan of a request's operation, when the read planner serves it.
fn planned(
    state: &AppState,
    request: &mut Request,
    languages: &RequestLanguages,
    conn: &DatabaseConnection,
) -> Option<Arc<Planned>> {
    let name = request.operation_name.clone();
    let variables = request.variables.clone();
    let doc = request.parsed_query().ok()?;
    let plan = crate::plan::build::plan(
        &CATALOGUE,
        doc,
        name.as_deref(),
        &variables,
        &state.settings,
        &languages.0,
    )?;
    Some(Arc::new(Planned::new(
        plan,
        conn.clone(),
        state.settings.read_oracle,
    )))
}

/// With `read_oracle`: the executor's completed answer against the planner's. A
/// disagreement is an internal error (with both answers in its extensions: the oracle
/// runs in tests, never in production).
fn oracle(response: &mut GqlResponse, written: &[u8]) {
    let executed = serde_json::to_vec(&response.data).unwrap_or_default();
    if response.errors.is_empty() && executed == written {
        return;
    }
    let planned = String::from_utf8_lossy(written).into_owned();
    let executed = String::from_utf8_lossy(&executed).into_owned();
    tracing::error!(%planned, %executed, errors = ?response.errors, "the read planner and the executor disagree");
    let mut error =
        Error::internal("the read planner and the executor disagree").into_server_error();
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("planned", planned);
    extensions.set("executed", executed);
    *response = GqlResponse::from_errors(vec![error]);
}

/// Runs a checked query or mutation for `principal`, whatever its transport (HTTP GET,
/// POST, or a WebSocket): on a replica or the primary (`db::replicas`; a query whose
/// replica fails for want of the database runs again on the primary), with the request's
/// loaders and languages, within `request_timeout_ms` once one of
/// `max_concurrent_operations` permits is free, by the read planner (`crate::plan`) or
/// async-graphql's executor, the executor's answer completed as the specification asks
/// (`graphql::complete`), a code on every error, the metrics, the cost in
/// `extensions.cost`, and after a mutation (with replicas) the primary's log position in
/// `extensions.lsn`. Returns the permit with the answer: hold it until the answer is
/// serialised.
pub(crate) async fn run(
    state: &AppState,
    mut request: Request,
    principal: Principal,
    context: &Operation<'_>,
    analysis: Analysis,
) -> Result<(Answer, Option<OwnedSemaphorePermit>), Refusal> {
    let started = Instant::now();
    let deadline = started + std::time::Duration::from_millis(state.settings.request_timeout_ms);
    let operation = operation_name(&mut request);
    fill_defaults(&mut request);
    let mutation = is_mutation_request(&mut request);
    let route = if mutation {
        Route::Primary
    } else {
        state.replicas.route(context.at_least).await
    };
    let mut result = match &route {
        Route::Primary => attempt(state, request, principal, context, None, deadline).await,
        Route::Replica(i, conn) => {
            let again = copy(&request);
            let result = attempt(
                state,
                request,
                principal.clone(),
                context,
                Some(conn.clone()),
                deadline,
            )
            .await;
            match result {
                Ok(first) if database_failed(&first.0) => {
                    // Its permit goes back before the second attempt waits for one.
                    drop(first);
                    state.replicas.failed(*i);
                    state.replicas.primary_reads.inc();
                    attempt(state, again, principal, context, None, deadline).await
                }
                result => result,
            }
        }
    };
    if mutation
        && !state.replicas.is_empty()
        && let Ok((response, ..)) = &mut result
    {
        match crate::db::replicas::commit_position(&state.db.conn).await {
            Ok(Some(lsn)) => {
                response
                    .extensions
                    .insert(LSN_EXTENSION.into(), lsn.to_string().into());
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = ?e, "could not read the primary's log position"),
        }
    }
    let (mut response, written, permit) = match result {
        Ok(r) => r,
        Err(TimedOut) => {
            let e = Error::Unavailable(format!(
                "the request took longer than {} ms and was stopped",
                state.settings.request_timeout_ms
            ));
            state.metrics.request(
                operation.as_deref(),
                context.client,
                Outcome::Error,
                started.elapsed(),
                std::iter::once(e.code()),
            );
            return Err(Refusal(StatusCode::SERVICE_UNAVAILABLE, e));
        }
    };
    let outcome = if response.errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Error
    };
    state.metrics.request(
        operation.as_deref(),
        context.client,
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
    state.metrics.engine(written.is_some());
    Ok((Answer { response, written }, permit))
}

/// The extension of a mutation's answer that holds the primary's log position after it
/// (and the header `Agora-Lsn` that repeats it over HTTP).
pub const LSN_EXTENSION: &str = "lsn";

/// A request ran past its time.
struct TimedOut;

/// What one execution of a request gives: the response (with codes on its errors), the
/// planner's `data` when it wrote it, and the permit.
type Attempt = (GqlResponse, Option<Vec<u8>>, Option<OwnedSemaphorePermit>);

/// A request as the client sent it (with its defaults filled in), to run it again.
fn copy(request: &Request) -> Request {
    let mut again = Request::new(request.query.clone()).variables(request.variables.clone());
    again.operation_name = request.operation_name.clone();
    again.extensions = request.extensions.clone();
    again
}

/// Whether a response failed for want of its database (then a read on a replica runs
/// again on the primary).
fn database_failed(response: &GqlResponse) -> bool {
    response
        .errors
        .iter()
        .any(|e| code_of(e) == "SERVICE_UNAVAILABLE")
}

/// Runs a request once, on `replica` when given (else the primary), until `deadline`.
async fn attempt(
    state: &AppState,
    mut request: Request,
    principal: Principal,
    context: &Operation<'_>,
    replica: Option<DatabaseConnection>,
    deadline: Instant,
) -> Result<Attempt, TimedOut> {
    let on_primary = replica.is_none();
    let conn = replica.unwrap_or_else(|| state.db.conn.clone());
    let planned = planned(state, &mut request, &context.languages, &conn);
    // Under the oracle the executor's statements are not the request's: they count on
    // the background handle, so that statement counts measure the planner.
    let loaders = match &planned {
        Some(p) if p.oracle && on_primary => state.db.background(),
        _ => conn,
    };
    let mut request = request
        .data(Loaders::new(loaders))
        .data::<RequestLanguages>(context.languages.clone())
        .data(principal);
    if let Some(p) = &planned {
        request = request.data(p.clone());
    }
    if !may_introspect_any(state) {
        request = request.disable_introspection();
    }
    // A planned document that async-graphql validated before (the same text and
    // operation) runs without it: validation depends on nothing else, and the checks that
    // depend on the variables (`http::analyse`) ran. Under the oracle, everything runs.
    let validated = planned.as_ref().filter(|p| {
        !p.oracle
            && state
                .documents
                .validated(&request.query, request.operation_name.as_deref())
    });
    let to_remember = (planned.is_some() && validated.is_none())
        .then(|| (request.query.clone(), request.operation_name.clone()));
    // Waiting for a permit counts against the request's time.
    let execute = async {
        let mut request = request;
        let permit = state.executing.clone().acquire_owned().await.ok();
        if let Some(p) = validated {
            match p.run_validated().await {
                Ok(true) => {
                    state.metrics.validation_skipped();
                    return (GqlResponse::new(async_graphql::Value::Null), None, permit);
                }
                Ok(false) => {}
                Err(e) => {
                    let failed = GqlResponse::from_errors(vec![e.into_server_error()]);
                    return (failed, None, permit);
                }
            }
        }
        // What the completion of the executor's answer needs, taken only when it runs.
        let completion = Completion::prepare(&mut request);
        (state.schema.execute(request).await, completion, permit)
    };
    // Its statements stop when it is dropped unfinished: past the deadline, or when the
    // client goes away.
    let execute = crate::db::cancel::Statements::new(execute);
    let (mut response, completion, permit) = tokio::time::timeout_at(deadline.into(), execute)
        .await
        .map_err(|_| TimedOut)?;
    let mut written = planned.as_ref().and_then(|p| p.take());
    if let Some((query, operation)) = &to_remember
        && written.is_some()
        && response.errors.is_empty()
    {
        state.documents.remember_valid(query, operation.as_deref());
    }
    if let Some(completion) = &completion
        && (written.is_none() || state.settings.read_oracle)
    {
        completion.apply(&state.shapes, &mut response);
    }
    if let Some(data) = &written
        && state.settings.read_oracle
    {
        oracle(&mut response, data);
        if !response.errors.is_empty() {
            written = None;
        } else {
            response.data = async_graphql::Value::Null;
        }
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
    Ok((response, written, permit))
}

/// Whether introspection may run at all (the gate in `graphql` refuses it per client;
/// this keeps the executor from answering it when it is off for everyone).
pub(super) fn may_introspect_any(state: &AppState) -> bool {
    state.settings.introspection_mode() != "off"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(data: async_graphql::Value) -> GqlResponse {
        GqlResponse::new(data)
    }

    #[test]
    fn the_oracle_passes_equal_answers_and_fails_different_ones() {
        let data = async_graphql::value!({ "a": 1, "b": [true, null] });
        let mut same = answer(data.clone());
        oracle(&mut same, br#"{"a":1,"b":[true,null]}"#);
        assert!(same.errors.is_empty());
        // Another value, another key order, or an error of the executor's: a disagreement.
        for written in [
            &br#"{"a":2,"b":[true,null]}"#[..],
            br#"{"b":[true,null],"a":1}"#,
        ] {
            let mut different = answer(data.clone());
            oracle(&mut different, written);
            assert_eq!(different.errors.len(), 1);
            let extensions = different.errors[0].extensions.as_ref().unwrap();
            assert!(extensions.get("planned").is_some() && extensions.get("executed").is_some());
        }
        let mut failed = answer(data);
        failed
            .errors
            .push(async_graphql::ServerError::new("no", None));
        oracle(&mut failed, br#"{"a":1,"b":[true,null]}"#);
        assert_eq!(failed.errors.len(), 1);
        assert!(failed.data == async_graphql::Value::Null);
    }
}
