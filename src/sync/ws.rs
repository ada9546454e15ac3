//! GraphQL over WebSocket, by the graphql-transport-ws protocol (the one the `graphql-ws`
//! client library speaks), at `/graphql/ws`.
//!
//! Written here rather than taken from async-graphql-axum so that every protocol error
//! closes the socket with the code the protocol names: 4400 for a message that is not
//! valid, 4401 for a subscription before the connection is acknowledged, 4403 for a
//! rejected `connection_init`, 4406 for a missing sub-protocol, 4408 when no
//! `connection_init` arrives in time, 4409 for a subscription id already in use, 4429 for
//! a second `connection_init`.
//!
//! An API key is checked at `connection_init`, at every `subscribe`, and every
//! [`RECHECK`]: a revoked key's socket closes with 4403. When the database cannot answer,
//! a key keeps its last known state (a blip closes nothing); a `connection_init` that
//! cannot be checked closes with 1012, which graphql-ws clients retry.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use async_graphql::parser::types::OperationType;
use async_graphql::{Request, Response as GqlResponse, Variables};
use axum::{
    Extension,
    extract::{
        ConnectInfo, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket},
    },
    http::HeaderMap,
    response::Response,
};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::{
    sync::{Mutex, mpsc},
    task::AbortHandle,
};

use crate::{
    AppState,
    auth::keys,
    auth::{Principal, bearer},
    db::replicas::Lsn,
    error::Error,
    graphql::{
        complete::{Completion, fill_defaults},
        guard::assign_codes,
        i18n::RequestLanguages,
        loader::Loaders,
    },
    http::{MAX_BODY, Operation, Refusal, admit, client_address, client_id, operation_type},
};

/// The sub-protocol.
pub const PROTOCOL: &str = "graphql-transport-ws";

/// How long a client has to send `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(3);

/// The most subscriptions one connection may hold at once.
pub const MAX_SUBSCRIPTIONS: usize = 100;

/// How often an open connection checks that its API key is still active: a revoked key's
/// connection is closed with 4403 within 5 s of the revocation (the check itself takes
/// the rest).
pub const RECHECK: Duration = Duration::from_secs(4);

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<Value>,
    },
    Pong {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<Value>,
    },
    Subscribe {
        id: String,
        payload: SubscribePayload,
    },
    Complete {
        id: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscribePayload {
    query: String,
    #[serde(default)]
    variables: Option<Variables>,
    #[serde(default)]
    operation_name: Option<String>,
}

/// A reason to close the connection.
struct Close(u16, &'static str);

/// Upgrades `GET /graphql/ws`.
pub async fn upgrade(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let client = client_address(&state, &headers, peer);
    // The upgrade gives the languages and the request id; each operation names its client.
    let upgrade = Operation::of(&headers, "");
    let (languages, request_id) = (upgrade.languages, upgrade.request_id.map(str::to_string));
    // The log position this connection's queries must see: the upgrade's, then that of
    // each mutation it runs (read-your-writes, `db::replicas`).
    let seen = Arc::new(AtomicU64::new(upgrade.at_least.map_or(0, |lsn| lsn.0)));
    let ws = ws.protocols([PROTOCOL]).max_message_size(MAX_BODY);
    let agreed = ws.selected_protocol().is_some();
    ws.on_upgrade(move |socket| async move {
        let (mut sink, stream) = socket.split();
        if !agreed {
            let _ = sink
                .send(close(Close(4406, "Subprotocol not acceptable")))
                .await;
            return;
        }
        let (tx, mut rx) = mpsc::channel::<Message>(256);
        let writer = tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                let closing = matches!(message, Message::Close(_));
                if sink.send(message).await.is_err() || closing {
                    break;
                }
            }
        });
        let connection = Connection {
            state,
            languages,
            request_id,
            seen,
            out: tx.clone(),
            principal: None,
            client,
            running: Arc::new(Mutex::new(HashMap::new())),
        };
        connection.serve(stream).await;
        drop(tx);
        let _ = writer.await;
    })
}

/// A running subscription, counted in the metrics while it lives (also when aborted).
struct Running(Arc<crate::ops::metrics::Metrics>);

