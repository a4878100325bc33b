//! The tower service's response future (`SessionFuture`), in process: a
//! handler that is pending before it answers, one that panics after being
//! pending, an early answer from a before-request hook, and an inner
//! service's error passed through unchanged.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::{Request, Response, StatusCode};
use sessionkit::DynamicSession;
use sessionkit::SessionHandle;
use sessionkit::axum::{Session, SessionLayer};
use sessionkit::codec::SecretKey;
use sessionkit::testing::{SavedSession, SessionTester};
use tower::{Layer, Service, ServiceExt};

const SECRET: &str = "the-layer-future-test-secret-key";

fn key() -> SecretKey {
    SecretKey::from_text(SECRET).unwrap()
}

fn layer() -> SessionLayer<DynamicSession> {
    SessionLayer::<DynamicSession>::with_key(key()).unwrap()
}

fn saved(response: &Response<Body>) -> Option<String> {
    let tester = SessionTester::<DynamicSession>::new(key()).unwrap();
    match tester.saved_from_headers(response.headers()) {
        SavedSession::Set(s) => Some(
            s.dict_untracked()
                .get("step")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned(),
        ),
        _ => None,
    }
}

async fn get_path(app: Router, path: &str) -> Response<Body> {
    app.oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap()
}

/// `GET /` through `routes` with the session layer: the status and the
/// saved `step`.
async fn status_and_step(routes: Router) -> (StatusCode, Option<String>) {
    let r = get_path(routes.layer(layer()), "/").await;
    (r.status(), saved(&r))
}

#[tokio::test]
async fn a_handler_pending_before_it_answers_has_its_session_saved() {
    async fn slow(session: Session<DynamicSession>) -> &'static str {
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        session.lock().insert("step", "after awaits");
        "ok"
    }
    assert_eq!(
        status_and_step(Router::new().route("/", get(slow))).await,
        (StatusCode::OK, Some("after awaits".to_owned()))
    );
}

#[tokio::test]
async fn a_handler_panicking_after_an_await_answers_500_and_saves() {
    async fn boom(session: Session<DynamicSession>) -> &'static str {
        session.lock().insert("step", "before the panic");
        tokio::task::yield_now().await;
        panic!("handler bug after an await");
    }
    assert_eq!(
        status_and_step(Router::new().route("/", get(boom))).await,
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("before the panic".to_owned())
        )
    );
}

#[tokio::test]
async fn an_early_answer_skips_the_handler_and_is_saved() {
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ran);
    let app = Router::new()
        .route(
            "/",
            get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { "handler" }
            }),
        )
        .layer(layer().before_request(
            |_: &http::request::Parts, s: &SessionHandle<DynamicSession>| {
                s.lock().insert("step", "hook");
                let mut r = Response::new(Vec::from("stopped"));
                *r.status_mut() = StatusCode::FORBIDDEN;
                Some(r)
            },
        ));
    let r = get_path(app, "/").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(ran.load(Ordering::SeqCst), 0, "the handler must not run");
    assert_eq!(saved(&r).as_deref(), Some("hook"));
}

#[tokio::test]
async fn an_inner_service_error_passes_through_unsaved() {
    #[derive(Debug, PartialEq)]
    struct Broken;
    let inner = tower::service_fn(|_req: Request<Body>| async {
        tokio::task::yield_now().await;
        Err::<Response<Body>, Broken>(Broken)
    });
    let mut svc = layer().layer(inner);
    let out = svc
        .ready()
        .await
        .unwrap()
        .call(Request::get("/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(out.unwrap_err(), Broken);

    // An infallible inner service answering at once is saved as usual.
    let inner = tower::service_fn(|req: Request<Body>| async move {
        let s = SessionHandle::<DynamicSession>::from_request(&req).unwrap();
        s.lock().insert("step", "at once");
        Ok::<_, Infallible>(Response::new(Body::empty()))
    });
    let r = layer()
        .layer(inner)
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(saved(&r).as_deref(), Some("at once"));
}
