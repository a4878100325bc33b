//! Faults, limits and hygiene: handler panics, concurrent writers, key
//! rotation under traffic, oversized cookies, secrets in `Debug`, and
//! "never panics" properties for every parser that sees request bytes.

mod support;

use std::time::{Duration, SystemTime};

use axum::Router;
use axum::routing::get;
use proptest::prelude::*;
use sessionkit::axum::Session;
use sessionkit::codec::{EncryptedCodec, SecretKey, SecretKeys, SessionCodec};
use sessionkit::csrf::{Csrf, CsrfConfig};
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::lifecycle::SessionHandle;
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::testing::{SavedSession, SessionTester};
use sessionkit::tower::SessionLayer;
use sessionkit::{DynamicSession, SessionConfig, SessionData, session};
use support::web::serve;

const SECRET: &str = "hardening-secret-0123456789abcdef-XYZ";

fn key(text: &str) -> SecretKey {
    SecretKey::from_text(text).unwrap()
}

#[tokio::test]
async fn a_panicking_handler_still_saves_the_session_like_flask() {
    async fn boom(session: Session<DynamicSession>) -> &'static str {
        session.lock().insert("user", "z");
        panic!("handler bug");
    }
    let app = Router::new()
        .route("/boom", get(boom))
        .layer(SessionLayer::<DynamicSession>::with_key(key(SECRET)).unwrap());
    let base = serve(app).await;
    let r = reqwest::get(format!("{base}/boom")).await.unwrap();
    assert_eq!(r.status(), 500);
    let tester = SessionTester::<DynamicSession>::new(key(SECRET)).unwrap();
    let SavedSession::Set(s) = tester.saved_from_headers(r.headers()) else {
        panic!("not saved")
    };
    assert_eq!(
        s.dict_untracked().get("user").and_then(|v| v.as_str()),
        Some("z")
    );
    // The server keeps serving.
    assert_eq!(
        reqwest::get(format!("{base}/boom")).await.unwrap().status(),
        500
    );
}

#[tokio::test]
async fn concurrent_requests_with_one_cookie_are_last_write_wins() {
    async fn add(
        session: Session<DynamicSession>,
        axum::extract::Path(k): axum::extract::Path<String>,
    ) -> &'static str {
        session.lock().insert(k, true);
        "ok"
    }
    let app = Router::new()
        .route("/add/{k}", get(add))
        .layer(SessionLayer::<DynamicSession>::with_key(key(SECRET)).unwrap());
    let base = serve(app).await;
    let tester = SessionTester::<DynamicSession>::new(key(SECRET)).unwrap();
    let cookie = tester
        .cookie(|s| {
            s.insert("start", 1);
        })
        .unwrap();
    let c = reqwest::Client::new();
    let (a, b) = tokio::join!(
        c.get(format!("{base}/add/a"))
            .header("cookie", &cookie)
            .send(),
        c.get(format!("{base}/add/b"))
            .header("cookie", &cookie)
            .send()
    );
    let keys = |r: &reqwest::Response| match tester.saved_from_headers(r.headers()) {
        SavedSession::Set(s) => s
            .dict_untracked()
            .keys()
            .map(|k| k.to_string())
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let (a, b) = (a.unwrap(), b.unwrap());
    // Each response carries the session it started from plus its own write:
    // whichever cookie the browser stores last wins, the other write is lost.
    assert_eq!(keys(&a), ["a", "start"]);
    assert_eq!(keys(&b), ["b", "start"]);
}

