//! A child process driven by a test: its output collected line by line by background threads,
//! an address read from the line it announces itself with, signals, bounded waits, and a kill
//! on drop so that a failing test never leaves a server behind.
//!
//! # Examples
//!
//! ```no_run
//! use std::{process::Command, time::Duration};
//! use test_support::process::{Process, http_get};
//!
//! let mut command = Command::new("quo-webhooks");
//! command.args(["serve", "--listen", "127.0.0.1:0"]);
//! let mut serve = Process::spawn(command);
//! let addr = serve.address_after("listening on http://");
//! assert_eq!(http_get(addr, "/healthz").0, 200);
//! serve.signal("TERM");
//! serve.exits_within(Duration::from_secs(5));
//! ```

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpStream},
    process::{Child, ChildStdout, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex, PoisonError},
    thread,
    time::{Duration, Instant},
};

/// How long [`Process::address_after`] and [`Process::stdout_line_with`] wait.
const ANNOUNCE_TIMEOUT: Duration = Duration::from_secs(30);

/// What happens to a child's standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stdout {
    /// Collected line by line ([`Process::stdout`]).
    Collect,
    /// Read and thrown away, so that the child never blocks on a full pipe.
    Discard,
    /// Left unread, for the test to take ([`Process::take_stdout`]).
    Leave,
}

type Lines = Arc<Mutex<Vec<String>>>;

/// A child process with piped output, killed (and reaped) on drop.
#[derive(Debug)]
pub struct Process {
    /// The child itself, for what this type does not wrap.
    pub child: Child,
    stdout: Option<ChildStdout>,
    out: Lines,
    err: Lines,
}

impl Process {
    /// Spawns `command` with its standard output and error collected line by line.
    ///
    /// # Panics
    ///
    /// When the command cannot be spawned.
    #[must_use]
    pub fn spawn(command: Command) -> Self {
        Self::spawn_with(command, Stdout::Collect)
    }

    /// Spawns `command`, its standard error collected and its standard output as `stdout` says.
    ///
    /// # Panics
    ///
    /// When the command cannot be spawned.
    #[must_use]
    pub fn spawn_with(mut command: Command, stdout: Stdout) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn {command:?}: {e}"));
        let out = Lines::default();
        let err = Lines::default();
        if let Some(stream) = child.stderr.take() {
            collect(stream, Arc::clone(&err));
        }
        let mut piped = child.stdout.take();
        match stdout {
            Stdout::Collect => {
                if let Some(stream) = piped.take() {
                    collect(stream, Arc::clone(&out));
                }
            }
            Stdout::Discard => {
                if let Some(mut stream) = piped.take() {
                    thread::spawn(move || io_sink(&mut stream));
                }
            }
            Stdout::Leave => {}
        }
        Self {
            child,
            stdout: piped,
            out,
            err,
        }
    }

    /// The lines written to standard output so far (with [`Stdout::Collect`]).
    #[must_use]
    pub fn stdout(&self) -> Vec<String> {
        lock(&self.out).clone()
    }

    /// Everything written to standard error so far, one line after another.
    #[must_use]
    pub fn stderr(&self) -> String {
        lock(&self.err).join("\n")
    }

    /// Standard output, once, when it was left to the test ([`Stdout::Leave`]).
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.stdout.take()
    }

    /// Waits (30 s at most) for a line of standard output that contains `needle`.
    ///
    /// # Panics
    ///
    /// When none comes, or the process exits first; the message holds both outputs.
    #[must_use]
    pub fn stdout_line_with(&mut self, needle: &str) -> String {
        self.wait_for(
            false,
            |line| line.contains(needle).then(|| line.to_owned()),
            needle,
        )
    }

    /// Waits (30 s at most) for the line, on either output, that contains `marker` followed by
    /// an address (`listening on http://127.0.0.1:PORT/...`), and returns that address.
    ///
    /// # Panics
    ///
    /// When no such line comes, or the process exits first.
    #[must_use]
    pub fn address_after(&mut self, marker: &str) -> SocketAddr {
        self.wait_for(
            true,
            |line| {
                let (_, rest) = line.split_once(marker)?;
                let end = rest
                    .find(|c: char| c == '/' || c.is_whitespace())
                    .unwrap_or(rest.len());
                rest[..end].parse().ok()
            },
            marker,
        )
    }

    /// Polls the collected output (standard error too when `stderr`) for a line `find` accepts.
    fn wait_for<T>(
        &mut self,
        stderr: bool,
        mut find: impl FnMut(&str) -> Option<T>,
        what: &str,
    ) -> T {
        let started = Instant::now();
        loop {
            let streams = if stderr {
                [Some(&self.out), Some(&self.err)]
            } else {
                [Some(&self.out), None]
            };
            for lines in streams.into_iter().flatten() {
                if let Some(found) = lock(lines).iter().find_map(|l| find(l)) {
                    return found;
                }
            }
            let exited = self.child.try_wait().ok().flatten();
            assert!(
                exited.is_none() && started.elapsed() < ANNOUNCE_TIMEOUT,
                "no line with {what:?} ({}); stdout: {:?}; stderr:\n{}",
                exited.map_or_else(|| "timed out".to_owned(), |s| format!("exited: {s}")),
                self.stdout(),
                self.stderr()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The child's process id.
    #[must_use]
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends the signal `name` (`TERM`, `INT`, `STOP`, ...) with `kill`.
    ///
    /// # Panics
    ///
    /// When `kill` fails.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([format!("-{name}"), self.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -{name} {} failed", self.id());
    }

    /// Kills the process (`SIGKILL`: nothing flushed or closed) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The exit status, if it has exited.
    ///
    /// # Panics
    ///
    /// When the status cannot be read.
    #[must_use]
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("read the child's status")
    }

    /// Waits for the process to exit, for `limit` at most, and returns how long it took.
    ///
    /// # Panics
    ///
    /// When it is still running after `limit`; the message holds its standard error.
    pub fn exits_within(&mut self, limit: Duration) -> Duration {
        let started = Instant::now();
        loop {
            if self.try_wait().is_some() {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < limit,
                "still running {limit:?} later; stderr:\n{}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

fn lock(lines: &Lines) -> std::sync::MutexGuard<'_, Vec<String>> {
    lines.lock().unwrap_or_else(PoisonError::into_inner)
}

fn collect(stream: impl Read + Send + 'static, lines: Lines) {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            lock(&lines).push(line);
        }
    });
}

fn io_sink(stream: &mut impl Read) {
    let _ = std::io::copy(stream, &mut std::io::sink());
}

/// A plain HTTP/1.1 `GET` on a new connection (10 s read timeout): the status and the body.
///
/// # Panics
///
/// When the server cannot be reached or does not answer with an HTTP status line.
#[must_use]
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a read timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read the answer");
    let status = raw
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {raw:?}"));
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Polls `condition` every 50 ms until it holds.
///
/// # Panics
///
/// When it does not hold within `limit`.
pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < limit,
            "condition not met within {limit:?}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// A port on 127.0.0.1 that was free a moment ago, for a server a test starts on a known port.
///
/// # Panics
///
/// When no port can be bound.
#[must_use]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind a free port")
        .port()
}
