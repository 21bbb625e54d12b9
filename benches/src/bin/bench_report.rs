//! Prints the tables of `BENCHMARKS.md` from criterion's results: medians, and the ratios
//! between implementations measured in the same run.
//!
//! ```text
//! cargo run -p benches --bin bench_report [CRITERION_DIR]
//! ```
//!
//! `CRITERION_DIR` defaults to `$CARGO_TARGET_DIR/criterion`, else `target/criterion`. It reads
//! every `new/benchmark.json` and `new/estimates.json` below it.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    process::ExitCode,
};

use benches::{Config, SIZES, size_label};
use serde_json::Value;

type Error = Box<dyn std::error::Error>;

/// Medians in nanoseconds, by `group/function/value` id.
type Medians = BTreeMap<String, f64>;

fn collect(dir: &Path, out: &mut Medians) -> Result<(), Error> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            let meta: Value =
                serde_json::from_str(&fs::read_to_string(path.join("benchmark.json"))?)?;
            let est: Value =
                serde_json::from_str(&fs::read_to_string(path.join("estimates.json"))?)?;
            let id = meta["full_id"]
                .as_str()
                .ok_or("benchmark.json without full_id")?;
            let median = est["median"]["point_estimate"]
                .as_f64()
                .ok_or("estimates.json without a median")?;
            out.insert(id.to_owned(), median);
        } else {
            collect(&path, out)?;
        }
    }
    Ok(())
}

/// A duration in ns, µs or ms with three significant digits.
fn time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.3} µs", ns / 1e3)
    } else {
        format!("{:.3} ms", ns / 1e6)
    }
}

fn report(m: &Medians) -> String {
    let get = |id: String| m.get(&id).copied();
    let mut out = String::new();
    let cell = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or_else(|| "–".to_owned(), f);
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);

    out.push_str("### verify: median time per delivery (ratios from the same run)\n\n");
    out.push_str(
        "| body | hmac (floor) | hmac-prekeyed | v1 (ours) | v1-pairs | svix | standardwebhooks \
         | v1 ÷ hmac | v1 ÷ prekeyed | v1-pairs ÷ hmac | svix ÷ v1 | standardwebhooks ÷ v1 | v1 GB/s |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for size in SIZES {
        let l = size_label(size);
        let [hmac, pre, v1, pairs, svix, sw] = [
            "hmac",
            "hmac-prekeyed",
            "v1",
            "v1-pairs",
            "svix",
            "standardwebhooks",
        ]
        .map(|f| get(format!("verify/{f}/{l}")));
        let x = |r: Option<f64>| cell(r, &|r| format!("{r:.2}x"));
        let _ = writeln!(
            out,
            "| {l} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(hmac, &time),
            cell(pre, &time),
            cell(v1, &time),
            cell(pairs, &time),
            cell(svix, &time),
            cell(sw, &time),
            x(ratio(v1, hmac)),
            x(ratio(v1, pre)),
            x(ratio(pairs, hmac)),
            x(ratio(svix, v1)),
            x(ratio(sw, v1)),
            cell(v1, &|ns| format!("{:.2}", size as f64 / ns)),
        );
    }

    out.push_str("\n### verify: other shapes at 1 KiB\n\n| benchmark | median | ÷ v1/1KiB |\n|---|---|---|\n");
    let v1 = get("verify/v1/1KiB".to_owned());
    for f in ["v1-3-secrets", "v1-16-entries", "legacy", "v1a"] {
        let t = get(format!("verify/{f}/1KiB"));
        let _ = writeln!(
            out,
            "| verify/{f}/1KiB | {} | {} |",
            cell(t, &time),
            cell(ratio(t, v1), &|r| format!("{r:.2}x"))
        );
    }

    out.push_str(
        "\n### layer: one 1 KiB delivery through an axum router in process (oneshot)\n\n\
         | configuration | median | deliveries/s (one core) | throughput ÷ bare |\n|---|---|---|---|\n",
    );
    let bare = get("layer/bare/1KiB".to_owned());
    for config in Config::ALL {
        let t = get(format!("layer/{}/1KiB", config.name()));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            config.name(),
            cell(t, &time),
            cell(t, &|ns| format!("{:.0}", 1e9 / ns)),
            cell(ratio(bare, t), &|r| format!("{:.0}%", r * 100.0)),
        );
    }

    out.push_str("\n### store: claim + complete of a fresh key\n\n| store | median |\n|---|---|\n");
    for s in ["memory", "redis"] {
        let t = get(format!("store/{s}/claim-complete"));
        let _ = writeln!(out, "| {s} | {} |", cell(t, &time));
    }
    out
}

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).map_or_else(
        || {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| PathBuf::from("target"), PathBuf::from);
            target.join("criterion")
        },
        PathBuf::from,
    );
    let mut medians = Medians::new();
    if let Err(e) = collect(&dir, &mut medians) {
        eprintln!("bench_report: reading {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    if medians.is_empty() {
        eprintln!(
            "bench_report: no results under {}; run `cargo bench -p benches` first",
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    print!("{}", report(&medians));
    ExitCode::SUCCESS
}
