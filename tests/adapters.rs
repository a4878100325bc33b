//! The adapters' HTTP behaviour, one suite for both: every scenario serves
//! the same routes through the axum layer and through the actix-web
//! middleware (`axum_server::…`, `actix_server::…`) and asserts the same
//! answers — errors, panics, null sessions, oversized and bad cookies,
//! hooks, `Vary`, a store that is down, and wiring mistakes.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sessionkit::codec::SecretKey;
use sessionkit::error::SaveError;
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::lifecycle::{SessionHandle, SessionLifecycle};
use sessionkit::testing::{SavedSession, SessionTester};
use sessionkit::{DynamicSession, SessionConfig};
use support::web::{Server, on_both_servers, serve, serve_actix};

const SECRET: &str = "adapters-secret-0123456789abcdef";

fn key() -> SecretKey {
    SecretKey::from_text(SECRET).unwrap()
}

fn tester() -> SessionTester<DynamicSession> {
    SessionTester::new(key()).unwrap()
}

fn cookie_lifecycle(config: SessionConfig) -> SessionLifecycle<DynamicSession> {
    SessionLifecycle::new(SecureCookieSessionInterface::new(config).unwrap())
}

fn keyed() -> SessionLifecycle<DynamicSession> {
    cookie_lifecycle(SessionConfig::default().with_secret_key(key()))
}

/// The same routes on both adapters:
/// - `GET /write`: writes `user = z`;
/// - `GET /read`: answers `user` (or `none`);
/// - `GET /fails`: writes, then answers 500 `boom` as an error;
/// - `GET /forbidden`: writes, then answers 403;
/// - `GET /boom`: writes, then panics;
/// - `GET /vary`: reads, and sets its own `Vary: Accept-Encoding`;
/// - `GET /health`: does not touch the session.
async fn serve_on<I: SessionInterface<DynamicSession>>(
    server: Server,
    lifecycle: SessionLifecycle<DynamicSession, I>,
) -> String {
    match server {
        Server::Axum => serve(axum_routes::app(lifecycle)).await,
        Server::Actix => {
            let middleware = sessionkit::actix::SessionMiddleware::from_lifecycle(lifecycle);
            serve_actix(move |c| actix_routes::configure(c, middleware.clone()))
        }
    }
}

mod axum_routes {
    use axum::Router;
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::IntoResponse;
    use axum::routing::get;
    use sessionkit::DynamicSession;
    use sessionkit::axum::Session;
    use sessionkit::interface::SessionInterface;
    use sessionkit::lifecycle::SessionLifecycle;
    use sessionkit::tower::SessionLayer;

    async fn write(s: Session<DynamicSession>) -> &'static str {
        s.lock().insert("user", "z");
        "ok"
    }
    async fn read(s: Session<DynamicSession>) -> String {
        let user = s.lock().get_as::<String>("user").and_then(Result::ok);
        user.unwrap_or_else(|| "none".into())
    }
    async fn fails(s: Session<DynamicSession>) -> Result<String, (StatusCode, &'static str)> {
        s.lock().insert("user", "z");
        Err((StatusCode::INTERNAL_SERVER_ERROR, "boom"))
    }
    async fn forbidden(s: Session<DynamicSession>) -> StatusCode {
        s.lock().insert("user", "z");
        StatusCode::FORBIDDEN
    }
    async fn boom(s: Session<DynamicSession>) -> &'static str {
        s.lock().insert("user", "z");
        panic!("handler bug");
    }
    async fn vary(s: Session<DynamicSession>) -> impl IntoResponse {
        let _ = s.lock().get("user");
        let mut r = "ok".into_response();
        r.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        r
    }

    pub(super) fn routes() -> Router {
        Router::new()
            .route("/write", get(write))
            .route("/read", get(read))
            .route("/fails", get(fails))
            .route("/forbidden", get(forbidden))
            .route("/boom", get(boom))
            .route("/vary", get(vary))
            .route("/health", get(|| async { "ok" }))
    }

    pub(super) fn app<I: SessionInterface<DynamicSession>>(
        lifecycle: SessionLifecycle<DynamicSession, I>,
    ) -> Router {
        routes().layer(SessionLayer::from_lifecycle(lifecycle))
    }
}

