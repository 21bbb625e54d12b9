//! The store's own pipelined connection to one Redis server over TCP, for its four commands
//! (`SET ... NX PX GET`, and `EVALSHA`/`EVAL` of three short scripts).
//!
//! Why not `redis`'s multiplexed connection, which the store used before: each command there
//! costs a `Cmd` built and packed, a channel hop to the connection's driver task, a response
//! timer, a general reply parser, and a `writev` of its own (the driver runs right after each
//! sender, so under load concurrent deliveries never shared a write: three `writev` per
//! delivery in `benches/load.sh`, one of them the HTTP answer). The store's replies are four
//! kinds of one line (`+`, `-`, `:`, `$`), so this connection writes commands straight into
//! one buffer that callers share; a task of its own writes whatever has queued in one
//! `write` (about 1.45 writes per delivery under the same load, the answer included), reads
//! the replies in order and hands each to its caller. `BENCHMARKS.md` has the figures.
//! `redis` still parses the URL, serves the cluster store, every other command, and
//! `rediss://` and Unix-socket URLs, which this connection does not speak.
//!
//! Failure handling, as the store needs it:
//! - Redis not reachable: connecting fails or times out after [`CONNECT_TIMEOUT`]; the
//!   commands that were waiting fail with the reason, as refusals (they were never sent, so
//!   the store has nothing to undo).
//! - No reply within [`RESPONSE_TIMEOUT`] of a command's write: every command sent on that
//!   connection fails with a timeout, and the connection is dropped (a frozen Redis may still
//!   run them later; the store undoes such claims). The next command connects again.
//! - A broken connection or a reply that is not RESP: the same.
//! - Commands queued but not yet written when a connection breaks go out on the next one.
//! - An idle connection is watched: closed by Redis (its `timeout`, a restart) or a proxy, it
//!   is dropped at once, and the next command connects again.
//! - A failed connect is not retried: the waiting commands fail at once (the layer answers
//!   503 and the sender retries later), and the next command tries again. Before answering,
//!   a command can wait for one connect, one write and one reply (about 3 s at most); the
//!   layer's own store timeout (2 s by default) answers 503 first.
//! - The task gone (its runtime shut down, a panic): waiting commands fail, later ones are
//!   refused.

use std::{
    collections::VecDeque,
    io,
    sync::{Arc, Mutex, PoisonError, Weak},
};

use redis::{ConnectionInfo, RedisError, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::{Notify, oneshot},
    time::{Instant, timeout},
};

use super::{CONNECTION_TIMEOUT as CONNECT_TIMEOUT, RESPONSE_TIMEOUT};

/// Commands waiting for a reply, at most, and bytes of commands not yet written; beyond
/// either a command fails at once (Redis is far behind, and a delivery is better answered 503
/// now than held).
const MAX_WAITING: usize = 1 << 16;
const MAX_UNWRITTEN: usize = 8 << 20;
/// The read buffer starts at this size and grows only for a reply longer than it.
const READ_CHUNK: usize = 16 * 1024;
/// The longest reply line or bulk string taken: the store's replies are a token or a number,
/// and an error line; anything longer is not a reply to its commands, and is refused rather
/// than buffered without end.
const MAX_REPLY: usize = 64 * 1024;

/// Where and how to connect: a TCP address and the handshake `redis` parsed from the URL.
pub(super) struct Target {
    host: String,
    port: u16,
    username: Option<String>,
    password: Option<String>,
    db: i64,
}

impl Target {
    /// The target of a `redis://` URL, or `None` for anything this connection does not speak
    /// (TLS, Unix sockets).
    pub(super) fn of(info: &ConnectionInfo) -> Option<Self> {
        let redis::ConnectionAddr::Tcp(host, port) = info.addr() else {
            return None;
        };
        let settings = info.redis_settings();
        Some(Self {
            host: host.clone(),
            port: *port,
            username: settings.username().map(str::to_owned),
            password: settings.password().map(str::to_owned),
            db: settings.db(),
        })
    }
}

/// A cheap handle on the connection; clones share it. The task that owns the socket ends when
/// the last handle is dropped.
#[derive(Clone)]
pub(super) struct Link {
    shared: Arc<Shared>,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Wakes the connection's task: work queued, or the last handle dropped.
    wake: Arc<Notify>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.wake.notify_one();
    }
}

type Reply = oneshot::Sender<Result<Value, RedisError>>;

