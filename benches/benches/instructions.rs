//! Instructions per operation, counted by valgrind's callgrind: a figure
//! that does not depend on what else the machine is doing, for comparing
//! two versions of the code on a machine whose timings move by ±40 %.
//!
//! `cargo bench -p sessionkit-benches --bench instructions` builds this program and runs it
//! without arguments: it then runs itself under
//! `valgrind --tool=callgrind` once per operation with two iteration
//! counts, and prints the difference divided by the difference in
//! iterations (so start-up and warm-up cancel out). One argument keeps
//! the operations whose name contains it (`cargo bench -p sessionkit-benches --bench
//! instructions -- typed`); with `OPERATION ITERATIONS` it only runs the
//! operation, uncounted.
//!
//! Instructions are not time: a mispredicted branch or a cache miss costs
//! no instruction, and under valgrind the CPU's SHA and AVX2 extensions
//! are hidden, so SHA-1 and SHA-256 run their portable code. Use the counts
//! to compare versions of one operation, and the criterion bench
//! (`--bench sessions`) for time. See BENCHMARKS.md.

#![allow(missing_docs, unreachable_pub)]

mod fixtures;

use std::hint::black_box;
use std::process::Command;

use axum::Router;
use axum::routing::get;
use fixtures::{
    NOW, SignedJarBaseline, Small, axum_request, interface, key, next, request_with, small,
};
use http::HeaderMap;
use sessionkit::axum::Session;
use sessionkit::codec::{Compression, SessionCodec};
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::tower::SessionLayer;
use sessionkit::{DynamicSession, SessionConfig, SessionData};
use tower::ServiceExt as _;

/// The operations, as (name, what it is).
const OPERATIONS: [(&str, &str); 9] = [
    ("typed", "open+save, small, typed (Flask-exact)"),
    (
        "typed_never",
        "open+save, small, typed, `compression = never`",
    ),
    ("typed_above_256", "open+save, small, typed, `above:256`"),
    ("dynamic", "open+save, small, dynamic (Flask-exact)"),
    ("signed_jar", "`SignedJar` + serde_json, small"),
    ("dumps", "codec dumps, small"),
    ("loads", "codec loads, small"),
    ("axum_with_session", "axum layer + handler, small session"),
    ("axum_without", "axum handler without sessions"),
];

/// Iteration counts of the two runs whose difference is reported.
const RUNS: [u64; 2] = [1_000, 3_000];

fn open_save<S: SessionData>(
    i: &SecureCookieSessionInterface,
    parts: &http::request::Parts,
    n: u64,
    change: impl Fn(&mut S),
) {
    for _ in 0..n {
        let mut s: S = i.open_session(black_box(parts)).unwrap();
        change(&mut s);
        let mut h = HeaderMap::new();
        i.save_session(&s, &mut h).unwrap();
        black_box(h);
    }
}

async fn with_session(session: Session<Small>) -> &'static str {
    session.lock().set_user_id(next());
    "ok"
}

/// Runs `operation` `n` times.
fn run(operation: &str, n: u64) {
    let codec = SessionCodec::flask(key());
    let cookie = codec.dumps_session(&small(), NOW - 10).unwrap();
    let parts = request_with(&cookie);
    let typed = |s: &mut Small| s.set_user_id(next());
    match operation {
        "typed" => open_save(&interface(Small::default_config()), &parts, n, typed),
        "typed_never" => open_save(
            &interface(Small::default_config().with_compression(Compression::Never)),
            &parts,
            n,
            typed,
        ),
        "typed_above_256" => open_save(
            &interface(Small::default_config().with_compression(Compression::Above(256))),
            &parts,
            n,
            typed,
        ),
        "dynamic" => open_save(
            &interface(SessionConfig::default()),
            &parts,
            n,
            |s: &mut DynamicSession| {
                s.insert("user_id", next());
            },
        ),
        "signed_jar" => signed_jar(n),
        "dumps" => {
            let mut d = small();
            for _ in 0..n {
                d.insert("user_id", next());
                black_box(codec.dumps_session(black_box(&d), NOW).unwrap());
            }
        }
        "loads" => {
            for _ in 0..n {
                black_box(
                    codec
                        .loads_session(black_box(&cookie), NOW, Some(2_678_400))
                        .unwrap(),
                );
            }
        }
        "axum_with_session" | "axum_without" => {
            let app: Router = if operation == "axum_without" {
                Router::new().route("/", get(|| async { "ok" }))
            } else {
                Router::new()
                    .route("/", get(with_session))
                    .layer(SessionLayer::<Small>::new(interface(
                        Small::default_config(),
                    )))
            };
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let header = format!("session={cookie}");
            for _ in 0..n {
                black_box(
                    rt.block_on(app.clone().oneshot(axum_request(&header)))
                        .unwrap(),
                );
            }
        }
        other => panic!("unknown operation {other:?}"),
    }
}

/// The criterion bench's baseline: the `cookie` crate's `SignedJar`
/// (HMAC-SHA256, no timestamp) with serde_json, open, change, save.
fn signed_jar(n: u64) {
    let jar = SignedJarBaseline::new(&small());
    for _ in 0..n {
        black_box(jar.open_save(next()));
    }
}

/// Instructions callgrind counts for this program running `operation`
/// `n` times, or why it could not count them.
fn collected(operation: &str, n: u64) -> Result<u64, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(me)
        .args([operation, &n.to_string()])
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("valgrind failed: {stderr}"));
    }
    // "==123== Collected : 4567890"
    stderr
        .lines()
        .find_map(|l| {
            l.split_once("Collected :")
                .map(|(_, n)| n.trim().to_owned())
        })
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no instruction count in valgrind's output: {stderr}"))
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let filter = match args.as_slice() {
        [operation, n] => {
            run(operation, n.parse().expect("ITERATIONS is a number"));
            return;
        }
        [filter] => filter.as_str(),
        _ => "",
    };
    println!(
        "| operation | instructions per call ({} − {} calls) |",
        RUNS[1], RUNS[0]
    );
    println!("| --- | ---: |");
    for (operation, label) in OPERATIONS {
        if !operation.contains(filter) {
            continue;
        }
        match RUNS.map(|n| collected(operation, n)) {
            [Ok(a), Ok(b)] => {
                let per = (b as f64 - a as f64) / (RUNS[1] - RUNS[0]) as f64;
                println!("| {label} (`{operation}`) | {per:.0} |");
            }
            [Err(e), _] | [_, Err(e)] => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
}
