//! The HTTP bench's server (`benches/examples/bench_server.rs`), in process: its
//! three routes answer as BENCHMARKS.md says, so the loopback comparison
//! measures what it claims to.

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/bench_server.rs"]
mod bench_server;

use axum::Router;
use axum::body::Body;
use bench_server::Small;
use http::{HeaderMap, Request, Response, header};
use sessionkit::codec::{Compression, SecretKey};
use sessionkit::testing::{SavedSession, SessionTester};
use tower::ServiceExt;

const SECRET: &str = "benchmark-secret-key-0123456789abcdef";

fn key() -> SecretKey {
    SecretKey::from_text(SECRET).unwrap()
}

fn tester() -> SessionTester<Small> {
    SessionTester::new(key()).unwrap()
}

async fn get(app: &Router, path: &str) -> Response<Body> {
    let request = Request::get(path)
        .header(header::COOKIE, bench_server::window_cookie(key()).unwrap())
        .body(Body::empty())
        .unwrap();
    app.clone().oneshot(request).await.unwrap()
}

fn header_names(headers: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = headers.keys().map(|n| n.to_string()).collect();
    names.sort();
    names
}

/// The session a response saves, which must be a `Set`.
fn saved(headers: &HeaderMap) -> Small {
    match tester().saved_from_headers(headers) {
        SavedSession::Set(s) => s,
        other => panic!("expected a saved session, got {other:?}"),
    }
}

#[tokio::test]
async fn with_reads_and_writes_the_session_and_without_touches_none() {
    let app = bench_server::app(key(), Compression::Auto).await.unwrap();

    let with = get(&app, "/with").await;
    assert_eq!(with.status(), 200);
    assert_eq!(with.headers()[header::VARY], "Cookie");
    let session = saved(with.headers());
    assert_eq!(
        *session.visits(),
        2,
        "the cookie's visit was read and counted"
    );
    assert!(session.is_permanent());
    assert_eq!(
        session.csrf_token().as_deref(),
        Some("3d70005188f7b2c3a77763d99821c06a3c520414")
    );

    let without = get(&app, "/without").await;
    assert_eq!(without.status(), 200);
    assert!(without.headers().get(header::SET_COOKIE).is_none());
    assert!(without.headers().get(header::VARY).is_none());
}

#[tokio::test]
async fn constant_answers_with_the_headers_of_a_session_response() {
    for compression in [Compression::Auto, Compression::Never] {
        let app = bench_server::app(key(), compression).await.unwrap();
        let with = get(&app, "/with").await;
        let constant = get(&app, "/constant").await;
        let again = get(&app, "/constant").await;
        assert_eq!(constant.status(), 200);
        assert_eq!(
            header_names(constant.headers()),
            header_names(with.headers())
        );
        assert_eq!(constant.headers()[header::VARY], "Cookie");
        // The same bytes on every request: nothing is signed per request.
        assert_eq!(
            constant.headers()[header::SET_COOKIE],
            again.headers()[header::SET_COOKIE]
        );
        // A real session cookie of the same session, as long as `/with`'s
        // give or take the digits of the counters and the timestamp.
        let session = saved(constant.headers());
        assert_eq!(*session.visits(), 2);
        let (c, w) = (
            constant.headers()[header::SET_COOKIE].len(),
            with.headers()[header::SET_COOKIE].len(),
        );
        assert!(c.abs_diff(w) <= 4, "{c} against {w} bytes");
    }
}