mod actix_routes {
    use actix_web::{HttpResponse, web};
    use sessionkit::DynamicSession;
    use sessionkit::actix::{Session, SessionMiddleware};
    use sessionkit::interface::SessionInterface;

    async fn write(s: Session<DynamicSession>) -> &'static str {
        s.lock().insert("user", "z");
        "ok"
    }
    async fn read(s: Session<DynamicSession>) -> String {
        let user = s.lock().get_as::<String>("user").and_then(Result::ok);
        user.unwrap_or_else(|| "none".into())
    }
    async fn fails(s: Session<DynamicSession>) -> Result<String, actix_web::Error> {
        s.lock().insert("user", "z");
        Err(actix_web::error::ErrorInternalServerError("boom"))
    }
    async fn forbidden(s: Session<DynamicSession>) -> HttpResponse {
        s.lock().insert("user", "z");
        HttpResponse::Forbidden().finish()
    }
    async fn boom(s: Session<DynamicSession>) -> &'static str {
        s.lock().insert("user", "z");
        panic!("handler bug");
    }
    async fn vary(s: Session<DynamicSession>) -> HttpResponse {
        let _ = s.lock().get("user");
        HttpResponse::Ok()
            .insert_header(("vary", "Accept-Encoding"))
            .body("ok")
    }

    pub(super) fn routes(c: &mut web::ServiceConfig) {
        c.route("/write", web::get().to(write))
            .route("/read", web::get().to(read))
            .route("/fails", web::get().to(fails))
            .route("/forbidden", web::get().to(forbidden))
            .route("/boom", web::get().to(boom))
            .route("/vary", web::get().to(vary))
            .route("/health", web::get().to(|| async { "ok" }));
    }

    pub(super) fn configure<I: SessionInterface<DynamicSession>>(
        c: &mut web::ServiceConfig,
        middleware: SessionMiddleware<DynamicSession, I>,
    ) {
        c.service(web::scope("").configure(routes).wrap(middleware));
    }
}

fn saved_user(r: &reqwest::Response) -> Option<String> {
    match tester().saved_from_headers(r.headers()) {
        SavedSession::Set(s) => s.get_as::<String>("user").and_then(Result::ok),
        _ => None,
    }
}

/// As in Flask, the session is saved on error responses too: an error a
/// handler returns, a 403, and a handler that panics (answered 500; the
/// server keeps serving).
async fn errors_and_panics_still_save_the_session(server: Server) {
    let base = serve_on(server, keyed()).await;
    for (path, status) in [("/fails", 500), ("/forbidden", 403), ("/boom", 500)] {
        let r = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        assert_eq!(saved_user(&r).as_deref(), Some("z"), "{path}: not saved");
    }
    let r = reqwest::get(format!("{base}/boom")).await.unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(r.text().await.unwrap(), "Internal Server Error");
    let r = reqwest::get(format!("{base}/write")).await.unwrap();
    assert_eq!(r.status(), 200, "the server keeps serving after a panic");
}

/// No secret key: a null session. Reads see nothing; a write is refused
/// with Flask's message (500), and nothing is set.
async fn a_null_session_refuses_writes(server: Server) {
    let base = serve_on(server, cookie_lifecycle(SessionConfig::default())).await;
    let r = reqwest::get(format!("{base}/read")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "none");
    let r = reqwest::get(format!("{base}/write")).await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.headers().get("set-cookie").is_none());
    assert_eq!(
        r.text().await.unwrap(),
        SaveError::NullSessionWrite.to_string()
    );
}

