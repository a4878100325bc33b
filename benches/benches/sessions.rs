//! Session performance: the codec, open+save through the interface (typed
//! and dynamic), the framework-free lifecycle, and the axum layer — against
//! the `cookie` crate's `SignedJar` + serde_json and a handler without
//! sessions; through axum, also against `axum-extra`'s `SignedCookieJar`
//! and tower-sessions with its `MemoryStore`. See BENCHMARKS.md for the numbers and the command.

#![allow(missing_docs, unreachable_pub)]

mod fixtures;

use std::hint::black_box;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SignedCookieJar};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use fixtures::{
    Medium, NOW, SignedJarBaseline, Small, axum_request, interface, key, large, medium, next,
    request_with, small, start_session,
};
use http::{HeaderMap, Request};
use sessionkit::axum::Session;
use sessionkit::codec::{Compression, Dict, SessionCodec};
use sessionkit::config::Protection;
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::lifecycle::SessionHandle;
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::tower::SessionLayer;
use sessionkit::{DynamicSession, SessionConfig, SessionData};
use tower::ServiceExt as _;

fn fixtures() -> [(&'static str, Dict); 3] {
    [("small", small()), ("medium", medium()), ("large", large())]
}

fn codec(c: &mut Criterion) {
    let codec = SessionCodec::flask(key());
    let mut g = c.benchmark_group("codec");
    for (name, dict) in fixtures() {
        let cookie = codec.dumps_session(&dict, NOW).unwrap();
        g.bench_function(format!("dumps/{name}"), |b| {
            let mut d = dict.clone();
            b.iter(|| {
                d.insert("user_id", next());
                codec.dumps_session(black_box(&d), NOW).unwrap()
            })
        });
        g.bench_function(format!("loads/{name}"), |b| {
            b.iter(|| {
                codec
                    .loads_session(black_box(&cookie), NOW, Some(2_678_400))
                    .unwrap()
            })
        });
    }
    g.finish();
}

/// Flask's zlib step alone, the way `sign_json` takes it: the session's
/// JSON signed with compression (`auto`, Flask's rule: zlib when it saves
/// bytes) minus the same JSON signed without (`never`) is our deflate's
/// cost; `zlib_reused_stream` is real zlib level 6 (flate2, the stream
/// reset and reused, so no allocation) on the same bytes. Replaces the
/// timing harness that used to live in the library's `deflate.rs`.
fn deflate(c: &mut Criterion) {
    use flate2::{Compress, FlushCompress};
    let auto = SessionCodec::flask(key());
    let never = SessionCodec::builder(key())
        .compression(Compression::Never)
        .build();
    let mut g = c.benchmark_group("deflate");
    for (name, dict) in fixtures() {
        let mut json = Vec::new();
        sessionkit::codec::write_session_json(&mut json, &dict, 64).unwrap();
        g.bench_function(format!("sign_auto/{name}"), |b| {
            b.iter(|| auto.sign_json(black_box(&json), NOW))
        });
        g.bench_function(format!("sign_never/{name}"), |b| {
            b.iter(|| never.sign_json(black_box(&json), NOW))
        });
        g.bench_function(format!("zlib_reused_stream/{name}"), |b| {
            let mut z = Compress::new(flate2::Compression::new(6), true);
            let mut out = Vec::with_capacity(json.len() + 64);
            b.iter(|| {
                z.reset();
                out.clear();
                z.compress_vec(black_box(&json), &mut out, FlushCompress::Finish)
                    .unwrap();
                out.len()
            })
        });
    }
    g.finish();
}

/// Benchmarks one open, `change`, save of the session in `parts` (the
/// per-request work).
fn bench_open_save<S: SessionData>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    i: &SecureCookieSessionInterface,
    parts: &http::request::Parts,
    change: impl Fn(&mut S),
) {
    g.bench_function(name, |b| {
        b.iter(|| {
            let mut s: S = i.open_session(black_box(parts)).unwrap();
            change(&mut s);
            let mut h = HeaderMap::new();
            i.save_session(&s, &mut h).unwrap();
            h
        })
    });
}

