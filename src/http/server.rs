//! The listener of `agora serve`: connections accepted up to a cap, each held to the
//! timeouts of a production HTTP server, and drained on shutdown.
//!
//! - **A cap on open connections** (`max_connections`, WebSockets included), kept below
//!   the process's file-descriptor limit: a connection over the cap is answered `503` with
//!   `Retry-After` and closed at once, so that a flood of clients is refused quickly
//!   instead of starving every client in the listen queue.
//! - **The request head** (`header_timeout_ms`): a new connection must send its first
//!   request head in full within this time of being accepted; a kept-alive connection,
//!   within this time of the first byte of its next request. Else it is closed.
//! - **Idle keep-alive** (`keep_alive_timeout_ms`): a connection that sends nothing for
//!   this long after a response ends is closed.
//! - **The body** (`body_timeout_ms`, `body_min_rate`): a request body must arrive within
//!   `body_timeout_ms` plus one second per `body_min_rate` bytes received (the rule of
//!   Apache's `mod_reqtimeout`): a slower body is answered `408`, and the connection is
//!   closed.
//!
//! On shutdown (`AppState::draining`) the listener closes, idle connections close, and
//! busy ones close once their response is sent; [`serve`] returns when none is left.

use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::ConnectInfo,
    http::Request,
};
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use prometheus_client::metrics::{counter::Counter, gauge::Gauge};
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore, watch},
    time::{Instant, Sleep},
};
use tower::ServiceExt;

use crate::{AppState, config::Settings};

/// File descriptors kept out of the connection cap: the database pool, the SQLite files,
/// the listener, logs and exports.
const RESERVED_DESCRIPTORS: u64 = 64;

/// What a connection over the cap is told, in a 503.
const REFUSAL: &str = "too many connections: retry in a moment\r\n";

/// The limits of connections, from the settings.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest time to receive a request head in full.
    pub head: Duration,
    /// Longest time a kept-alive connection may stay silent between requests.
    pub idle: Duration,
    /// Time a request body may take, before `min_rate` extends it.
    pub body: Duration,
    /// Bytes per second of body that earn one more second (0: no extension).
    pub min_rate: u64,
    /// Connections open at once.
    pub max_connections: usize,
}

impl Limits {
    /// The limits `settings` give, the cap lowered below the descriptor limit (after
    /// raising the soft limit to the hard one, as servers do).
    pub fn from_settings(settings: &Settings) -> Limits {
        let cap = match descriptor_limit() {
            Some(limit) => {
                let room = limit.saturating_sub(
                    RESERVED_DESCRIPTORS + 2 * u64::from(settings.db_max_connections),
                );
                let room = usize::try_from(room).unwrap_or(usize::MAX).max(1);
                if room < settings.max_connections {
                    tracing::warn!(
                        descriptors = limit,
                        max_connections = room,
                        "the file-descriptor limit lowers max_connections"
                    );
                }
                settings.max_connections.min(room)
            }
            None => settings.max_connections,
        };
        Limits {
            head: Duration::from_millis(settings.header_timeout_ms),
            idle: Duration::from_millis(settings.keep_alive_timeout_ms),
            body: Duration::from_millis(settings.body_timeout_ms),
            min_rate: settings.body_min_rate,
            max_connections: cap.max(1),
        }
    }
}

/// The process's limit of open files, raised to its hard limit first.
#[cfg(unix)]
fn descriptor_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => Some(limit),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the file-descriptor limit");
            None
        }
    }
}

#[cfg(not(unix))]
fn descriptor_limit() -> Option<u64> {
    None
}

/// The counters of connections, registered in the metrics.
#[derive(Clone, Debug, Default)]
pub struct ConnectionMetrics {
    /// Connections open now.
    pub open: Gauge,
    /// Connections refused because the cap was reached.
    pub refused: Counter,
    /// Connections closed for a slow request head or an idle keep-alive.
    pub timed_out: Counter,
    /// Requests answered 408 because their body came too slowly.
    pub slow_bodies: Counter,
}

