//! Hostile form bodies: the CSRF check's form parsing costs time linear in
//! the body, Flask 3.1's form limits answer 413, and the demo answers a
//! 1 MB hostile body quickly while `/health` stays responsive.

// Both demos include the module they share, each its own copy.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/demo.rs"]
mod demo;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/demo_actix.rs"]
mod demo_actix;
mod support;

use std::time::{Duration, Instant};

use sessionkit::DynamicSession;
use sessionkit::codec::SecretKey;
use sessionkit::csrf::{Csrf, CsrfConfig, CsrfError};
use sessionkit::lifecycle::SessionHandle;
use support::web::{Server, serve, serve_actix};

const KEY: &str = "form-limits-key-0123456789abcdef-XYZ";

fn key() -> SecretKey {
    SecretKey::from_text(KEY).unwrap()
}

fn post(content_type: &str) -> http::request::Parts {
    http::Request::post("http://app.test/login")
        .header("host", "app.test")
        .header("content-type", content_type)
        .body(())
        .unwrap()
        .into_parts()
        .0
}

/// `k0=&k1=&…`: `n` distinct keys, none of them the token.
fn distinct_keys(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| format!("k{i}=&"))
        .collect::<String>()
        .into_bytes()
}

/// One multipart part whose `Content-Disposition` carries `n` parameters.
fn many_parameters(n: usize) -> Vec<u8> {
    let mut body = b"--B\r\nContent-Disposition: form-data; name=\"a\"".to_vec();
    for i in 0..n {
        body.extend_from_slice(format!("; p{i}=v").as_bytes());
    }
    body.extend_from_slice(b"\r\n\r\n1\r\n--B--\r\n");
    body
}

/// The best of three runs of `f`, per byte of `len`.
fn nanos_per_byte(len: usize, mut f: impl FnMut()) -> f64 {
    let best = (0..3)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap();
    best.as_nanos() as f64 / len as f64
}

/// Runs the check on bodies of growing size, with the limits lifted so that
/// the parser itself is measured: the time per byte must not grow (a
/// quadratic parser's grows 16x from the smallest to the largest size).
fn assert_linear(content_type: &str, sizes: &[usize], make: fn(usize) -> Vec<u8>) {
    let config = CsrfConfig::new(key()).with_form_limits(usize::MAX, usize::MAX, usize::MAX);
    let mut config = config;
    config.max_header_params = usize::MAX;
    let csrf = Csrf::new(config);
    let session = SessionHandle::new(DynamicSession::default());
    let parts = post(content_type);
    let mut figures = Vec::new();
    for &n in sizes {
        let body = make(n);
        let per_byte = nanos_per_byte(body.len(), || {
            let refused = csrf.protect(&parts, &body, &session);
            assert_eq!(refused, Err(CsrfError::TokenMissing));
        });
        figures.push((n, body.len(), per_byte));
    }
    eprintln!("{content_type}: (count, bytes, ns/byte) {figures:?}");
    let first = figures[0].2;
    let last = figures[figures.len() - 1].2;
    assert!(
        last < first * 4.0,
        "time per byte grew from {first:.1} to {last:.1} ns: {figures:?}"
    );
}

#[test]
fn parsing_time_is_linear_in_distinct_urlencoded_keys() {
    assert_linear(
        "application/x-www-form-urlencoded",
        &[10_000, 20_000, 40_000, 80_000, 160_000],
        distinct_keys,
    );
}

#[test]
fn parsing_time_is_linear_in_part_header_parameters() {
    assert_linear(
        "multipart/form-data; boundary=B",
        &[10_000, 20_000, 40_000, 80_000],
        many_parameters,
    );
}