impl Running {
    fn new(state: &AppState) -> Running {
        state.metrics.subscriptions().inc();
        Running(state.metrics.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.subscriptions().dec();
    }
}

fn close(Close(code, reason): Close) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}

fn text(value: Value) -> Message {
    Message::Text(value.to_string().into())
}

struct Connection {
    state: AppState,
    languages: RequestLanguages,
    /// The id of the upgrade request, given to every operation's errors and logs.
    request_id: Option<String>,
    seen: Arc<AtomicU64>,
    out: mpsc::Sender<Message>,
    /// Set once `connection_init` is accepted.
    principal: Option<Principal>,
    /// The client's address, for rate limits.
    client: String,
    running: Arc<Mutex<HashMap<String, AbortHandle>>>,
}

impl Connection {
    async fn serve(mut self, mut stream: futures_util::stream::SplitStream<WebSocket>) {
        let deadline = tokio::time::Instant::now() + INIT_TIMEOUT;
        let mut draining = self.state.draining.subscribe();
        // From the connection's start: a key accepted at once is checked again within
        // RECHECK, not after the initialisation's deadline too.
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
        let outcome = loop {
            let next = if self.principal.is_none() {
                match tokio::time::timeout_at(deadline, stream.next()).await {
                    Ok(m) => m,
                    Err(_) => break Some(Close(4408, "Connection initialisation timeout")),
                }
            } else {
                tokio::select! {
                    m = stream.next() => m,
                    () = async {
                        let _ = draining.wait_for(|d| *d).await;
                    } => break Some(Close(1001, "Server shutting down")),
                    _ = recheck.tick() => match self.key_revoked().await {
                        Ok(false) => continue,
                        Ok(true) => break Some(Close(4403, "Forbidden")),
                        // The database blipped: the key keeps its last known state until
                        // the next check. Only a definite revocation closes the socket.
                        Err(e) => {
                            tracing::warn!(error = %e, "the key of a WebSocket could not be checked again");
                            self.state.metrics.key_checks_deferred().inc();
                            continue;
                        }
                    },
                }
            };
            let message = match next {
                Some(Ok(Message::Text(t))) => t,
                Some(Ok(Message::Binary(_))) => {
                    break Some(Close(4400, "Invalid message received"));
                }
                // The client closes. The WebSocket layer has queued the answering close
                // frame (RFC 6455, 5.5.1); reading once more sends it.
                Some(Ok(Message::Close(_))) => {
                    let _ = tokio::time::timeout(Duration::from_secs(1), stream.next()).await;
                    break None;
                }
                None | Some(Err(_)) => break None,
                Some(Ok(_)) => continue,
            };
            let Ok(message) = serde_json::from_str::<ClientMessage>(&message) else {
                break Some(Close(4400, "Invalid message received"));
            };
            if let Err(c) = self.handle(message).await {
                break Some(c);
            }
        };
        for (_, task) in self.running.lock().await.drain() {
            task.abort();
        }
        if let Some(c) = outcome {
            let _ = self.out.send(close(c)).await;
        }
    }