#[derive(Default)]
struct Queue {
    /// Commands encoded and not yet written, in order.
    out: Vec<u8>,
    /// How many commands `out` holds.
    unsent: usize,
    /// One per command sent and not yet answered, then one per command in `out`, in order.
    waiting: VecDeque<Reply>,
    /// The connection's task has ended (its runtime shut down, or it panicked).
    closed: bool,
}

impl Link {
    /// Starts the connection's task on the current runtime; it connects on the first command.
    pub(super) fn spawn(target: Target) -> Self {
        let wake = Arc::new(Notify::new());
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            wake: Arc::clone(&wake),
        });
        // The guard goes into the task's future, so that it fires even if the task is dropped
        // before it first runs.
        tokio::spawn(run(Closing(Arc::downgrade(&shared)), wake, target));
        Self { shared }
    }

    /// Sends the command made of `args` and waits for its reply. A server's error reply is
    /// `Ok(Value::ServerError)`, as `redis` gives it.
    pub(super) async fn query(&self, args: &[&[u8]]) -> Result<Value, RedisError> {
        let (reply, answer) = oneshot::channel();
        {
            let mut queue = self.lock();
            // Never sent: refusals, so the store knows there is nothing to undo.
            if queue.closed {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    "the Redis store's connection task has stopped",
                )
                .into());
            }
            if queue.waiting.len() >= MAX_WAITING || queue.out.len() >= MAX_UNWRITTEN {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    "too many Redis commands waiting for a reply",
                )
                .into());
            }
            encode(&mut queue.out, args);
            queue.unsent += 1;
            queue.waiting.push_back(reply);
        }
        self.shared.wake.notify_one();
        answer.await.map_err(|_| stopped())?
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn stopped() -> RedisError {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "the Redis store's connection task has stopped",
    )
    .into()
}

/// A number's decimal digits, without an allocation.
pub(super) struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    pub(super) fn new(mut n: u64) -> Self {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            // One decimal digit.
            #[allow(clippy::cast_possible_truncation)]
            {
                digits[start] = b'0' + (n % 10) as u8;
            }
            n /= 10;
            if n == 0 {
                break;
            }
        }
        Self { digits, start }
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.digits[self.start..]
    }
}