/// A tampered, foreign, malformed or oversized cookie opens a fresh
/// session (200, nothing of it read), never an error.
async fn bad_cookies_open_fresh_sessions(server: Server) {
    let base = serve_on(server, keyed()).await;
    let good = tester()
        .cookie(|s| {
            s.insert("user", "ada");
        })
        .unwrap();
    let foreign = SessionTester::<DynamicSession>::new(SecretKey::from_text("other").unwrap())
        .unwrap()
        .cookie(|s| {
            s.insert("user", "mallory");
        })
        .unwrap();
    let oversized = format!("session={}", "A".repeat(16 * 1024));
    let client = reqwest::Client::new();
    for (cookie, expected) in [
        (good.as_str(), "ada"),
        (foreign.as_str(), "none"),
        ("session=garbage.garbage.garbage", "none"),
        ("session=", "none"),
        (oversized.as_str(), "none"),
    ] {
        let r = client
            .get(format!("{base}/read"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", &cookie[..cookie.len().min(40)]);
        assert_eq!(r.text().await.unwrap(), expected);
    }
}

/// `Vary: Cookie` joins the handler's own `Vary`; a route that does not
/// touch the session gets neither `Vary` nor a cookie, and its session is
/// never decoded.
async fn vary_and_lazy_opening(server: Server) {
    let opened = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&opened);
    let lifecycle = keyed().after_request(
        move |_: &mut http::response::Parts, s: &SessionHandle<DynamicSession>| {
            seen.store(s.is_opened(), Ordering::SeqCst);
        },
    );
    let base = serve_on(server, lifecycle).await;
    // With an after-request hook the whole head goes through the core; without
    // one, only what the save touches: both merge `Vary`.
    let plain = serve_on(server, keyed()).await;
    for base in [&base, &plain] {
        let r = reqwest::get(format!("{base}/vary")).await.unwrap();
        assert_eq!(r.headers()["vary"], "Accept-Encoding, Cookie");
    }
    let cookie = tester()
        .cookie(|s| {
            s.insert("user", "ada");
        })
        .unwrap();
    let r = reqwest::Client::new()
        .get(format!("{base}/health"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("vary").is_none() && r.headers().get("set-cookie").is_none());
    assert!(
        !opened.load(Ordering::SeqCst),
        "no decoding for a handler that does not use the session"
    );
}

/// Before-request hooks answer early (the session still saved); after-
/// request hooks see and change the whole response.
async fn hooks_answer_early_and_change_responses(server: Server) {
    let lifecycle = keyed()
        .before_request(
            |request: &http::request::Parts, s: &SessionHandle<DynamicSession>| {
                (request.uri.path() == "/read").then(|| {
                    s.lock().insert("user", "hooked");
                    http::Response::builder()
                        .status(403)
                        .body(b"blocked".to_vec())
                        .unwrap()
                })
            },
        )
        .after_request(
            |response: &mut http::response::Parts, _: &SessionHandle<DynamicSession>| {
                response.headers.insert("x-after", "1".parse().unwrap());
                if response.status == 403 {
                    response.status = http::StatusCode::IM_A_TEAPOT;
                }
            },
        );
    let base = serve_on(server, lifecycle).await;
    let r = reqwest::get(format!("{base}/read")).await.unwrap();
    assert_eq!(r.status(), 418);
    assert_eq!(r.headers()["x-after"], "1");
    assert_eq!(saved_user(&r).as_deref(), Some("hooked"));
    assert_eq!(r.text().await.unwrap(), "blocked");
    let r = reqwest::get(format!("{base}/write")).await.unwrap();
    assert_eq!(
        (r.status().as_u16(), &r.headers()["x-after"]),
        (200, &"1".parse().unwrap())
    );
}

/// A Redis that is killed mid-session: a request that needs its session
/// gets a quick 503 with no cookie (a route that does not touch it is
/// served), and once Redis is back the same cookie finds its session.
async fn a_store_that_goes_down_answers_503_and_recovers(server: Server) {
    use sessionkit::store::{RedisConfig, RedisStore, ServerSideSessionInterface};
    let name = format!("a_store_that_goes_down_answers_503_and_recovers ({server:?})");
    let Some(mut redis) = support::redis::RedisServer::start(&name) else {
        return;
    };
    let store =
        RedisStore::new(RedisConfig::new(redis.url()).with_timeout(Duration::from_millis(500)))
            .unwrap();
    let interface =
        ServerSideSessionInterface::new(SessionConfig::default().with_secret_key(key()), store)
            .unwrap();
    let base = serve_on(
        server,
        SessionLifecycle::<DynamicSession, _>::new(interface),
    )
    .await;
    let browser = support::web::browser();
    let r = browser.get(format!("{base}/write")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let read = || async {
        let r = browser.get(format!("{base}/read")).send().await.unwrap();
        let status = r.status().as_u16();
        let cookie = r.headers().get("set-cookie").is_some();
        (status, cookie, r.text().await.unwrap())
    };
    // (Flask-Session's sessions are permanent: each answer refreshes the
    // cookie.)
    assert_eq!(read().await, (200, true, "z".to_owned()));

    redis.kill();
    let started = Instant::now();
    let (status, cookie, _) = read().await;
    assert_eq!((status, cookie), (503, false));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let r = browser.get(format!("{base}/write")).send().await.unwrap();
    assert_eq!(r.status(), 503, "a new session cannot be stored either");
    let r = browser.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    redis.restart();
    // The restarted server keeps nothing: the session is gone, and the
    // same cookie is answered with a fresh one, not an error.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _, text) = read().await;
        if status == 200 {
            assert_eq!(text, "none");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {status} after Redis came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = browser.get(format!("{base}/write")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(read().await, (200, true, "z".to_owned()));
}

/// A handler that extracts a session no middleware provides gets a 500
/// that names the fix, in the adapter's words.
async fn a_missing_middleware_is_named(server: Server) {
    let (base, fix) = match server {
        Server::Axum => (
            serve(axum_routes::routes()).await,
            "no SessionLayer for the session type `sessionkit::DynamicSession` covers this route",
        ),
        Server::Actix => (
            serve_actix(actix_routes::routes),
            "no SessionMiddleware for the session type `sessionkit::DynamicSession` wraps this route",
        ),
    };
    let r = reqwest::get(format!("{base}/read")).await.unwrap();
    assert_eq!(r.status(), 500);
    let text = r.text().await.unwrap();
    assert!(text.contains(fix), "{text}");
}

/// A custom interface that opens eagerly and reads a header besides the
/// cookie (`X-User`, put into the session): what an adapter hands the
/// interface must be the whole request head, not only the cookies.
struct HeaderUser(SecureCookieSessionInterface);

impl SessionInterface<DynamicSession> for HeaderUser {
    fn config(&self) -> &SessionConfig {
        SessionInterface::<DynamicSession>::config(&self.0)
    }
    fn open_session(&self, request: &http::request::Parts) -> Option<DynamicSession> {
        let mut session = self.0.open_session_with(self, request)?;
        if let Some(user) = request.headers.get("x-user").and_then(|v| v.to_str().ok()) {
            session.insert("user", user);
        }
        Some(session)
    }
    fn save_session(
        &self,
        session: &DynamicSession,
        headers: &mut http::HeaderMap,
    ) -> Result<(), SaveError> {
        self.0.save_session_with(self, session, headers)
    }
}

async fn an_eager_interface_reads_the_whole_head(server: Server) {
    let interface =
        SecureCookieSessionInterface::new(SessionConfig::default().with_secret_key(key()));
    let lifecycle = SessionLifecycle::<DynamicSession, _>::new(HeaderUser(interface.unwrap()));
    let base = serve_on(server, lifecycle).await;
    let r = reqwest::Client::new()
        .get(format!("{base}/read"))
        .header("x-user", "eve")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "eve");
}

on_both_servers!(
    an_eager_interface_reads_the_whole_head,
    errors_and_panics_still_save_the_session,
    a_null_session_refuses_writes,
    bad_cookies_open_fresh_sessions,
    vary_and_lazy_opening,
    hooks_answer_early_and_change_responses,
    a_store_that_goes_down_answers_503_and_recovers,
    a_missing_middleware_is_named,
);