    async fn handle(&mut self, message: ClientMessage) -> Result<(), Close> {
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if self.principal.is_some() {
                    return Err(Close(4429, "Too many initialisation requests"));
                }
                self.principal = Some(self.authenticate(payload).await?);
                let _ = self
                    .out
                    .send(text(json!({ "type": "connection_ack" })))
                    .await;
            }
            ClientMessage::Ping { .. } => {
                let _ = self.out.send(text(json!({ "type": "pong" }))).await;
            }
            ClientMessage::Pong { .. } => {}
            ClientMessage::Subscribe { id, payload } => {
                let Some(principal) = self.principal.clone() else {
                    return Err(Close(4401, "Unauthorized"));
                };
                // A revoked key starts nothing (when the database cannot say, the key keeps
                // its last known state, as between checks).
                if let Ok(true) = self.key_revoked().await {
                    return Err(Close(4403, "Forbidden"));
                }
                let mut running = self.running.lock().await;
                if running.contains_key(&id) {
                    return Err(Close(4409, "Subscriber for this id already exists"));
                }
                if running.len() >= MAX_SUBSCRIPTIONS {
                    let e = Error::RateLimited(format!(
                        "at most {MAX_SUBSCRIPTIONS} subscriptions per connection"
                    ));
                    let payload = json!([e.into_server_error()]);
                    let _ = self
                        .out
                        .send(text(
                            json!({ "type": "error", "id": id, "payload": payload }),
                        ))
                        .await;
                    return Ok(());
                }
                let task = tokio::spawn(run(
                    self.state.clone(),
                    self.languages.clone(),
                    self.request_id.clone(),
                    self.seen.clone(),
                    principal,
                    self.client.clone(),
                    id.clone(),
                    payload,
                    self.out.clone(),
                    self.running.clone(),
                ));
                running.insert(id, task.abort_handle());
            }
            ClientMessage::Complete { id } => {
                if let Some(task) = self.running.lock().await.remove(&id) {
                    task.abort();
                }
            }
        }
        Ok(())
    }

    /// Whether the connection's API key (if it presented one) was revoked since.
    async fn key_revoked(&self) -> crate::error::Result<bool> {
        match &self.principal {
            Some(Principal::Partner { key_id, .. }) => {
                Ok(!keys::is_active(&self.state.db.conn, *key_id).await?)
            }
            _ => Ok(false),
        }
    }

    /// The caller named by the `connection_init` payload (`authorization` or `apiKey`).
    async fn authenticate(&self, payload: Option<Value>) -> Result<Principal, Close> {
        let payload = payload.unwrap_or(Value::Null);
        let key = match (
            &payload["authorization"],
            &payload["Authorization"],
            &payload["apiKey"],
        ) {
            (Value::String(h), _, _) | (_, Value::String(h), _) => match bearer(h) {
                Some(k) => Some(k.to_string()),
                None => return Err(Close(4403, "Forbidden")),
            },
            (_, _, Value::String(k)) => Some(k.clone()),
            _ => None,
        };
        match key {
            None => Ok(Principal::Anonymous),
            Some(key) => keys::authenticate(&self.state.db.conn, &key)
                .await
                .map_err(|e| match e {
                    Error::Unauthenticated(_) | Error::Forbidden(_) => Close(4403, "Forbidden"),
                    // The key cannot be checked now: a code graphql-ws clients retry.
                    Error::Unavailable(_) => Close(1012, "Service restart"),
                    _ => Close(1011, "Internal error"),
                }),
        }
    }
}

/// Runs one operation of a connection: a query or a mutation on the same path as over
/// HTTP (`http::run`: permits, timeout, completion, codes, metrics, request id), a
/// subscription as a stream of completed results.
#[allow(clippy::too_many_arguments)]
async fn run(
    state: AppState,
    languages: RequestLanguages,
    request_id: Option<String>,
    seen: Arc<AtomicU64>,
    principal: Principal,
    client: String,
    id: String,
    payload: SubscribePayload,
    out: mpsc::Sender<Message>,
    running: Arc<Mutex<HashMap<String, AbortHandle>>>,
) {
    let last = stream(
        &state, languages, request_id, seen, principal, client, &id, payload, &out,
    )
    .await;
    running.lock().await.remove(&id);
    if let Some(last) = last {
        let _ = out.send(last).await;
    }
}