#[tokio::test]
async fn key_rotation_under_traffic() {
    async fn bump(session: Session<DynamicSession>) -> String {
        let mut s = session.lock();
        let n = s.get_as::<u64>("n").and_then(Result::ok).unwrap_or(0) + 1;
        s.insert("n", n);
        n.to_string()
    }
    let (old, new) = (
        key("old-key-0123456789abcdef0123456789"),
        key("new-key-0123456789abcdef0123456789"),
    );
    let before = serve(
        Router::new()
            .route("/", get(bump))
            .layer(SessionLayer::<DynamicSession>::with_key(old.clone()).unwrap()),
    )
    .await;
    let rotated_config = SessionConfig::default()
        .with_secret_key(new.clone())
        .with_fallback_key(old.clone());
    let after = serve(
        Router::new()
            .route("/", get(bump))
            .layer(SessionLayer::<DynamicSession>::with_config(rotated_config).unwrap()),
    )
    .await;
    let c = reqwest::Client::new();
    let mut cookies = Vec::new();
    for _ in 0..20 {
        let r = c.get(format!("{before}/")).send().await.unwrap();
        cookies.push(
            r.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned(),
        );
    }
    for cookie in &cookies {
        let r = c
            .get(format!("{after}/"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        let value = r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .trim_start_matches("session=")
            .to_owned();
        assert_eq!(r.text().await.unwrap(), "2", "the old cookie kept working");
        assert!(
            SessionCodec::flask(new.clone())
                .loads_session(&value, now(), None)
                .is_ok(),
            "re-signed with the new key"
        );
        assert!(
            SessionCodec::flask(old.clone())
                .loads_session(&value, now(), None)
                .is_err()
        );
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn a_body_failing_mid_stream_keeps_the_saved_session() {
    async fn streams(session: Session<DynamicSession>) -> axum::body::Body {
        session.lock().insert("user", "s");
        // One chunk, then (after the head has gone out) an error.
        let chunks = futures_util::stream::unfold(0u8, |step| async move {
            match step {
                0 => Some((Ok(axum::body::Bytes::from_static(b"partial")), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((Err(std::io::Error::other("disk gone")), 2))
                }
                _ => None,
            }
        });
        axum::body::Body::from_stream(chunks)
    }
    let app = Router::new()
        .route("/stream", get(streams))
        .layer(SessionLayer::<DynamicSession>::with_key(key(SECRET)).unwrap());
    let base = serve(app).await;
    let r = reqwest::get(format!("{base}/stream")).await.unwrap();
    // The session is saved with the head of the response, before the body.
    let tester = SessionTester::<DynamicSession>::new(key(SECRET)).unwrap();
    assert!(matches!(
        tester.saved_from_headers(r.headers()),
        SavedSession::Set(_)
    ));
    assert!(r.bytes().await.is_err(), "the body fails mid-stream");
    assert_eq!(
        reqwest::get(format!("{base}/stream"))
            .await
            .unwrap()
            .status(),
        200,
        "still serving"
    );
}

#[tokio::test]
async fn a_client_that_disconnects_does_not_disturb_the_server() {
    use tokio::io::AsyncWriteExt as _;
    async fn slow(session: Session<DynamicSession>) -> &'static str {
        tokio::time::sleep(Duration::from_millis(100)).await;
        session.lock().insert("late", true);
        "done"
    }
    let app = Router::new()
        .route("/slow", get(slow))
        .layer(SessionLayer::<DynamicSession>::with_key(key(SECRET)).unwrap());
    let base = serve(app).await;
    let addr = base.trim_start_matches("http://").to_owned();
    for request in [
        "GET /slow HTTP/1.1\r\nHost: x\r\nCookie: session=abc.def.ghi\r\n\r\n",
        "GET /slow HTTP/1.1\r\nHost: x\r\nCook",
    ] {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        drop(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = reqwest::get(format!("{base}/slow")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("set-cookie").is_some());
}

#[session]
struct DeepField {
    v: sessionkit::codec::Value,
    n: u64,
}

/// 500 levels of lists: within the reader's limit (512; Flask reads about
/// 497), far beyond what deserializing may recurse on a 2 MiB worker
/// thread in a debug build (it overflowed the stack at about 500 before
/// `from_value` and the typed reader got their 128-level limit). The field
/// reads its default and the value is kept and written back unchanged.
#[test]
fn a_deeply_nested_value_in_a_typed_field_cannot_overflow_the_stack() {
    let deep = "[".repeat(500) + &"]".repeat(500);
    let json = format!(r#"{{"n":7,"v":{deep}}}"#);
    let cookie = SessionCodec::flask(key(SECRET)).sign_json(json.as_bytes(), now());
    let (new, n, v, written) = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let i = SecureCookieSessionInterface::new(
                SessionConfig::default().with_secret_key(key(SECRET)),
            )
            .unwrap();
            let parts = request_with_cookie(&format!("session={cookie}"));
            let s: DeepField = i.open_session(&parts).unwrap();
            let mut out = Vec::new();
            s.write_json(&mut out, 512).unwrap();
            (s.is_new(), *s.n(), s.v().clone(), out)
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(!new, "the cookie was accepted");
    assert_eq!(n, 7);
    assert_eq!(v, sessionkit::codec::Value::Null);
    assert_eq!(String::from_utf8(written).unwrap(), json);
}

#[test]
fn oversized_request_cookies_open_fresh_sessions() {
    let i =
        SecureCookieSessionInterface::new(SessionConfig::default().with_secret_key(key(SECRET)))
            .unwrap();
    let parts = request_with_cookie(&format!("session={}", "A".repeat(100_000)));
    let s: DynamicSession = i.open_session(&parts).unwrap();
    assert!(s.state().is_new() && s.dict_untracked().is_empty());
}

#[test]
fn any_payload_limit_refuses_larger_cookies_without_panicking() {
    // A compressed cookie (235 bytes of JSON) and a plain one (7 bytes),
    // read by interfaces whose payload limit is anywhere around them:
    // within the limit they open, past it they are a fresh session.
    let codec = SessionCodec::flask(key(SECRET));
    let mut compressed = sessionkit::codec::Dict::new();
    compressed.insert("text", "abcdefgh".repeat(28));
    let mut plain = sessionkit::codec::Dict::new();
    plain.insert("n", 1);
    for (dict, compressed) in [(compressed, true), (plain, false)] {
        let json_len = sessionkit::codec::Value::Dict(dict.clone())
            .to_flask_json()
            .unwrap()
            .len();
        let cookie = codec.dumps_session(&dict, now() - 5).unwrap();
        assert_eq!(cookie.starts_with('.'), compressed);
        let parts = request_with_cookie(&format!("session={cookie}"));
        for limit in (0..80).chain(json_len.saturating_sub(10)..json_len + 10) {
            let mut config = SessionConfig::default().with_secret_key(key(SECRET));
            config.max_payload = limit;
            let i = SecureCookieSessionInterface::new(config).unwrap();
            let s: DynamicSession = i.open_session(&parts).unwrap();
            let opened = !s.state().is_new();
            assert_eq!(
                opened,
                json_len <= limit,
                "limit {limit}, {json_len}-byte JSON"
            );
            if opened {
                assert_eq!(s.dict_untracked(), &dict);
            }
            assert_eq!(
                codec_with_limit(limit)
                    .loads_session(&cookie, now(), None)
                    .is_ok(),
                json_len <= limit,
                "limit {limit}"
            );
        }
    }
}

/// A request whose `Cookie` header is `header`.
fn request_with_cookie(header: &str) -> http::request::Parts {
    http::Request::builder()
        .header("cookie", header)
        .body(())
        .unwrap()
        .into_parts()
        .0
}

fn codec_with_limit(limit: usize) -> SessionCodec {
    SessionCodec::builder(key(SECRET))
        .max_payload(limit)
        .build()
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let text = "super-secret-key-text-0123456789abcdef";
    let k = key(text);
    let hex = k.to_hex();
    let config = SessionConfig::default()
        .with_secret_key(k.clone())
        .with_fallback_key(key("fallback-secret-text-0123456789ab"));
    let interface = SecureCookieSessionInterface::new(config.clone()).unwrap();
    let config_out = format!("{config:?}");
    let interface_out = format!("{interface:?}");
    let lifecycle_out = format!(
        "{:?}",
        SessionLifecycle::<DynamicSession>::new(interface.clone())
    );
    let codec_out = format!("{:?}", SessionCodec::flask(SecretKeys::new(k.clone())));
    let csrf_out = format!("{:?}", Csrf::new(CsrfConfig::new(k.clone())));
    let encrypted_out = format!(
        "{:?}",
        EncryptedCodec::new(&SecretKeys::new(k.clone()), "cookie-session")
    );
    for out in [
        &format!("{k:?}"),
        &config_out,
        &interface_out,
        &lifecycle_out,
        &codec_out,
        &csrf_out,
        &encrypted_out,
    ] {
        assert!(
            !out.contains(text) && !out.contains(&hex) && !out.contains("fallback-secret"),
            "{out}"
        );
    }
    // Still useful for debugging: the key shows up as redacted, and the
    // rest of the configuration as it is.
    for out in [&config_out, &interface_out, &lifecycle_out] {
        assert!(out.contains("SecretKey(<38 bytes, redacted>)"), "{out}");
        assert!(out.contains("cookie_name: \"session\""), "{out}");
    }
    assert!(
        codec_out.contains("Signer { fallbacks: 0, .. }"),
        "{codec_out}"
    );
    assert!(
        csrf_out.starts_with("Csrf {") && csrf_out.contains("SecretKey(<38 bytes, redacted>)"),
        "{csrf_out}"
    );
    let mut session = DynamicSession::default();
    session.insert("user", "ada");
    let handle = SessionHandle::new(session.clone());
    assert_eq!(format!("{:?}", handle.lock()), format!("{session:?}"));
    assert_eq!(format!("{handle:?}"), "SessionHandle { .. }");
}

proptest! {
    #![proptest_config(support::seeded("hardening", ProptestConfig::default()))]

    #[test]
    fn encrypted_round_trip_and_any_input(json in proptest::collection::vec(any::<u8>(), 0..200), junk in ".{0,120}") {
        let c = EncryptedCodec::new(&SecretKeys::new(key(SECRET)), "cookie-session");
        let sealed = c.seal(&json, 1_000).unwrap();
        let opened = c.open(&sealed, 1_000, Some(10)).unwrap();
        prop_assert_eq!(opened.value, json);
        prop_assert!(c.open(junk.as_bytes(), 1_000, None).is_err() || junk.starts_with("v1."));
        let _ = c.open(format!("v1.{junk}").as_bytes(), 1_000, None);
    }

    #[test]
    fn any_cookie_header_opens_without_panicking(header in proptest::collection::vec(any::<u8>(), 0..300)) {
        let i = SecureCookieSessionInterface::new(SessionConfig::default().with_secret_key(key(SECRET))).unwrap();
        let Ok(value) = http::HeaderValue::from_bytes(&header) else { return Ok(()) };
        let parts = http::Request::builder().header("cookie", value).body(()).unwrap().into_parts().0;
        let s: Option<DynamicSession> = i.open_session(&parts);
        prop_assert!(s.is_some());
    }

    #[test]
    fn any_csrf_request_is_judged_without_panicking(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        content_type in prop::sample::select(vec![
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=b",
            "multipart/form-data; boundary=\"\"",
            "multipart/form-data",
            "text/plain",
        ]),
        token in ".{0,80}",
        origin in prop::sample::select(vec!["", "null", "http://x", "https://[::1]:99999", "://", "http://localhost"]),
        referer in ".{0,40}",
    ) {
        let csrf = Csrf::new(CsrfConfig::new(key(SECRET)).with_assume_https(true));
        let mut b = http::Request::builder().method("POST").header("content-type", content_type).header("host", "localhost");
        for (name, v) in [("x-csrftoken", token.as_str()), ("origin", origin), ("referer", referer.as_str())] {
            if let Ok(v) = http::HeaderValue::from_str(v) {
                b = b.header(name, v);
            }
        }
        let parts = b.body(()).unwrap().into_parts().0;
        let mut session = DynamicSession::default();
        let _ = csrf.token(&mut session);
        let handle = SessionHandle::new(session);
        let _ = csrf.protect(&parts, &body, &handle);
        let _ = csrf.validate(Some(&token), &*handle.lock());
    }
}

#[test]
fn short_keys_are_accepted_but_the_key_length_is_known() {
    // Start-up warns below 32 bytes (a tracing warning); the key still works.
    let i = SecureCookieSessionInterface::new(
        SessionConfig::default()
            .with_secret_key(key("short"))
            .with_lifetime(Duration::from_secs(60)),
    )
    .unwrap();
    let s: DynamicSession = i
        .open_session(&http::Request::new(()).into_parts().0)
        .unwrap();
    assert!(s.state().is_new());
}
