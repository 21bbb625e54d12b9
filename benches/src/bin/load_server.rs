//! The target of `benches/load.sh`: one HTTP/1.1 server on 127.0.0.1 answering the four
//! configurations of the `layer/` benchmarks on their own routes, and a signer that writes the
//! deliveries the load generator sends.
//!
//! ```text
//! load_server serve [--port N] [--workers N] [--redis URL] [--memory-capacity N]
//!     /bare /verify /memory (/redis with --redis): POST a signed delivery, get 200.
//!     --memory-capacity: the memory store's room for keys, taken at start (default 0: it
//!     grows as keys arrive).
//!     GET /stats: handler runs per route. Prints "listening 127.0.0.1:PORT" once bound.
//!     Stops on SIGINT or SIGTERM.
//! load_server sign --count N --size BYTES --out FILE --body FILE
//!     Writes BYTES of body to the body file and N lines "id<TAB>timestamp<TAB>signature",
//!     each a distinct delivery of that body signed now.
//! load_server secret
//!     Prints the benchmarks' secret as `whsec_...`, for `quo-webhooks serve --secret`.
//! ```

use std::{
    env,
    fs::File,
    io::{BufWriter, Write},
    process::ExitCode,
    sync::{Arc, atomic::Ordering},
};

use axum::{Router, routing::get};
use benches::{
    Config, Runs, bare, body, deduplicated, now_secs, roomy_memory_store, secret, verified,
};
use standard_webhooks::Verifier;
use standard_webhooks_tower::RedisStore;

type Error = Box<dyn std::error::Error>;

/// `--name value` from the arguments, parsed.
fn flag<T: std::str::FromStr>(args: &[String], name: &str) -> Result<Option<T>, Error>
where
    T::Err: std::fmt::Display,
{
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => {
            let raw = args.get(i + 1).ok_or(format!("{name} needs a value"))?;
            raw.parse()
                .map(Some)
                .map_err(|e| format!("{name} {raw}: {e}").into())
        }
    }
}

fn sign(args: &[String]) -> Result<(), Error> {
    let count: usize = flag(args, "--count")?.ok_or("--count is required")?;
    let size: usize = flag(args, "--size")?.unwrap_or(1024);
    let out: String = flag(args, "--out")?.ok_or("--out is required")?;
    let body_path: String = flag(args, "--body")?.ok_or("--body is required")?;

    let body = body(size);
    std::fs::write(&body_path, &body)?;
    let secret = secret();
    let ts = now_secs();
    let mut file = BufWriter::new(File::create(&out)?);
    for i in 0..count {
        let id = format!("msg_load{ts}x{i:09}");
        writeln!(file, "{id}\t{ts}\t{}", secret.sign(&id, ts, &body))?;
    }
    file.flush()?;
    Ok(())
}

async fn serve(args: &[String]) -> Result<(), Error> {
    let port: u16 = flag(args, "--port")?.unwrap_or(0);
    let redis_url: Option<String> = flag(args, "--redis")?;
    let memory_capacity: usize = flag(args, "--memory-capacity")?.unwrap_or(0);

    let verifier = Verifier::new(secret());
    let runs: [Runs; 4] = Default::default();
    let mut app = bare(Config::Bare.path(), runs[0].clone())
        .merge(verified(
            Config::Verify.path(),
            runs[1].clone(),
            verifier.clone(),
        ))
        .merge(deduplicated(
            Config::Memory.path(),
            runs[2].clone(),
            verifier.clone(),
            // A store that grows as the run goes (the default), or one sized up front.
            roomy_memory_store(memory_capacity),
        ));
    if let Some(url) = &redis_url {
        let store = RedisStore::open(url).await?;
        app = app.merge(deduplicated(
            Config::Redis.path(),
            runs[3].clone(),
            verifier,
            store,
        ));
    }
    let counts = Arc::new(runs);
    let app = app.merge(Router::new().route(
        "/stats",
        get(move || {
            let counts = Arc::clone(&counts);
            async move {
                Config::ALL
                    .iter()
                    .zip(counts.iter())
                    .map(|(c, n)| format!("{}={}\n", c.name(), n.load(Ordering::Relaxed)))
                    .collect::<String>()
            }
        }),
    ));

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                () = async {
                    match term.as_mut() {
                        Some(term) => { term.recv().await; }
                        None => std::future::pending().await,
                    }
                } => {}
            }
        })
        .await?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("sign") => sign(&args),
        Some("secret") => {
            println!("{}", secret().to_whsec_string());
            Ok(())
        }
        Some("serve") => {
            let workers = match flag(&args, "--workers") {
                Ok(w) => w.unwrap_or(1),
                Err(e) => return fail(&e),
            };
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all()
                .build()
                .map_err(Error::from)
                .and_then(|rt| rt.block_on(serve(&args)))
        }
        _ => Err(
            "usage: load_server serve [--port N] [--workers N] [--redis URL] | \
                  sign --count N [--size BYTES] --out FILE --body FILE | secret"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &Error) -> ExitCode {
    eprintln!("load_server: {e}");
    ExitCode::FAILURE
}