#[test]
fn flask_form_limits_answer_413() {
    let csrf = Csrf::new(CsrfConfig::new(key()));
    let session = SessionHandle::new(DynamicSession::default());
    let urlencoded = post("application/x-www-form-urlencoded");
    // MAX_FORM_MEMORY_SIZE: 500 000 bytes of urlencoded body.
    let mut body = b"a=".to_vec();
    body.resize(500_000, b'x');
    assert_eq!(
        csrf.protect(&urlencoded, &body, &session),
        Err(CsrfError::TokenMissing)
    );
    body.push(b'x');
    assert_eq!(
        csrf.protect(&urlencoded, &body, &session),
        Err(CsrfError::BodyTooLarge)
    );
    assert_eq!(CsrfError::BodyTooLarge.status(), 413);
    // A part header of more than 64 parameters, or over 500 000 bytes.
    let multipart = post("multipart/form-data; boundary=B");
    assert_eq!(
        csrf.protect(&multipart, &many_parameters(63), &session),
        Err(CsrfError::TokenMissing)
    );
    assert_eq!(
        csrf.protect(&multipart, &many_parameters(64), &session),
        Err(CsrfError::BodyTooLarge)
    );
    let mut long_header = b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: ".to_vec();
    long_header.resize(long_header.len() + 500_000, b'p');
    long_header.extend_from_slice(b"\r\n\r\n1\r\n--B--\r\n");
    assert_eq!(
        csrf.protect(&multipart, &long_header, &session),
        Err(CsrfError::BodyTooLarge)
    );
    // MAX_FORM_PARTS: 1 000 parts.
    let parts = |n: usize| {
        let mut b = b"--B\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nv\r\n".repeat(n);
        b.extend_from_slice(b"--B--\r\n");
        b
    };
    assert_eq!(
        csrf.protect(&multipart, &parts(1_000), &session),
        Err(CsrfError::TokenMissing)
    );
    assert_eq!(
        csrf.protect(&multipart, &parts(1_001), &session),
        Err(CsrfError::BodyTooLarge)
    );
}

async fn timed_post(base: &str, content_type: &str, body: Vec<u8>) -> (u16, Duration) {
    let start = Instant::now();
    let response = reqwest::Client::new()
        .post(format!("{base}/login"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_answers_hostile_bodies_quickly_and_stays_responsive() {
    hostile_bodies(Server::Axum).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_actix_demo_answers_hostile_bodies_quickly_and_stays_responsive() {
    hostile_bodies(Server::Actix).await;
}

async fn hostile_bodies(on: Server) {
    let base = match on {
        Server::Axum => serve(demo::app(demo::config(key())).unwrap()).await,
        Server::Actix => {
            let app = demo_actix::app(demo_actix::config(key())).unwrap();
            serve_actix(move |c| app(c))
        }
    };
    let keys = distinct_keys(160_000); // 1.33 MB
    let params = many_parameters(80_000); // 789 KB
    assert!(keys.len() > 1_000_000 && params.len() > 700_000);
    let health = async {
        // Polled while the hostile bodies are in flight.
        let mut slowest = Duration::ZERO;
        for _ in 0..20 {
            let start = Instant::now();
            let r = reqwest::get(format!("{base}/health")).await.unwrap();
            assert_eq!(r.status(), 200);
            slowest = slowest.max(start.elapsed());
        }
        slowest
    };
    let ((a, ta), (b, tb), (c, tc), slowest_health) = tokio::join!(
        timed_post(&base, "application/x-www-form-urlencoded", keys.clone()),
        timed_post(&base, "multipart/form-data; boundary=B", params),
        timed_post(&base, "application/x-www-form-urlencoded", keys),
        health
    );
    eprintln!("413s in {ta:?}, {tb:?}, {tc:?}; slowest /health {slowest_health:?}");
    assert_eq!((a, b, c), (413, 413, 413));
    for t in [ta, tb, tc, slowest_health] {
        assert!(t < Duration::from_millis(500), "{t:?}");
    }
}

#[tokio::test]
async fn a_json_body_is_not_buffered_and_reaches_the_handler() {
    use axum::Router;
    use axum::routing::post as route_post;
    use sessionkit::tower::SessionLayer;

    // A body that is neither urlencoded nor multipart cannot carry the
    // token, so the CSRF layer does not read it: even 20 MB (far over any
    // form limit) reaches the handler intact when the header token is
    // good.
    let session = SessionLayer::<DynamicSession>::with_key(key()).unwrap();
    let app = Router::new()
        .route(
            "/api",
            route_post(|body: axum::body::Bytes| async move { body.len().to_string() }),
        )
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(session.csrf_layer_with(Csrf::new(
            CsrfConfig::new(key()).with_mode(sessionkit::csrf::CsrfMode::FetchMetadata),
        )))
        .layer(session);
    let base = serve(app).await;
    let body = vec![b'{'; 20 * 1024 * 1024];
    let r = reqwest::Client::new()
        .post(format!("{base}/api"))
        .header("content-type", "application/json")
        .header("sec-fetch-site", "same-origin")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), (20 * 1024 * 1024).to_string());
}