/// Writes one command in RESP: an array of bulk strings.
fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    fn header(out: &mut Vec<u8>, kind: u8, n: usize) {
        out.push(kind);
        out.extend_from_slice(Decimal::new(n as u64).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    header(out, b'*', args.len());
    for arg in args {
        header(out, b'$', arg.len());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// One reply from the front of `buf`: the value and how many bytes it took, `Ok(None)` if
/// `buf` does not hold a whole reply yet, or an error for anything that is not one of the
/// four kinds the store's commands get back.
fn parse(buf: &[u8]) -> Result<Option<(Value, usize)>, RedisError> {
    let Some(end) = buf.windows(2).position(|w| w == b"\r\n") else {
        if buf.len() > MAX_REPLY {
            return Err(protocol("a reply line longer than any the store expects"));
        }
        return Ok(None);
    };
    let (Some(&kind), line) = (buf.first(), &buf[1.min(end)..end]) else {
        return Ok(None);
    };
    let after = end + 2;
    let value = match kind {
        b'+' if line == b"OK" => Value::Okay,
        b'+' => Value::SimpleString(String::from_utf8_lossy(line).into_owned()),
        b'-' => {
            // `redis` classifies the error (NOSCRIPT, WRONGTYPE, ...) for the store to read.
            let value = redis::parse_redis_value(&buf[..after])?;
            return Ok(Some((value, after)));
        }
        b':' => Value::Int(number(line)?),
        b'$' => {
            let len = number(line)?;
            if len < 0 {
                return Ok(Some((Value::Nil, after)));
            }
            let len = usize::try_from(len)
                .ok()
                .filter(|&len| len <= MAX_REPLY)
                .ok_or_else(|| protocol("a bulk string longer than any the store expects"))?;
            let total = after + len + 2;
            if buf.len() < total {
                return Ok(None);
            }
            if &buf[total - 2..total] != b"\r\n" {
                return Err(protocol("a bulk string without its line end"));
            }
            return Ok(Some((
                Value::BulkString(buf[after..total - 2].to_vec()),
                total,
            )));
        }
        b'_' => Value::Nil,
        _ => return Err(protocol("a reply of a kind the store never asks for")),
    };
    Ok(Some((value, after)))
}

fn number(line: &[u8]) -> Result<i64, RedisError> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| protocol("a number that does not parse"))
}

fn protocol(what: &'static str) -> RedisError {
    RedisError::from((
        redis::ErrorKind::Parse,
        "unexpected reply from Redis",
        what.to_owned(),
    ))
}

/// Ends the link when the connection's task ends any other way than by the last handle being
/// dropped (its runtime shut down, a panic): every waiting command fails, and later ones are
/// refused, instead of waiting for a task that is gone.
struct Closing(Weak<Shared>);

impl Drop for Closing {
    fn drop(&mut self) {
        let Some(shared) = self.0.upgrade() else {
            return;
        };
        let replies: Vec<Reply> = {
            let mut queue = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.closed = true;
            queue.out.clear();
            queue.unsent = 0;
            queue.waiting.drain(..).collect()
        };
        for reply in replies {
            let _ = reply.send(Err(stopped()));
        }
    }
}

/// The connection's task: connects when there is work, writes what has queued, reads replies.
async fn run(closing: Closing, wake: Arc<Notify>, target: Target) {
    let shared = &closing.0;
    let mut connection: Option<TcpStream> = None;
    let mut write_buf = Vec::new();
    let mut read_buf = Vec::with_capacity(READ_CHUNK);
    // Batches written and not yet fully answered: when each was written, how many are left.
    let mut in_flight: VecDeque<(Instant, usize)> = VecDeque::new();
    loop {
        if let Some(stream) = connection.as_mut() {
            // Idle on an open connection: watch it, so that one Redis (or a proxy) closed is
            // noticed now, not by the next deliveries' commands.
            let idle_broken = tokio::select! {
                () = wake.notified() => false,
                ready = stream.readable() => {
                    let mut probe = [0u8; 1];
                    // End of stream, an error, or bytes nobody asked for: this connection is
                    // done. A spurious wake-up leaves it as it is.
                    !matches!(
                        ready.and_then(|()| stream.try_read(&mut probe)),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock
                    )
                }
            };
            if idle_broken {
                connection = None;
                read_buf.clear();
                continue;
            }
        } else {
            wake.notified().await;
        }
        // Every task that can run now does so before this one resumes: the commands they
        // queue go out in the same write.
        tokio::task::yield_now().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let link = Link { shared };
        if link.lock().waiting.is_empty() {
            continue;
        }
        let stream = match connection.as_mut() {
            Some(stream) => stream,
            None => match connect(&target).await {
                Ok(stream) => connection.insert(stream),
                Err(error) => {
                    // Nothing was sent: every waiting command fails with why, as a refusal
                    // (whatever the cause), so that the store knows there is nothing to undo.
                    let error = if error.is_connection_refusal() {
                        error
                    } else {
                        io::Error::new(
                            io::ErrorKind::ConnectionRefused,
                            format!("could not connect to Redis: {error}"),
                        )
                        .into()
                    };
                    fail(&link, usize::MAX, &error);
                    continue;
                }
            },
        };
        let outcome = serve(
            &link,
            &wake,
            stream,
            &mut write_buf,
            &mut read_buf,
            &mut in_flight,
        )
        .await;
        if let Err(error) = outcome {
            // Whatever was sent on this connection may or may not have run: never a refusal.
            let error = if error.is_connection_refusal() {
                io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    format!("the connection to Redis broke after commands were sent: {error}"),
                )
                .into()
            } else {
                error
            };
            let sent: usize = in_flight.drain(..).map(|(_, n)| n).sum();
            fail(&link, sent, &error);
            connection = None;
            read_buf.clear();
            // Commands queued meanwhile go out on a new connection.
            if !link.lock().waiting.is_empty() {
                wake.notify_one();
            }
        }
    }
}

/// Writes and reads until nothing waits for a reply. An error means the connection is done.
async fn serve(
    link: &Link,
    wake: &Notify,
    stream: &mut TcpStream,
    write_buf: &mut Vec<u8>,
    read_buf: &mut Vec<u8>,
    in_flight: &mut VecDeque<(Instant, usize)>,
) -> Result<(), RedisError> {
    loop {
        write_buf.clear();
        let unsent = {
            let mut queue = link.lock();
            std::mem::swap(&mut queue.out, write_buf);
            std::mem::take(&mut queue.unsent)
        };
        if unsent > 0 {
            in_flight.push_back((Instant::now(), unsent));
            match timeout(RESPONSE_TIMEOUT, stream.write_all(write_buf)).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => return Err(error.into()),
                Err(_) => return Err(timed_out()),
            }
        }
        let Some(&(oldest, _)) = in_flight.front() else {
            return Ok(());
        };
        if read_buf.capacity() - read_buf.len() < READ_CHUNK / 4 {
            read_buf.reserve(READ_CHUNK);
        }
        tokio::select! {
            read = stream.read_buf(read_buf) => match read {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "Redis closed the connection",
                    )
                    .into());
                }
                Ok(_) => answer(link, read_buf, in_flight)?,
                Err(error) => return Err(error.into()),
            },
            () = wake.notified() => tokio::task::yield_now().await,
            () = tokio::time::sleep_until(oldest + RESPONSE_TIMEOUT) => return Err(timed_out()),
        }
    }
}