/// Open the request's session, change one key (to a new value each time),
/// save: the per-request work.
fn open_save(c: &mut Criterion) {
    let mut g = c.benchmark_group("open_save");
    let codec = SessionCodec::flask(key());
    let dynamic = interface(SessionConfig::default());
    let typed_small = interface(Small::default_config());
    let never = interface(Small::default_config().with_compression(Compression::Never));
    let above = interface(Small::default_config().with_compression(Compression::Above(256)));
    let typed_medium = interface(Medium::default_config());
    for (name, dict) in fixtures() {
        let parts = request_with(&codec.dumps_session(&dict, NOW - 10).unwrap());
        bench_open_save(
            &mut g,
            &format!("dynamic/{name}"),
            &dynamic,
            &parts,
            |s: &mut DynamicSession| {
                s.insert("user_id", next());
            },
        );
        if name == "small" {
            let change = |s: &mut Small| s.set_user_id(next());
            bench_open_save(&mut g, "typed/small", &typed_small, &parts, change);
            // A permanent session re-saved as it came (refresh each request).
            bench_open_save(
                &mut g,
                "typed_refresh_unchanged/small",
                &typed_small,
                &parts,
                |_: &mut Small| {},
            );
            bench_open_save(&mut g, "typed_never_compress/small", &never, &parts, change);
            // Flask's rule only above 256 bytes of JSON (the small payload
            // is 88 bytes, so no attempt; the medium and large ones would be
            // compressed exactly as under `typed/`).
            bench_open_save(&mut g, "typed_above_256/small", &above, &parts, change);
        } else {
            // The medium struct also declares the large fixture's products.
            let change = |s: &mut Medium| s.set_user_id(next());
            bench_open_save(
                &mut g,
                &format!("typed/{name}"),
                &typed_medium,
                &parts,
                change,
            );
        }
    }
    // Baseline: the cookie crate's SignedJar (HMAC-SHA256, no timestamp)
    // with serde_json, doing the same open, change, save.
    for (name, dict) in fixtures() {
        let jar = SignedJarBaseline::new(&dict);
        g.bench_function(format!("baseline_signed_jar/{name}"), |b| {
            b.iter(|| jar.open_save(next()))
        });
    }
    g.finish();
}

fn lifecycle(c: &mut Criterion) {
    let cookie = SessionCodec::flask(key())
        .dumps_session(&small(), NOW - 10)
        .unwrap();
    let app = SessionLifecycle::<Small>::new(interface(Small::default_config()));
    c.bench_function("lifecycle/run_sync/small", |b| {
        b.iter(|| {
            let req = Request::builder()
                .header("cookie", format!("session={cookie}"))
                .body(())
                .unwrap();
            app.run_sync(req, |req| {
                let h = SessionHandle::<Small>::from_request(&req).unwrap();
                h.lock().set_user_id(next());
                http::Response::new(Vec::<u8>::new())
            })
        })
    });
}

async fn with_session(session: Session<Small>) -> &'static str {
    session.lock().set_user_id(next());
    "ok"
}

/// The small fixture as a serde struct: what an `axum-extra` user stores.
#[derive(serde::Serialize, serde::Deserialize)]
struct SmallJson {
    _permanent: bool,
    csrf_token: String,
    user_id: u64,
}

impl SmallJson {
    /// The small fixture's JSON, as serde_json writes it.
    fn fixture() -> String {
        let data = SmallJson {
            _permanent: true,
            csrf_token: fixtures::TOKEN.to_owned(),
            user_id: 42,
        };
        serde_json::to_string(&data).unwrap()
    }

    /// The request's cookie value read, `user_id` changed: the new cookie.
    fn changed(value: &str) -> Cookie<'static> {
        let mut data: SmallJson = serde_json::from_str(value).unwrap();
        data.user_id = next();
        Cookie::build(("session", serde_json::to_string(&data).unwrap()))
            .path("/")
            .http_only(true)
            .build()
    }
}

/// `axum-extra`'s `SignedCookieJar` (HMAC-SHA256, no timestamp), the cookie
/// holding [`SmallJson`] as serde_json's text: read, change, write back.
async fn with_signed_jar(jar: SignedCookieJar) -> (SignedCookieJar, &'static str) {
    let cookie = SmallJson::changed(jar.get("session").unwrap().value());
    (jar.add(cookie), "ok")
}

/// `axum-extra`'s `PrivateCookieJar` (AES-256-GCM), as [`with_signed_jar`].
async fn with_private_jar(jar: PrivateCookieJar) -> (PrivateCookieJar, &'static str) {
    let cookie = SmallJson::changed(jar.get("session").unwrap().value());
    (jar.add(cookie), "ok")
}

/// A first request's `SignedCookieJar`: the cookie holds the small fixture.
async fn start_signed_jar(jar: SignedCookieJar) -> SignedCookieJar {
    jar.add(Cookie::new("session", SmallJson::fixture()))
}

/// A first request's `PrivateCookieJar`, as [`start_signed_jar`].
async fn start_private_jar(jar: PrivateCookieJar) -> PrivateCookieJar {
    jar.add(Cookie::new("session", SmallJson::fixture()))
}

/// An app serving `handler` at `/`, with the jars' key as its state.
fn jar_app<H, T>(handler: H, key: &Key) -> Router
where
    H: axum::handler::Handler<T, Key>,
    T: 'static,
{
    Router::new()
        .route("/", get(handler))
        .with_state(key.clone())
}

/// tower-sessions with its `MemoryStore` (the cookie holds an id, the data
/// stays on the server): read the token, change `user_id`.
async fn with_tower_sessions(session: tower_sessions::Session) -> &'static str {
    let token: Option<String> = session.get("csrf_token").await.unwrap();
    assert!(token.is_some());
    session.insert("user_id", next()).await.unwrap();
    "ok"
}

