//! Test helpers: a throwaway `redis-server` per test, a throwaway 3-node Redis Cluster,
//! [`process::Process`], a child process (our own command, say) driven by a test, and
//! [`alone::alone`], which runs a test in a process of its own.
//!
//! Each server listens on 127.0.0.1 on a free port, keeps nothing on disk (`--save ""`,
//! `--appendonly no`), writes its log into its own temporary directory, and is killed when the
//! value is dropped. Tests never depend on a server someone else started.
//!
//! The binaries are found on `PATH`, or through the environment variables `REDIS_SERVER_BIN`
//! and `REDIS_CLI_BIN` (the latter only for clusters).
//!
//! # Examples
//!
//! ```no_run
//! use test_support::RedisServer;
//!
//! let mut server = RedisServer::start();
//! let url = server.url(); // "redis://127.0.0.1:PORT"
//! # let _ = url;
//! server.stop(); // simulate Redis dying mid-run
//! server.restart(); // back on the same port
//! ```

use std::{
    env,
    fs::{self, File},
    io::{self, Read, Write},
    net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use tempfile::TempDir;

pub mod alone;
pub mod process;

/// How many ports to try before giving up on starting a server.
const START_ATTEMPTS: usize = 8;
/// How long a freshly spawned server may take to answer `PING`.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Cluster nodes also bind `port + 10000` (the cluster bus), so every port stays below this.
const MAX_PORT: u16 = 55_000;
/// A shared server may run on the default port; never touch it.
const RESERVED_PORT: u16 = 6379;
/// The file a cluster node keeps its view of the cluster in, inside its own directory.
const NODES_CONF: &str = "nodes.conf";

/// A `redis-server` process of our own, killed on drop.
///
/// See the [crate docs](crate) for an example.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: TempDir,
    extra_args: Vec<String>,
    child: Option<Child>,
}

impl RedisServer {
    /// Start a standalone `redis-server` on a free port and wait until it answers `PING`.
    ///
    /// # Panics
    ///
    /// Panics if `redis-server` (or `$REDIS_SERVER_BIN`) cannot be found or run, or if it does
    /// not come up after several attempts; the message includes the server's log.
    #[must_use]
    pub fn start() -> Self {
        Self::start_with(Vec::new(), false)
    }