/// Hands out every whole reply in `read_buf`, in order, and keeps the rest.
fn answer(
    link: &Link,
    read_buf: &mut Vec<u8>,
    in_flight: &mut VecDeque<(Instant, usize)>,
) -> Result<(), RedisError> {
    let mut at = 0;
    while let Some((value, used)) = parse(&read_buf[at..])? {
        at += used;
        let Some(batch) = in_flight.front_mut() else {
            return Err(protocol("a reply to no command"));
        };
        batch.1 -= 1;
        if batch.1 == 0 {
            in_flight.pop_front();
        }
        let reply = link.lock().waiting.pop_front();
        if let Some(reply) = reply {
            // The caller gave up waiting: nothing to tell.
            let _ = reply.send(Ok(value));
        }
    }
    read_buf.drain(..at);
    if in_flight.is_empty() && !read_buf.is_empty() {
        return Err(protocol("bytes after the last reply"));
    }
    Ok(())
}

/// Fails the first `n` waiting commands (those sent on a connection that broke) with `error`;
/// `usize::MAX`: every one, sent or not, and what was queued to be written goes too.
fn fail(link: &Link, n: usize, error: &RedisError) {
    let replies: Vec<Reply> = {
        let mut queue = link.lock();
        let n = n.min(queue.waiting.len());
        let replies = queue.waiting.drain(..n).collect();
        if queue.waiting.is_empty() {
            queue.out.clear();
            queue.unsent = 0;
        }
        replies
    };
    for reply in replies {
        let _ = reply.send(Err(error.clone()));
    }
}

fn timed_out() -> RedisError {
    io::Error::new(io::ErrorKind::TimedOut, "Redis did not answer in time").into()
}