/// Serves `app` on `listener` with `limits` until `state.draining` turns true and the
/// last connection has closed.
pub async fn serve(listener: TcpListener, app: Router, state: &AppState, limits: Limits) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let metrics = state.metrics.connections().clone();
    let mut draining = state.draining.subscribe();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = draining.wait_for(|d| *d) => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, or a connection reset before it was accepted: wait
                // a moment rather than spin.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        match slots.clone().try_acquire_owned() {
            Ok(permit) => {
                let slot = Slot::new(permit, metrics.open.clone());
                let connection = Connection {
                    app: app.clone(),
                    limits,
                    metrics: metrics.clone(),
                    draining: state.draining.subscribe(),
                };
                tokio::spawn(connection.run(
                    Counted {
                        stream,
                        _slot: slot,
                    },
                    peer,
                ));
            }
            Err(_) => {
                metrics.refused.inc();
                tokio::spawn(refuse(stream));
            }
        }
    }
    drop(listener);
    // Every connection holds a slot until it closes (a WebSocket until its socket ends).
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
}

/// Answers a connection over the cap with 503, and closes it.
async fn refuse(mut stream: TcpStream) {
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{REFUSAL}",
        REFUSAL.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

/// One accepted connection.
struct Connection {
    app: Router,
    limits: Limits,
    metrics: ConnectionMetrics,
    draining: watch::Receiver<bool>,
}

impl Connection {
    /// Serves HTTP/1.1 (and upgrades to WebSocket) on `io`, closing it when a timeout of
    /// its phase runs out.
    async fn run(mut self, io: Counted, peer: SocketAddr) {
        let phase: Shared = Arc::new(Mutex::new(Phase::Head(Instant::now())));
        let io = Clocked {
            inner: io,
            phase: phase.clone(),
        };
        let limits = self.limits;
        let slow_bodies = self.metrics.slow_bodies.clone();
        let app = self.app.clone();
        let requests = phase.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let busy = Busy::start(requests.clone());
            let request =
                request.map(|body| Body::new(Paced::new(body, limits, slow_bodies.clone())));
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await?;
                Ok::<_, std::convert::Infallible>(response.map(|body| {
                    Body::new(Tracked {
                        body,
                        busy: Some(busy),
                    })
                }))
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        tokio::pin!(connection);
        // The clock is read lazily: the timer is set for the deadline of the phase it
        // finds, and when it rings the phase is read again (it may have moved on, which
        // costs a request nothing). Phases change without telling the clock, so it never
        // sleeps longer than the shorter timeout: a connection that went from a long head
        // wait to idle is closed within that much of its idle deadline.
        let recheck = [limits.head, limits.idle]
            .into_iter()
            .filter(|d| !d.is_zero())
            .min();
        let mut shutting_down = false;
        let timer = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(timer);
        loop {
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(e) = served {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    return;
                }
                () = timer.as_mut(), if recheck.is_some() => {
                    let now = Instant::now();
                    let current = *lock(&phase);
                    match current.deadline(&limits) {
                        Some(deadline) if deadline <= now => {
                            self.metrics.timed_out.inc();
                            tracing::debug!(%peer, "connection closed: too slow or idle too long");
                            return;
                        }
                        Some(deadline) => timer
                            .as_mut()
                            .reset(deadline.min(now + recheck.unwrap_or_default())),
                        None => timer.as_mut().reset(now + recheck.unwrap_or_default()),
                    }
                }
                _ = self.draining.wait_for(|d| *d), if !shutting_down => {
                    shutting_down = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// A connection's phase, shared by its socket, its requests and its clock.
type Shared = Arc<Mutex<Phase>>;

fn lock(phase: &Shared) -> std::sync::MutexGuard<'_, Phase> {
    phase.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where a connection is between requests, for its timeouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request head, since the connection opened or since the first byte
    /// of the head arrived.
    Head(Instant),
    /// Serving requests (their bodies have their own bound).
    Busy(usize),
    /// Between requests, since the last response ended.
    Idle(Instant),
}

impl Phase {
    /// When the connection is to be closed if nothing changes.
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        match *self {
            Phase::Head(since) => (!limits.head.is_zero()).then(|| since + limits.head),
            Phase::Idle(since) => (!limits.idle.is_zero()).then(|| since + limits.idle),
            Phase::Busy(_) => None,
        }
    }
}

/// A request being served: the connection is busy until its response ends.
struct Busy(Shared);

impl Busy {
    fn start(phase: Shared) -> Busy {
        {
            let mut p = lock(&phase);
            *p = match *p {
                Phase::Busy(n) => Phase::Busy(n + 1),
                _ => Phase::Busy(1),
            };
        }
        Busy(phase)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut p = lock(&self.0);
        *p = match *p {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            _ => Phase::Idle(Instant::now()),
        };
    }
}

/// A response body that ends its request's [`Busy`] when it ends (or is dropped).
struct Tracked {
    body: Body,
    busy: Option<Busy>,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            self.busy = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A request body that must keep a minimum pace. Its timer is set only when the body has
/// to be waited for: a body that came with its head costs none.
struct Paced {
    body: Incoming,
    /// When the body must have arrived, if no more bytes come (`None`: no bound).
    deadline: Option<Instant>,
    timer: Option<Pin<Box<Sleep>>>,
    started: Instant,
    received: u64,
    limits: Limits,
    slow_bodies: Counter,
}

impl Paced {
    fn new(body: Incoming, limits: Limits, slow_bodies: Counter) -> Paced {
        let started = Instant::now();
        Paced {
            body,
            deadline: (!limits.body.is_zero()).then(|| started + limits.body),
            timer: None,
            started,
            received: 0,
            limits,
            slow_bodies,
        }
    }
}

/// The error a body that came too slowly ends with.
#[derive(Debug, thiserror::Error)]
#[error("the request body came too slowly")]
pub struct BodyTooSlow;

impl HttpBody for Paced {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(data), Some(deadline)) = (frame.data_ref(), this.deadline.as_mut()) {
                    this.received += data.len() as u64;
                    if this.limits.min_rate > 0 {
                        let earned = Duration::from_secs_f64(
                            this.received as f64 / this.limits.min_rate as f64,
                        );
                        *deadline = this.started + this.limits.body + earned;
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let Some(deadline) = this.deadline else {
                    return Poll::Pending;
                };
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.deadline() != deadline {
                    timer.as_mut().reset(deadline);
                }
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.deadline = None;
                this.slow_bodies.inc();
                Poll::Ready(Some(Err(Box::new(BodyTooSlow))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Whether `error` (a request body's failure) is a body that came too slowly.
pub(crate) fn too_slow(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<BodyTooSlow>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// A connection's place under the cap, given back when the connection closes.
struct Slot {
    _permit: OwnedSemaphorePermit,
    open: Gauge,
}

impl Slot {
    fn new(permit: OwnedSemaphorePermit, open: Gauge) -> Slot {
        open.inc();
        Slot {
            _permit: permit,
            open,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.dec();
    }
}

/// A socket that holds its [`Slot`]: through an upgrade to WebSocket too, as hyper hands
/// the socket itself to the upgraded connection.
struct Counted {
    stream: TcpStream,
    _slot: Slot,
}

/// A socket that tells its connection's clock when the first byte of a request head
/// arrives after an idle time.
struct Clocked {
    inner: Counted,
    phase: Shared,
}

impl AsyncRead for Clocked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            let mut p = lock(&self.phase);
            if let Phase::Idle(_) = *p {
                *p = Phase::Head(Instant::now());
            }
        }
        polled
    }
}

impl AsyncWrite for Clocked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner.stream).poll_shutdown(cx)
    }
}