    fn start_with(extra_args: Vec<String>, needs_bus_port: bool) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("redis-test-")
            .tempdir()
            .unwrap_or_else(|e| {
                panic!("cannot create a temporary directory for redis-server: {e}")
            });
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port(needs_bus_port);
            // A failed attempt may have left a nodes.conf naming the old port.
            let _ = fs::remove_file(dir.path().join(NODES_CONF));
            match spawn(port, dir.path(), &extra_args) {
                Ok(child) => {
                    return Self {
                        port,
                        dir,
                        extra_args,
                        child: Some(child),
                    };
                }
                // Most likely someone took the port between our probe and redis binding it.
                Err(e) => last_error = e,
            }
        }
        panic!("redis-server did not start after {START_ATTEMPTS} attempts: {last_error}");
    }

    /// The TCP port the server listens on (on 127.0.0.1).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connection URL, `redis://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Whether the server process is running (it is, unless [`stop`](Self::stop) was called).
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Kill the server (SIGKILL) and wait for it to exit, as if Redis died mid-run.
    ///
    /// Connections to it break at once. Does nothing if it is already stopped.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // An error here means the process is already gone, which is what we want.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freeze the server (SIGSTOP), as a Redis stalled by a fork, swap or a paused VM: its
    /// connections stay open and accept bytes, but nothing is answered until
    /// [`resume`](Self::resume). Commands sent meanwhile run when it resumes.
    ///
    /// # Panics
    ///
    /// Panics if the server is stopped or the signal cannot be sent.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Let a [paused](Self::pause) server run again (SIGCONT).
    ///
    /// # Panics
    ///
    /// Panics if the server is stopped or the signal cannot be sent.
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let child = self
            .child
            .as_ref()
            .unwrap_or_else(|| panic!("redis-server on port {} is stopped", self.port));
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("cannot run `kill {signal}`: {e}"));
        assert!(status.success(), "`kill {signal}` failed: {status}");
    }

    /// Start the server again on the same port (stopping it first if it is running), and wait
    /// until it answers `PING`. Its data is gone: nothing is persisted.
    ///
    /// # Panics
    ///
    /// Panics if the server does not come back within a few seconds (for example because
    /// another process took the port meanwhile).
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match spawn(self.port, self.dir.path(), &self.extra_args) {
                Ok(child) => {
                    self.child = Some(child);
                    return;
                }
                Err(e) if Instant::now() >= deadline => {
                    panic!("redis-server did not restart on port {}: {e}", self.port)
                }
                // The old socket may linger for a moment.
                Err(_) => thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A 3-master Redis Cluster of our own (no replicas), killed on drop.
///
/// # Examples
///
/// ```no_run
/// use test_support::RedisCluster;
///
/// let cluster = RedisCluster::start();
/// assert_eq!(cluster.urls().len(), 3);
/// ```
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Start three cluster-enabled servers, join them with `redis-cli --cluster create`, and wait
    /// until every node reports `cluster_state:ok`.
    ///
    /// # Panics
    ///
    /// Panics if `redis-server` or `redis-cli` (or `$REDIS_SERVER_BIN`, `$REDIS_CLI_BIN`)
    /// cannot be found or run, or if the cluster does not form; the message says why.
    #[must_use]
    pub fn start() -> Self {
        let mut last_error = String::new();
        for _ in 0..3 {
            let nodes: Vec<RedisServer> = (0..3)
                .map(|_| {
                    RedisServer::start_with(
                        [
                            "--cluster-enabled",
                            "yes",
                            "--cluster-config-file",
                            NODES_CONF,
                            "--cluster-node-timeout",
                            "2000",
                        ]
                        .map(String::from)
                        .to_vec(),
                        true,
                    )
                })
                .collect();
            let cluster = Self { nodes };
            match cluster.create().and_then(|()| cluster.wait_until_ok()) {
                Ok(()) => return cluster,
                // Dropping `cluster` kills its nodes before the next attempt.
                Err(e) => last_error = e,
            }
        }
        panic!("the Redis Cluster did not form: {last_error}");
    }

    /// The nodes' TCP ports (on 127.0.0.1).
    #[must_use]
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(RedisServer::port).collect()
    }

    /// The nodes' connection URLs, `redis://127.0.0.1:PORT` each.
    #[must_use]
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    fn create(&self) -> Result<(), String> {
        let bin = env::var("REDIS_CLI_BIN").unwrap_or_else(|_| "redis-cli".to_owned());
        let output = Command::new(&bin)
            .arg("--cluster")
            .arg("create")
            .args(self.ports().iter().map(|p| format!("127.0.0.1:{p}")))
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run `{bin}` ({e}): install Redis (it ships redis-cli) \
                     or set REDIS_CLI_BIN to its path"
                )
            });
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "`{bin} --cluster create` failed with {}:\n{}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
            ))
        }
    }

    fn wait_until_ok(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        for port in self.ports() {
            loop {
                match command(port, "CLUSTER INFO") {
                    Ok(info) if info.contains("cluster_state:ok") => break,
                    _ if Instant::now() >= deadline => {
                        return Err(format!(
                            "node on port {port} never reached cluster_state:ok"
                        ));
                    }
                    _ => thread::sleep(Duration::from_millis(50)),
                }
            }
        }
        Ok(())
    }
}

