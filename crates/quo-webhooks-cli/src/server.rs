//! The HTTP server under `serve`: HTTP/1.1 and HTTP/2 (h2c, prior knowledge) on one port, with
//! the limits that keep slow or hostile clients from taking the receiver down, and a bounded
//! shutdown.
//!
//! - a request head must arrive within `header_timeout` (a client sending it one byte at a time
//!   is cut off), and its body within `body_timeout`;
//! - a connection with no traffic and no request being answered for `idle_timeout` is closed;
//! - at most `max_connections` connections are served at once; one more is answered 503 with
//!   `Retry-After` and closed, at once, rather than left waiting;
//! - a request with both `Content-Length` and `Transfer-Encoding` is refused with 400 (RFC 9112
//!   section 6.1: the request-smuggling rule);
//! - a connection closed with part of a request unread (a 413 for a body over the limit) is
//!   drained for a while first, so that the client gets to read the answer instead of a reset;
//! - on SIGTERM or Ctrl-C the server stops accepting, lets in-flight requests finish for up to
//!   `shutdown_grace`, then returns; a second signal exits at once.

use std::{
    convert::Infallible,
    future::Future,
    io,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll, ready},
    time::{Duration, Instant},
};

use axum::{Router, body::Body};
use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{Semaphore, watch},
    time::Sleep,
};
use tower::ServiceExt;

use crate::framing::{Framing, FramingScanner};

/// How much of an unread request is drained before closing, and for how long at most.
const DRAIN_BYTES: u64 = 16 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// The limits of [`serve`]; each is a flag of `serve`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) header_timeout: Duration,
    pub(crate) body_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) shutdown_grace: Duration,
}

/// Serve `app` on `listener` until a signal, then shut down within the grace period. `true`
/// when every connection finished within it.
pub(crate) async fn serve(listener: TcpListener, app: Router, limits: Limits) -> io::Result<bool> {
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(256);

    let signal = async {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight deliveries");
    };
    tokio::pin!(signal);
    loop {
        let (stream, _peer) = tokio::select! {
            biased;
            () = &mut signal => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // keep serving the connections we have.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let conn = Conn::new(stream);
        let service = ConnService {
            app: app.clone(),
            body_timeout: limits.body_timeout,
            state: conn.state.clone(),
        };
        let builder = builder.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let state = conn.state.clone();
            let connection = builder.serve_connection(TokioIo::new(conn), service);
            tokio::pin!(connection);
            let mut shutting_down = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    changed = stop.changed(), if !shutting_down => {
                        let _ = changed;
                        shutting_down = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    () = state.idle_for(limits.idle_timeout, limits.header_timeout) => {
                        tracing::debug!("closing an idle or too slow connection");
                        break;
                    }
                }
            }
        });
    }

    // Stop accepting, ask every connection to finish its request and close, and wait for them
    // for the grace period; a second signal cuts it short.
    drop(listener);
    let _ = stop_tx.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    tokio::select! {
        finished = tokio::time::timeout(limits.shutdown_grace, connections.acquire_many(all)) => {
            if finished.is_err() {
                tracing::warn!(
                    grace = ?limits.shutdown_grace,
                    "shutdown grace period over; closing the connections still open"
                );
            }
            Ok(finished.is_ok())
        }
        () = shutdown_signal() => {
            eprintln!("second signal: exiting now");
            std::process::exit(1);
        }
    }
}

