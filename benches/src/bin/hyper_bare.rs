//! The baseline of `benches/load.sh`'s `serve` comparison: a plain hyper HTTP/1.1 server on
//! 127.0.0.1 that reads each request's body and answers 200, with nothing else (no routing, no
//! verification, no deduplication, no output). `quo-webhooks serve` is hyper underneath, so its
//! CPU per request over this one's is what the whole receive path costs.
//!
//! ```text
//! hyper_bare [--port N] [--workers N]
//!     POST anything: 200. GET /stats: "hyper-bare=N", the POSTs answered so far.
//!     Prints "listening 127.0.0.1:PORT" once bound. Stops on SIGINT or SIGTERM.
//! ```

use std::{
    convert::Infallible,
    io::Write,
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;

type Error = Box<dyn std::error::Error>;

/// `--name value`, parsed; `default` when absent.
fn flag<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, Error> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => {
            let raw = args.get(i + 1).ok_or(format!("{name} needs a value"))?;
            raw.parse()
                .map_err(|_| format!("{name} {raw}: not a valid value").into())
        }
    }
}

async fn answer(
    req: Request<Incoming>,
    runs: Arc<AtomicU64>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.method() == Method::GET {
        let text = format!("hyper-bare={}\n", runs.load(Ordering::Relaxed));
        return Ok(Response::new(Full::new(Bytes::from(text))));
    }
    // Read the whole body, as every receiver must before it can verify a delivery.
    match req.into_body().collect().await {
        Ok(body) => {
            std::hint::black_box(body.to_bytes().len());
            runs.fetch_add(1, Ordering::Relaxed);
            Ok(Response::new(Full::new(Bytes::new())))
        }
        Err(_) => {
            let mut res = Response::new(Full::new(Bytes::new()));
            *res.status_mut() = hyper::StatusCode::BAD_REQUEST;
            Ok(res)
        }
    }
}

async fn serve(port: u16) -> Result<(), Error> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    let runs = Arc::new(AtomicU64::new(0));
    let accept = async {
        loop {
            let (stream, _) = listener.accept().await?;
            let runs = runs.clone();
            let service = service_fn(move |req| answer(req, runs.clone()));
            tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        }
    };
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = accept => r,
        _ = tokio::signal::ctrl_c() => Ok(()),
        _ = term.recv() => Ok(()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = flag(&args, "--port", 0u16).and_then(|port| {
        let workers = flag(&args, "--workers", 1usize)?;
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()?
            .block_on(serve(port))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hyper_bare: {e}");
            ExitCode::FAILURE
        }
    }
}