/// A port that is free right now and below [`MAX_PORT`]; with `needs_bus_port`, `port + 10000`
/// is free too.
fn free_port(needs_bus_port: bool) -> u16 {
    for _ in 0..1000 {
        let Ok(listener) = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)) else {
            continue;
        };
        let Ok(addr) = listener.local_addr() else {
            continue;
        };
        let port = addr.port();
        if port >= MAX_PORT || port == RESERVED_PORT {
            continue;
        }
        if needs_bus_port && TcpListener::bind((Ipv4Addr::LOCALHOST, port + 10_000)).is_err() {
            continue;
        }
        return port;
    }
    panic!("found no free TCP port on 127.0.0.1 below {MAX_PORT}");
}

/// Spawn `redis-server` on `port` and wait until it answers `PING`. On failure the process is
/// killed and the error carries the tail of its log.
fn spawn(port: u16, dir: &Path, extra_args: &[String]) -> Result<Child, String> {
    let bin = env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".to_owned());
    let log = dir.join("redis.log");
    let stderr_path = dir.join("stderr.log");
    let stderr = File::create(&stderr_path)
        .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
    let mut child = Command::new(&bin)
        .arg("--port")
        .arg(port.to_string())
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--daemonize", "no"])
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(&log)
        .args(extra_args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{bin}` ({e}): install Redis (e.g. `apt install redis-server`) \
                 or set REDIS_SERVER_BIN to its path"
            )
        });

    let deadline = Instant::now() + READY_TIMEOUT;
    let failure = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break format!("redis-server on port {port} exited with {status}");
        }
        if command(port, "PING").is_ok_and(|reply| reply == "PONG") {
            return Ok(child);
        }
        if Instant::now() >= deadline {
            break format!("redis-server on port {port} did not answer PING in {READY_TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let _ = child.kill();
    let _ = child.wait();
    Err(format!(
        "{failure}\n--- log ---\n{}\n--- stderr ---\n{}",
        tail(&log),
        tail(&stderr_path)
    ))
}

fn tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Send one inline command over raw TCP and read a simple, error, integer or bulk reply.
fn command(port: u16, line: &str) -> io::Result<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(format!("{line}\r\n").as_bytes())?;

    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(2).position(|w| w == b"\r\n") else {
            continue;
        };
        let header = String::from_utf8_lossy(&buf[1..end]).into_owned();
        match buf[0] {
            b'+' | b':' => return Ok(header),
            b'-' => return Err(io::Error::other(header)),
            // A nil bulk reply (a missing key).
            b'$' if header == "-1" => return Ok(String::new()),
            b'$' => {
                let len: usize = header
                    .parse()
                    .map_err(|_| io::Error::other(format!("bad bulk length {header:?}")))?;
                let start = end + 2;
                if buf.len() >= start + len {
                    return Ok(String::from_utf8_lossy(&buf[start..start + len]).into_owned());
                }
            }
            _ => return Err(io::Error::other("unexpected reply")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_answers_and_restarts_on_the_same_port() {
        let mut server = RedisServer::start();
        let port = server.port();
        assert_ne!(port, RESERVED_PORT);
        assert_eq!(command(port, "PING").unwrap(), "PONG");
        assert_eq!(command(port, "SET k v").unwrap(), "OK");

        server.stop();
        assert!(command(port, "PING").is_err());

        server.restart();
        assert_eq!(server.port(), port);
        assert_eq!(command(port, "PING").unwrap(), "PONG");
        // Nothing was persisted.
        assert_eq!(command(port, "GET k").unwrap(), "");
    }

    #[test]
    fn paused_server_answers_nothing_until_resumed() {
        let server = RedisServer::start();
        server.pause();
        // Connecting still works (the kernel accepts), but no reply comes.
        assert!(command(server.port(), "PING").is_err());
        server.resume();
        assert_eq!(command(server.port(), "PING").unwrap(), "PONG");
    }

    #[test]
    fn cluster_forms_with_three_masters() {
        let cluster = RedisCluster::start();
        assert_eq!(cluster.urls().len(), 3);
        for port in cluster.ports() {
            let info = command(port, "CLUSTER INFO").unwrap();
            assert!(info.contains("cluster_known_nodes:3"), "{info}");
        }
    }
}