/// The answer to a connection over the limit: 503 with `Retry-After`, then close.
async fn refuse(mut stream: TcpStream) {
    const BODY: &str = r#"{"error":"too_many_connections","message":"the receiver is at its connection limit; retry later"}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let write = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        // Read what the client sent so that closing does not reset the connection before it
        // read the answer; briefly, as this connection is over the limit.
        let mut sink = tokio::io::sink();
        let mut limited = tokio::io::AsyncReadExt::take(&mut stream, 64 * 1024);
        tokio::io::copy(&mut limited, &mut sink).await?;
        io::Result::Ok(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

/// What a connection's task knows of its traffic.
#[derive(Debug)]
struct ConnState {
    opened: Instant,
    /// Milliseconds since `opened` of the last byte read or written.
    last_activity: AtomicU64,
    /// Requests being answered now.
    active: AtomicUsize,
    /// Requests received so far.
    requests: AtomicUsize,
    /// The framing headers of each request head read, in order (HTTP/1 only).
    framing: Mutex<FramingScanner>,
}

impl ConnState {
    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity.store(ms, Ordering::Relaxed);
    }

    /// Resolves when the connection should be closed: no request has arrived within the header
    /// timeout of opening (a client stalling before its first request line is complete, which
    /// hyper's own header timeout does not see while the HTTP version is being detected), or
    /// it carried no traffic and answered no request for the idle timeout.
    async fn idle_for(&self, idle: Duration, header: Duration) {
        let tick = (idle.min(header) / 4).max(Duration::from_millis(10));
        loop {
            tokio::time::sleep(tick).await;
            let now = self.opened.elapsed();
            if self.requests.load(Ordering::Relaxed) == 0 && now >= header {
                return;
            }
            let last = Duration::from_millis(self.last_activity.load(Ordering::Relaxed));
            if self.active.load(Ordering::Relaxed) == 0 && now.saturating_sub(last) >= idle {
                return;
            }
        }
    }
}

/// A TCP connection that records its traffic and, when closed, first drains what the client is
/// still sending (bounded), so that the client reads our answer instead of a reset.
struct Conn {
    stream: TcpStream,
    state: Arc<ConnState>,
    drain: Option<Drain>,
}

struct Drain {
    read: u64,
    deadline: Pin<Box<Sleep>>,
}

impl Conn {
    fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            state: Arc::new(ConnState {
                opened: Instant::now(),
                last_activity: AtomicU64::new(0),
                active: AtomicUsize::new(0),
                requests: AtomicUsize::new(0),
                framing: Mutex::new(FramingScanner::default()),
            }),
            drain: None,
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        let read = &buf.filled()[before..];
        if !read.is_empty() {
            this.state.touch();
            this.state
                .framing
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .feed(read);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.stream).poll_write(cx, buf))?;
        if n > 0 {
            this.state.touch();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.drain.is_none() {
            ready!(Pin::new(&mut this.stream).poll_shutdown(cx))?;
            this.drain = Some(Drain {
                read: 0,
                deadline: Box::pin(tokio::time::sleep(DRAIN_TIME)),
            });
        }
        let Some(drain) = this.drain.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let mut scratch = [0u8; 8192];
        loop {
            if drain.read >= DRAIN_BYTES || drain.deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(()));
            }
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.stream).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => drain.read += buf.filled().len() as u64,
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.stream).poll_write_vectored(cx, bufs))?;
        if n > 0 {
            this.state.touch();
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Hands each request of one connection to the app, with the body's time limit.
#[derive(Clone)]
struct ConnService {
    app: Router,
    body_timeout: Duration,
    state: Arc<ConnState>,
}

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        self.state.requests.fetch_add(1, Ordering::Relaxed);
        let framing = if req.version() < http::Version::HTTP_2 {
            self.state
                .framing
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .next_head()
        } else {
            None
        };
        if framing == Some(Framing::Ambiguous) {
            return Box::pin(std::future::ready(Ok(ambiguous_framing())));
        }
        let state = self.state.clone();
        state.active.fetch_add(1, Ordering::Relaxed);
        let active = ActiveGuard(state);
        let req = req.map(|body| Body::new(TimeoutBody::new(body, self.body_timeout)));
        let app = self.app.clone();
        Box::pin(async move {
            let _active = active;
            app.oneshot(req).await
        })
    }
}

struct ActiveGuard(Arc<ConnState>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

fn ambiguous_framing() -> Response<Body> {
    let body = r#"{"error":"ambiguous_framing","message":"a request may not carry both Content-Length and Transfer-Encoding"}"#;
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = StatusCode::BAD_REQUEST;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    res.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    res
}

/// A request body that fails once it has taken longer than its time limit to arrive.
struct TimeoutBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
    limit: Duration,
}

impl TimeoutBody {
    fn new(inner: Incoming, limit: Duration) -> Self {
        Self {
            inner,
            deadline: Box::pin(tokio::time::sleep(limit)),
            limit,
        }
    }
}

/// The body did not arrive in time.
#[derive(Debug)]
struct BodyTimedOut(Duration);

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request body not received within {:?}", self.0)
    }
}

impl std::error::Error for BodyTimedOut {}

impl HttpBody for TimeoutBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut(this.limit)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The first SIGTERM or Ctrl-C.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