/// Sends the results of one operation; returns its last message (`error` or `complete`),
/// to be sent once the operation no longer counts as running.
#[allow(clippy::too_many_arguments)]
async fn stream(
    state: &AppState,
    languages: RequestLanguages,
    request_id: Option<String>,
    seen: Arc<AtomicU64>,
    principal: Principal,
    client: String,
    id: &str,
    payload: SubscribePayload,
    out: &mpsc::Sender<Message>,
) -> Option<Message> {
    let mut request = Request::new(payload.query);
    if let Some(v) = payload.variables {
        request = request.variables(v);
    }
    if let Some(name) = payload.operation_name {
        request = request.operation_name(name);
    }
    // The same checks as over HTTP: documents, limits, introspection, rate limits.
    let who = client_id(&principal, &client);
    let analysis = match admit(state, &mut request, &principal, &who).await {
        Ok(analysis) => analysis,
        Err(denied) => return Some(message("error", id, &[denied.error.into_server_error()])),
    };
    if operation_type(&mut request) != Some(OperationType::Subscription) {
        let context = Operation {
            languages,
            request_id: request_id.as_deref(),
            client: &who,
            at_least: Some(Lsn(seen.load(Ordering::Relaxed))).filter(|lsn| lsn.0 > 0),
        };
        let ran = crate::http::run(state, request, principal, &context, analysis).await;
        if let Ok((response, _)) = &ran
            && let Some(async_graphql::Value::String(lsn)) =
                response.extensions.get(crate::http::LSN_EXTENSION)
            && let Ok(lsn) = lsn.parse::<Lsn>()
        {
            seen.fetch_max(lsn.0, Ordering::Relaxed);
        }
        return match ran {
            Ok((response, _permit)) if failed_before_running(&response) => {
                Some(message("error", id, &response.errors))
            }
            Ok((response, _permit)) => {
                out.send(next(id, &response)).await.ok()?;
                Some(complete(id))
            }
            Err(Refusal(_, error)) => Some(message("error", id, &[error.into_server_error()])),
        };
    }
    fill_defaults(&mut request);
    let completion = Completion::prepare(&mut request);
    let request = request
        .data(Loaders::new(state.db.conn.clone()))
        .data(languages)
        .data(principal);
    let _counted = Running::new(state);
    let mut responses = state.schema.execute_stream(request);
    let mut first = true;
    while let Some(mut response) = responses.next().await {
        assign_codes(&mut response);
        if first && failed_before_running(&response) {
            return Some(message("error", id, &response.errors));
        }
        first = false;
        if let Some(completion) = &completion {
            completion.apply(&state.shapes, &mut response);
        }
        out.send(message("next", id, &response)).await.ok()?;
    }
    Some(complete(id))
}

/// A `next` or `error` message about operation `id`.
fn message<P: Serialize + ?Sized>(kind: &str, id: &str, payload: &P) -> Message {
    envelope(kind, id, Some(payload))
}

/// The `next` message of operation `id` with a query's or mutation's answer (whose
/// `data` the planner may have written as JSON already).
fn next(id: &str, answer: &crate::http::Answer) -> Message {
    let payload = answer.to_json().map(String::from_utf8);
    match (payload, serde_json::to_string(id)) {
        (Ok(Ok(payload)), Ok(id)) => {
            Message::Text(format!(r#"{{"type":"next","id":{id},"payload":{payload}}}"#).into())
        }
        _ => {
            tracing::error!("could not serialise a WebSocket message");
            let error = Error::internal("the result could not be serialised");
            text(json!({ "type": "error", "id": id, "payload": [error.into_server_error()] }))
        }
    }
}

/// The `complete` message of operation `id`.
fn complete(id: &str) -> Message {
    envelope::<()>("complete", id, None)
}

/// A message about operation `id`, serialised as it is so that the payload's fields keep
/// the order of the selection (`serde_json::Value` sorts them).
fn envelope<P: Serialize + ?Sized>(kind: &str, id: &str, payload: Option<&P>) -> Message {
    #[derive(Serialize)]
    struct Out<'a, P: ?Sized> {
        #[serde(rename = "type")]
        kind: &'a str,
        id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        payload: Option<&'a P>,
    }
    match serde_json::to_string(&Out { kind, id, payload }) {
        Ok(text) => Message::Text(text.into()),
        Err(e) => {
            tracing::error!(error = %e, "could not serialise a WebSocket message");
            let error = Error::internal("the result could not be serialised");
            text(json!({ "type": "error", "id": id, "payload": [error.into_server_error()] }))
        }
    }
}

/// A response whose errors arose before any field ran (validation, or the subscription
/// field itself refusing): the protocol's `error` message rather than `next`.
fn failed_before_running(response: &GqlResponse) -> bool {
    !response.errors.is_empty()
        && response.data == async_graphql::Value::Null
        && response.errors.iter().all(|e| e.path.len() <= 1)
}
