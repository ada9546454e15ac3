//! Stopping the statements of a request that ended before its answer: it ran past
//! `request_timeout_ms`, or its client went away. Without this the database would go on
//! with work nobody waits for, holding a core and a connection.
//!
//! - **SQLite** runs each connection's statements on a thread of its own, and sqlx runs
//!   each of them inside the tracing span that was current when the request sent it. A
//!   request's execution runs inside a span of its own ([`Statements`]), which carries the
//!   request's mark; the connection's progress handler ([`stopped`]) looks at the mark of
//!   the span it runs in every thousand steps (while some ended request's span is still
//!   open), and interrupts the statement once the request has ended.
//! - **PostgreSQL** runs a statement in its backend while the request's task waits on the
//!   socket. When the request ends, the connection goes back to the pool with its
//!   statement still running. For a short while after a request ends so
//!   ([`abandoned_recently`]), a connection that comes back is asked to answer at once;
//!   one that cannot is running a statement for nobody, and is closed. Its backend sees
//!   its client gone within `client_connection_check_interval` (set on every session),
//!   and stops the statement.
//!
//! The span is seen by the process's tracing subscriber only (`cli::init_logging` keeps it
//! out of the logs); without one (a library user, the in-process tests), statements of an
//! ended request run to their end, as before.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use tracing::{Instrument, Span, instrument::Instrumented};
use tracing_subscriber::{Registry, registry::LookupSpan};

/// The target of the span that carries a request's mark.
pub const TARGET: &str = "agora::statements";

/// How long after a request ends its connection may still come back to the pool: every
/// connection that comes back within it is checked.
const ABANDON_WINDOW: Duration = Duration::from_secs(2);

/// How long a connection that comes back may take to answer before it counts as busy
/// with an ended request's statement.
pub(crate) const READY_WITHIN: Duration = Duration::from_millis(100);

/// The mark of a request whose statements are to stop: in its span's extensions.
struct Ended(Arc<AtomicBool>);

impl Drop for Ended {
    /// The span is closed: no statement runs in it any more.
    fn drop(&mut self) {
        if self.0.load(Ordering::Relaxed) {
            ENDED_RUNNING.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// How many spans of ended requests are still open: while none is, SQLite's progress
/// handler has nothing to look for.
static ENDED_RUNNING: AtomicU64 = AtomicU64::new(0);

/// A request's execution, in the span that marks its statements: when it is dropped
/// before it is done, its SQLite statements stop at their next check, and PostgreSQL's
/// connections that come back soon after are checked.
pub struct Statements<F> {
    future: Pin<Box<Instrumented<F>>>,
    /// The mark, when the span carries it (there is a subscriber).
    ended: Option<Arc<AtomicBool>>,
    done: bool,
}

impl<F: Future> Statements<F> {
    /// Runs `future` as one request's statements.
    pub fn new(future: F) -> Statements<F> {
        // The level only decides whether the span exists (it is never logged): the one
        // that no build's `max_level` feature leaves out.
        let span = tracing::span!(target: TARGET, tracing::Level::ERROR, "statements");
        let ended = span
            .with_subscriber(|(id, dispatch)| {
                let span = dispatch.downcast_ref::<Registry>()?.span(id)?;
                let ended = Arc::new(AtomicBool::new(false));
                span.extensions_mut().insert(Ended(ended.clone()));
                Some(ended)
            })
            .flatten();
        Statements {
            future: Box::pin(future.instrument(span)),
            ended,
            done: false,
        }
    }
}

impl<F: Future> Future for Statements<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let polled = self.future.as_mut().poll(cx);
        if polled.is_ready() {
            self.done = true;
        }
        polled
    }
}

impl<F> Drop for Statements<F> {
    /// Marks the statements before the execution (and the connections it holds) is
    /// dropped, so that a connection that goes back to the pool meets the mark.
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Some(ended) = &self.ended {
            ENDED_RUNNING.fetch_add(1, Ordering::Relaxed);
            ended.store(true, Ordering::Relaxed);
        }
        ABANDONED_AT.store(since_start(), Ordering::Relaxed);
    }
}

/// When a request last ended before its answer, in milliseconds since [`START`] (0:
/// never).
static ABANDONED_AT: AtomicU64 = AtomicU64::new(0);

/// The instant the process's clock counts from.
static START: OnceLock<Instant> = OnceLock::new();

/// Milliseconds since [`START`], at least 1.
fn since_start() -> u64 {
    let start = START.get_or_init(Instant::now);
    u64::try_from(start.elapsed().as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// Whether a request ended before its answer within the last [`ABANDON_WINDOW`]: then
/// the PostgreSQL connections that come back to their pool are checked.
pub(crate) fn abandoned_recently() -> bool {
    let at = ABANDONED_AT.load(Ordering::Relaxed);
    at != 0 && since_start().saturating_sub(at) <= ABANDON_WINDOW.as_millis() as u64
}

/// Whether the statement running on this thread belongs to a request that has ended: for
/// SQLite's progress handler, which runs on the connection's thread inside the span the
/// statement was sent in.
pub(crate) fn stopped() -> bool {
    if ENDED_RUNNING.load(Ordering::Relaxed) == 0 {
        return false;
    }
    Span::current()
        .with_subscriber(|(id, dispatch)| {
            let registry = dispatch.downcast_ref::<Registry>()?;
            let span = registry.span(id)?;
            let ended = span.scope().any(|s| {
                s.extensions()
                    .get::<Ended>()
                    .is_some_and(|e| e.0.load(Ordering::Relaxed))
            });
            Some(ended)
        })
        .flatten()
        .unwrap_or(false)
}