/// Connects, and authenticates and selects the database when the URL asks for it.
async fn connect(target: &Target) -> Result<TcpStream, RedisError> {
    let connect = async {
        let mut stream = TcpStream::connect((target.host.as_str(), target.port)).await?;
        stream.set_nodelay(true)?;
        let mut handshake = Vec::new();
        let mut expected = 0;
        if let Some(password) = &target.password {
            match &target.username {
                Some(user) => encode(
                    &mut handshake,
                    &[b"AUTH", user.as_bytes(), password.as_bytes()],
                ),
                None => encode(&mut handshake, &[b"AUTH", password.as_bytes()]),
            }
            expected += 1;
        }
        if target.db != 0 {
            encode(
                &mut handshake,
                &[b"SELECT", target.db.to_string().as_bytes()],
            );
            expected += 1;
        }
        if expected > 0 {
            stream.write_all(&handshake).await?;
            let mut buf = Vec::with_capacity(256);
            let mut at = 0;
            while expected > 0 {
                match parse(&buf[at..])? {
                    Some((value, used)) => {
                        at += used;
                        expected -= 1;
                        // Never the command itself in the error: it holds the password.
                        if let Value::ServerError(error) = value {
                            return Err(RedisError::from((
                                redis::ErrorKind::AuthenticationFailed,
                                "Redis refused the connection's handshake (AUTH or SELECT)",
                                error.code().to_owned(),
                            )));
                        }
                    }
                    None => {
                        if stream.read_buf(&mut buf).await? == 0 {
                            return Err(io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                "Redis closed the connection during the handshake",
                            )
                            .into());
                        }
                    }
                }
            }
        }
        Ok::<_, RedisError>(stream)
    };
    match timeout(CONNECT_TIMEOUT, connect).await {
        Ok(result) => result,
        Err(_) => Err(timed_out()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        let mut out = Vec::new();
        encode(&mut out, &[b"SET", b"k", b"", b"1234567890"]);
        assert_eq!(
            out,
            b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n$10\r\n1234567890\r\n"
        );
    }

    #[test]
    fn replies_of_each_kind_parse_and_partial_ones_wait() {
        let stream = b"+OK\r\n$-1\r\n:1\r\n$4\r\ndone\r\n-NOSCRIPT No matching script.\r\n$3\r\nab";
        let mut at = 0;
        let mut values = Vec::new();
        while let Some((value, used)) = parse(&stream[at..]).unwrap() {
            values.push(value);
            at += used;
        }
        assert_eq!(values.len(), 5);
        assert_eq!(values[0], Value::Okay);
        assert_eq!(values[1], Value::Nil);
        assert_eq!(values[2], Value::Int(1));
        assert_eq!(values[3], Value::BulkString(b"done".to_vec()));
        let Value::ServerError(error) = &values[4] else {
            panic!("{:?}", values[4]);
        };
        assert_eq!(error.kind(), Some(redis::ServerErrorKind::NoScript));
        // "$3\r\nab": the bulk string's last byte has not arrived.
        assert_eq!(&stream[at..], b"$3\r\nab");
        // Nothing, or half a line, is not a reply yet.
        assert!(parse(b"").unwrap().is_none());
        assert!(parse(b":12").unwrap().is_none());
    }

    #[test]
    fn malformed_replies_are_errors_not_panics() {
        for bad in [
            &b"*2\r\n"[..],
            b":x\r\n",
            b"$abc\r\n",
            b"$3\r\nabcde\r\n",
            b"$99999999999999999999\r\n",
            b"$9223372036854775807\r\n",
            b"?\r\n",
            b"\r\n",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    /// A fake Redis on a free port: for each connection, `answer` gets the bytes read so far
    /// and returns what to write back (and how many bytes it consumed).
    async fn fake_redis(
        answer: impl Fn(&[u8]) -> Option<(Vec<u8>, usize)> + Send + Sync + 'static,
    ) -> Target {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let answer = Arc::new(answer);
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let answer = Arc::clone(&answer);
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    loop {
                        while let Some((reply, used)) = answer(&buf) {
                            buf.drain(..used);
                            if socket.write_all(&reply).await.is_err() {
                                return;
                            }
                        }
                        match socket.read_buf(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                    }
                });
            }
        });
        local(port)
    }

    fn local(port: u16) -> Target {
        Target {
            host: "127.0.0.1".into(),
            port,
            username: None,
            password: None,
            db: 0,
        }
    }

    /// The whole first command in `buf`, as its arguments, and its length in bytes.
    fn command(buf: &[u8]) -> Option<(Vec<Vec<u8>>, usize)> {
        let text = std::str::from_utf8(buf).ok()?;
        let mut lines = text.split("\r\n");
        let n: usize = lines.next()?.strip_prefix('*')?.parse().ok()?;
        let mut args = Vec::new();
        let mut used = 1 + n.to_string().len() + 2;
        for _ in 0..n {
            let len: usize = lines.next()?.strip_prefix('$')?.parse().ok()?;
            let arg = lines.next()?;
            if arg.len() != len {
                return None;
            }
            used += 1 + len.to_string().len() + 2 + len + 2;
            args.push(arg.as_bytes().to_vec());
        }
        (used <= buf.len()).then_some((args, used))
    }

    /// Many concurrent commands on one connection: each caller gets the reply to its own
    /// command, however the commands were batched into writes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pipelined_replies_reach_their_own_callers() {
        // ECHO-like: the reply is the command's second argument as a bulk string.
        let target = fake_redis(|buf| {
            let (args, used) = command(buf)?;
            let arg = &args[1];
            let mut reply = format!("${}\r\n", arg.len()).into_bytes();
            reply.extend_from_slice(arg);
            reply.extend_from_slice(b"\r\n");
            Some((reply, used))
        })
        .await;
        let link = Link::spawn(target);
        let tasks: Vec<_> = (0..500)
            .map(|i| {
                let link = link.clone();
                tokio::spawn(async move {
                    let arg = format!("value-{i}");
                    let value = link.query(&[b"ECHO", arg.as_bytes()]).await.unwrap();
                    assert_eq!(value, Value::BulkString(arg.into_bytes()));
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    }

    /// A server that answers something that is not RESP: the command fails (no panic), and the
    /// next command is sent on a new connection.
    #[tokio::test]
    async fn a_garbage_reply_fails_the_command_and_the_next_one_reconnects() {
        let target = fake_redis(|buf| {
            let (args, used) = command(buf)?;
            let reply: &[u8] = if args[0] == b"BAD" {
                b"*1\r\n"
            } else {
                b"+PONG\r\n"
            };
            Some((reply.to_vec(), used))
        })
        .await;
        let link = Link::spawn(target);
        let error = link.query(&[b"BAD"]).await.unwrap_err();
        assert_eq!(error.kind(), redis::ErrorKind::Parse, "{error}");
        assert_eq!(
            link.query(&[b"PING"]).await.unwrap(),
            Value::SimpleString("PONG".into())
        );
    }

    /// A server that never answers: the command fails with a timeout after about a second, not
    /// never.
    #[tokio::test]
    async fn a_silent_server_times_out() {
        let target = fake_redis(|_| None).await;
        let link = Link::spawn(target);
        let started = std::time::Instant::now();
        let error = link.query(&[b"PING"]).await.unwrap_err();
        assert!(error.is_timeout(), "{error}");
        assert!(
            started.elapsed() >= RESPONSE_TIMEOUT,
            "{:?}",
            started.elapsed()
        );
        assert!(
            started.elapsed() < 3 * RESPONSE_TIMEOUT,
            "{:?}",
            started.elapsed()
        );
    }

    /// Nothing listens: the command fails as a refusal (it was never sent).
    #[tokio::test]
    async fn nothing_listening_is_a_refusal() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let link = Link::spawn(local(port));
        let error = link.query(&[b"PING"]).await.unwrap_err();
        assert!(error.is_connection_refusal(), "{error}");
    }

    /// The handshake sends AUTH with the URL's user and password and SELECT with its database,
    /// before any command; a refused AUTH fails the command without the password in the error.
    #[tokio::test]
    async fn the_handshake_authenticates_and_selects_the_database() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let mut target = fake_redis(move |buf| {
            let (args, used) = command(buf)?;
            let reply: &[u8] = if args[0] == b"AUTH" && args.last().unwrap() != b"hunter2" {
                b"-WRONGPASS invalid username-password pair\r\n"
            } else if args[0] == b"PING" {
                b"+PONG\r\n"
            } else {
                b"+OK\r\n"
            };
            log.lock().unwrap().push(args);
            Some((reply.to_vec(), used))
        })
        .await;
        target.username = Some("app".into());
        target.password = Some("hunter2".into());
        target.db = 3;
        let port = target.port;
        let link = Link::spawn(target);
        link.query(&[b"PING"]).await.unwrap();
        let commands: Vec<Vec<Vec<u8>>> = seen.lock().unwrap().clone();
        let expected: Vec<Vec<Vec<u8>>> = vec![
            vec![b"AUTH".to_vec(), b"app".to_vec(), b"hunter2".to_vec()],
            vec![b"SELECT".to_vec(), b"3".to_vec()],
            vec![b"PING".to_vec()],
        ];
        assert_eq!(commands, expected);

        let wrong = Link::spawn(Target {
            password: Some("not-it".into()),
            ..local(port)
        });
        let error = wrong.query(&[b"PING"]).await.unwrap_err().to_string();
        assert!(error.contains("handshake"), "{error}");
        assert!(!error.contains("not-it"), "{error}");
    }

    /// Redis closes an idle connection (its `timeout` setting, a restart): the link notices
    /// and the next command goes out on a new connection, without an error.
    #[tokio::test]
    async fn an_idle_connection_closed_by_redis_is_replaced_without_an_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let accepted = Arc::clone(&connections);
        tokio::spawn(async move {
            // Each connection answers one command, then is closed.
            while let Ok((mut socket, _)) = listener.accept().await {
                accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buf = Vec::new();
                while command(&buf).is_none() {
                    if socket.read_buf(&mut buf).await.unwrap_or(0) == 0 {
                        break;
                    }
                }
                let _ = socket.write_all(b"+PONG\r\n").await;
            }
        });
        let link = Link::spawn(local(port));
        for _ in 0..3 {
            assert_eq!(
                link.query(&[b"PING"]).await.unwrap(),
                Value::SimpleString("PONG".into())
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    /// The runtime that ran the connection's task is gone: commands are refused at once
    /// instead of waiting for ever.
    #[test]
    fn a_link_whose_task_is_gone_refuses_instead_of_hanging() {
        let first = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let link = first.block_on(async { Link::spawn(local(9)) });
        drop(first);
        let second = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let error = second
            .block_on(async {
                tokio::time::timeout(RESPONSE_TIMEOUT, link.query(&[b"PING"])).await
            })
            .expect("answered at once, not after a timeout")
            .unwrap_err();
        assert!(error.is_connection_refusal(), "{error}");
    }
}
