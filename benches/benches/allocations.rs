//! Counts heap allocations per small open+save (and per codec call, and
//! per in-process axum request with and without the layer), with dhat's
//! counting allocator. Prints a table; see BENCHMARKS.md.
//!
//! `cargo bench -p sessionkit-benches --bench allocations`

#![allow(missing_docs, unreachable_pub)]

mod fixtures;

use axum::Router;
use axum::routing::get;
use fixtures::{
    Medium, NOW, Small, axum_request, interface, key, medium, next, request_with, small,
};
use http::HeaderMap;
use sessionkit::axum::Session;
use sessionkit::codec::{Compression, SessionCodec};
use sessionkit::config::Protection;
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::tower::SessionLayer;
use sessionkit::{DynamicSession, SessionConfig, SessionData};
use tower::ServiceExt;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Allocations (blocks) made by `f`, averaged over 100 runs after a warm-up.
fn count(mut f: impl FnMut()) -> f64 {
    f();
    let before = dhat::HeapStats::get().total_blocks;
    for _ in 0..100 {
        f();
    }
    (dhat::HeapStats::get().total_blocks - before) as f64 / 100.0
}

/// Response header maps made before counting: a real response already has
/// one (with `Content-Type` and room to spare), so its allocations are not
/// the session's. Each save gets one of these, with room for 8 headers.
struct Responses(std::cell::RefCell<Vec<HeaderMap>>);

impl Responses {
    fn new() -> Self {
        Responses(std::cell::RefCell::new(
            (0..1000).map(|_| HeaderMap::with_capacity(8)).collect(),
        ))
    }

    fn take(&self) -> HeaderMap {
        self.0.borrow_mut().pop().expect("enough header maps")
    }
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let codec = SessionCodec::flask(key());
    let cookie = codec.dumps_session(&small(), NOW - 10).unwrap();
    let parts = request_with(&cookie);
    let typed = interface(Small::default_config());
    let typed_medium = interface(Medium::default_config());
    let medium_parts = request_with(&codec.dumps_session(&medium(), NOW - 10).unwrap());
    let never = interface(Small::default_config().with_compression(Compression::Never));
    let above = interface(Small::default_config().with_compression(Compression::Above(256)));
    let dynamic = interface(SessionConfig::default());
    let encrypted = interface(Small::default_config().with_protection(Protection::Encrypted));
    let encrypted_parts = {
        let mut s = Small::default();
        s.set_permanent(true);
        s.set_csrf_token(Some(fixtures::TOKEN.to_owned()));
        s.set_user_id(42);
        let mut headers = HeaderMap::new();
        encrypted.save_session(&s, &mut headers).unwrap();
        let line = headers["set-cookie"].to_str().unwrap();
        let value = line.split(';').next().unwrap().strip_prefix("session=");
        request_with(value.unwrap())
    };
    let mut dict = small();
    let responses = Responses::new();

    // One open, change, save; `headers` gives the response's header map.
    fn open_save<S: SessionData>(
        i: &SecureCookieSessionInterface,
        parts: &http::request::Parts,
        change: impl Fn(&mut S),
        headers: impl Fn() -> HeaderMap,
    ) -> f64 {
        count(|| {
            let mut s: S = i.open_session(parts).unwrap();
            change(&mut s);
            let mut h = headers();
            i.save_session(&s, &mut h).unwrap();
        })
    }
    let fresh = HeaderMap::new;
    let allocated = || responses.take();
    let set_small = |s: &mut Small| s.set_user_id(next());
    let set_dynamic = |s: &mut DynamicSession| {
        s.insert("user_id", next());
    };

    // A whole in-process axum request, with and without the layer: the
    // difference is what the session adds around the handler.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let sessions: Router = Router::new()
        .route(
            "/",
            get(|session: Session<Small>| async move {
                session.lock().set_user_id(next());
                "ok"
            }),
        )
        .layer(SessionLayer::<Small>::new(interface(
            Small::default_config(),
        )));
    let plain: Router = Router::new().route("/", get(|| async { "ok" }));
    let cookie_header = format!("session={cookie}");
    let request = |app: &Router| {
        drop(
            rt.block_on(app.clone().oneshot(axum_request(&cookie_header)))
                .unwrap(),
        );
    };

    let rows = [
        (
            "codec dumps (small)",
            count(|| {
                dict.insert("user_id", next());
                drop(codec.dumps_session(&dict, NOW).unwrap());
            }),
        ),
        (
            "codec loads (small)",
            count(|| drop(codec.loads_session(&cookie, NOW, Some(100)).unwrap())),
        ),
        (
            "open+save typed (small)",
            open_save(&typed, &parts, set_small, fresh),
        ),
        (
            "open+save typed (small), response headers already allocated",
            open_save(&typed, &parts, set_small, allocated),
        ),
        (
            "open+save typed (medium, compressed cookie), response headers already allocated",
            open_save(
                &typed_medium,
                &medium_parts,
                |s: &mut Medium| s.set_user_id(next()),
                allocated,
            ),
        ),
        (
            "open+save typed, compression never (small)",
            open_save(&never, &parts, set_small, fresh),
        ),
        (
            "open+save typed, compression above:256 (small)",
            open_save(&above, &parts, set_small, fresh),
        ),
        (
            "open+save typed, encrypted (small)",
            open_save(&encrypted, &encrypted_parts, set_small, fresh),
        ),
        (
            "open+save dynamic (small)",
            open_save(&dynamic, &parts, set_dynamic, fresh),
        ),
        (
            "open+save dynamic (small), response headers already allocated",
            open_save(&dynamic, &parts, set_dynamic, allocated),
        ),
        (
            "axum request through the layer, small typed session read + written",
            count(|| request(&sessions)),
        ),
        ("axum request without sessions", count(|| request(&plain))),
    ];
    println!("| operation | allocations |");
    println!("| --- | ---: |");
    for (name, n) in rows {
        println!("| {name} | {n:.1} |");
    }
}
