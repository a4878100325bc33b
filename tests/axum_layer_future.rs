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
use sessionkit::axum::Session;
use sessionkit::codec::SecretKey;
use sessionkit::lifecycle::SessionHandle;
use sessionkit::testing::{SavedSession, SessionTester};
use sessionkit::tower::SessionLayer;
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
        // Through the extractor's handle: the request's own session.
        session.handle().lock().insert("step", "after awaits");
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

/// An inner service that is not ready on its first poll and refuses a call
/// it was not made ready for (as `tower`'s concurrency limit and buffer do).
#[derive(Clone)]
struct Gate {
    polls: Arc<AtomicUsize>,
    ready: bool,
}

impl Service<Request<Body>> for Gate {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response<Body>, Infallible>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        if self.polls.fetch_add(1, Ordering::SeqCst) == 0 {
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        self.ready = true;
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<Body>) -> Self::Future {
        assert!(self.ready, "called without poll_ready");
        self.ready = false;
        std::future::ready(Ok(Response::new(Body::empty())))
    }
}

#[tokio::test]
async fn readiness_is_the_inner_services() {
    use sessionkit::csrf::{Csrf, CsrfConfig};

    let gate = || Gate {
        polls: Arc::new(AtomicUsize::new(0)),
        ready: false,
    };
    /// Readies `svc`, sends it `GET /`, and checks that the answer came
    /// after the inner gate was pending once, then ready.
    async fn answers_when_ready<Svc>(mut svc: Svc, polls: &AtomicUsize)
    where
        Svc: Service<Request<Body>, Response = Response<Body>>,
        Svc::Error: std::fmt::Debug,
    {
        let r = svc
            .ready()
            .await
            .unwrap()
            .call(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(polls.load(Ordering::SeqCst), 2, "pending, then ready");
    }
    // The session service alone, and with the CSRF service inside it.
    let inner = gate();
    let polls = Arc::clone(&inner.polls);
    answers_when_ready(layer().layer(inner), &polls).await;
    let inner = gate();
    let polls = Arc::clone(&inner.polls);
    let csrf = layer().csrf_layer_with(Csrf::new(CsrfConfig::new(key())));
    answers_when_ready(layer().layer(csrf.layer(inner)), &polls).await;
}

#[tokio::test]
async fn errors_answer_with_their_status_and_message() {
    use axum::response::IntoResponse as _;
    use sessionkit::axum::MissingCsrfLayer;
    use sessionkit::csrf::{Csrf, CsrfError};
    use sessionkit::error::SaveError;

    async fn parts(r: axum::response::Response) -> (StatusCode, String) {
        let status = r.status();
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }
    let (status, text) = parts(SaveError::NullSessionWrite.into_response()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(text, SaveError::NullSessionWrite.to_string());
    assert!(text.contains("secret key"), "{text}");

    let (status, text) = parts(CsrfError::TokenMissing.into_response()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text, "The CSRF token is missing.");

    let (status, text) = parts(MissingCsrfLayer.into_response()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(text, MissingCsrfLayer.to_string());

    // And through a router: the `Csrf` extractor on a route without a
    // `CsrfLayer`.
    async fn form(_: Csrf) {}
    let r = get_path(Router::new().route("/", get(form)).layer(layer()), "/").await;
    assert_eq!(
        parts(r).await,
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            MissingCsrfLayer.to_string()
        )
    );
}

#[tokio::test]
async fn wiring_mistakes_that_remain_name_the_public_path_and_the_fix() {
    use sessionkit::session;

    #[session]
    struct Cart {
        n: u32,
    }
    async fn body(r: axum::response::Response) -> (StatusCode, String) {
        let status = r.status();
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }
    // A `Session<T>` of a type no layer provides: the fix names the public
    // path of the type (not `sessionkit::data::DynamicSession`).
    let wrong_type = Router::new()
        .route("/", get(|_: Session<DynamicSession>| async {}))
        .layer(SessionLayer::<Cart>::with_key(key()).unwrap());
    let (status, text) = body(get_path(wrong_type, "/").await).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        text.contains("`sessionkit::DynamicSession`")
            && text.contains("SessionLayer::<sessionkit::DynamicSession>::with_config")
            && !text.contains("session_runtime"),
        "{text}"
    );
    // The CSRF layer added after (outside) the session layer.
    let session = layer();
    let csrf = session.csrf_layer().unwrap();
    let outside = Router::new()
        .route("/", axum::routing::post(|| async { "ok" }))
        .layer(session)
        .layer(csrf);
    let r = outside
        .oneshot(Request::post("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, text) = body(r).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        text.contains("runs outside the SessionLayer") && text.contains(".layer(session)"),
        "{text}"
    );
    // `Csrf` extracted on a route added after the `route_layer`.
    let session = layer();
    let uncovered = Router::new()
        .route("/covered", axum::routing::post(|| async { "ok" }))
        .route_layer(session.csrf_layer().unwrap())
        .route("/form", get(|_: sessionkit::csrf::Csrf| async {}))
        .layer(session);
    let (status, text) = body(get_path(uncovered, "/form").await).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        text.contains("csrf_layer()") && !text.contains("CsrfLayer::new"),
        "{text}"
    );
}

#[tokio::test]
async fn debug_output_names_each_type() {
    let csrf = layer().csrf_layer().unwrap();
    let inner = tower::service_fn(|_: Request<Body>| async {
        Ok::<_, Infallible>(Response::new(Body::empty()))
    });
    for (shown, name) in [
        (format!("{:?}", layer()), "SessionLayer"),
        (format!("{:?}", layer().layer(inner)), "SessionService"),
        (format!("{csrf:?}"), "CsrfLayer"),
        (format!("{:?}", csrf.layer(inner)), "CsrfService"),
    ] {
        assert!(shown.starts_with(name), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");
    }
    // The response futures, before they are polled.
    let request = || Request::get("/").body(Body::empty()).unwrap();
    let mut svc = layer().layer(inner);
    let future = svc.ready().await.unwrap().call(request());
    assert!(format!("{future:?}").starts_with("SessionFuture"));
    assert_eq!(future.await.unwrap().status(), StatusCode::OK);
    let mut svc = layer().layer(csrf.layer(inner));
    let future = svc.ready().await.unwrap().call(request());
    assert!(format!("{future:?}").starts_with("SessionFuture"));
    let mut svc = csrf.layer(inner);
    let future = svc.ready().await.unwrap().call(request());
    assert!(format!("{future:?}").starts_with("CsrfFuture"));
    // The extractor.
    async fn show(session: Session<DynamicSession>) -> String {
        format!("{session:?}")
    }
    let r = get_path(Router::new().route("/", get(show)).layer(layer()), "/").await;
    let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
    assert!(body.starts_with(b"Session"), "{body:?}");
}