async fn start_tower_sessions(session: tower_sessions::Session) -> &'static str {
    session.insert("_permanent", true).await.unwrap();
    session.insert("csrf_token", fixtures::TOKEN).await.unwrap();
    session.insert("user_id", 42).await.unwrap();
    "ok"
}

/// The same request through `app` once: it must succeed and set a cookie
/// (so no bench measures an error path); returns the cookie's `name=value`.
fn checked(rt: &tokio::runtime::Runtime, app: &Router, cookie: &str) -> String {
    let response = rt
        .block_on(app.clone().oneshot(axum_request(cookie)))
        .unwrap();
    assert_eq!(response.status(), 200, "{cookie}");
    let set = response.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

fn axum_layer(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let cookie = format!(
        "session={}",
        SessionCodec::flask(key())
            .dumps_session(&small(), NOW - 10)
            .unwrap()
    );
    let layer = SessionLayer::<Small>::new(interface(Small::default_config()));
    let sessions: Router = Router::new().route("/", get(with_session)).layer(layer);
    let above = Small::default_config().with_compression(Compression::Above(256));
    let above: Router = Router::new()
        .route("/", get(with_session))
        .layer(SessionLayer::<Small>::new(interface(above)));
    let plain: Router = Router::new().route("/", get(|| async { "ok" }));

    // What users compare us with, on the same small payload.
    let jar_key = Key::from(&[7u8; 64]);
    let jar = jar_app(with_signed_jar, &jar_key);
    let jar_cookie = checked(&rt, &jar_app(start_signed_jar, &jar_key), "");
    let encrypted = || {
        let config = Small::default_config().with_protection(Protection::Encrypted);
        SessionLayer::<Small>::new(interface(config))
    };
    let encrypted_cookie = {
        let start: Router = Router::new()
            .route("/", get(start_session))
            .layer(encrypted());
        checked(&rt, &start, "")
    };
    let encrypted: Router = Router::new()
        .route("/", get(with_session))
        .layer(encrypted());
    let private = jar_app(with_private_jar, &jar_key);
    let private_cookie = checked(&rt, &jar_app(start_private_jar, &jar_key), "");
    let store = tower_sessions::MemoryStore::default();
    let tower_layer = || tower_sessions::SessionManagerLayer::new(store.clone()).with_secure(false);
    let tower: Router = Router::new()
        .route("/", get(with_tower_sessions))
        .layer(tower_layer());
    let tower_cookie = {
        let start: Router = Router::new()
            .route("/", get(start_tower_sessions))
            .layer(tower_layer());
        checked(&rt, &start, "")
    };

    let mut g = c.benchmark_group("axum");
    for (name, app, cookie) in [
        ("with_session/small", sessions, &cookie),
        ("with_session_above_256/small", above, &cookie),
        ("without_session", plain, &cookie),
        ("axum_extra_signed_jar/small", jar, &jar_cookie),
        ("tower_sessions_memory_store/small", tower, &tower_cookie),
        ("with_session_encrypted/small", encrypted, &encrypted_cookie),
        ("axum_extra_private_jar/small", private, &private_cookie),
    ] {
        if name != "without_session" {
            checked(&rt, &app, cookie);
        }
        g.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(app.clone().oneshot(axum_request(cookie)))
                    .unwrap()
            })
        });
    }
    g.finish();
}

/// The CSRF check of a form POST (Werkzeug's form parsing, then the token):
/// a small urlencoded login form, and a multipart upload of 8 MiB with the
/// token in a field after the file.
fn csrf(c: &mut Criterion) {
    use sessionkit::csrf::{Csrf, CsrfConfig, CsrfMode};
    let mut config = CsrfConfig::new(key());
    config.mode = CsrfMode::TokensOnly;
    let csrf = Csrf::new(config);
    let mut session = DynamicSession::default();
    let token = csrf.token(&mut session).unwrap();
    let handle = SessionHandle::new(session);
    let request = |content_type: &str| {
        Request::builder()
            .method("POST")
            .header("content-type", content_type)
            .body(())
            .unwrap()
            .into_parts()
            .0
    };
    let mut g = c.benchmark_group("csrf");
    let form = request("application/x-www-form-urlencoded");
    let body = format!("username=ada&csrf_token={token}").into_bytes();
    g.bench_function("urlencoded/small", |b| {
        b.iter(|| csrf.protect(&form, black_box(&body), &handle).unwrap())
    });
    let upload = request("multipart/form-data; boundary=B");
    let mut body =
        b"--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n".to_vec();
    // File bytes with many line breaks and dashes (where a boundary could start).
    body.extend((0..8 << 20).map(|i| b"ab\r\n-x\n--"[i % 9]));
    body.extend_from_slice(
        format!("\r\n--B\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--B--\r\n")
            .as_bytes(),
    );
    g.bench_function("multipart/8MiB_upload", |b| {
        b.iter(|| csrf.protect(&upload, black_box(&body), &handle).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = codec, deflate, open_save, lifecycle, axum_layer, csrf
}
criterion_main!(benches);
