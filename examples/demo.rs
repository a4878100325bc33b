//! The sessionkit demo: a small axum app whose login session is shared with
//! Flask (same cookie, same keys as Flask-Login and `flash()`). The same
//! demo on actix-web is `examples/demo_actix.rs`: same pages, routes,
//! environment variables and cookies (what they share is in
//! `examples/demo_common/`).
//!
//! ```text
//! cargo run --example demo                      # http://127.0.0.1:3000
//! PORT=8080 SECRET_KEY='your flask secret' cargo run --example demo
//! RUST_LOG=warn cargo run --example demo        # quieter log
//! SESSION_STORE=memory cargo run --example demo # server-side sessions
//! SESSION_STORE=redis://127.0.0.1:6379/0 cargo run --features redis --example demo
//! SESSION_STORE=redis-cluster://127.0.0.1:7000,127.0.0.1:7001 cargo run --features redis --example demo
//! SESSION_STORE=postgres://postgres@127.0.0.1/app cargo run --features postgres --example demo
//! SESSION_STORE=sqlite://sessions.db cargo run --features sqlite --example demo
//! ```
//!
//! `SESSION_STORE` selects where sessions live: `cookie` (the default:
//! Flask's signed cookie, nothing to start), `memory` (server-side, in this
//! process), a `redis://host:port/db` URL (server-side in Redis, in
//! Flask-Session's layout: a Flask app with Flask-Session on that Redis and
//! the same `SECRET_KEY` shares the login) or a
//! `redis-cluster://host:port,host:port,…` URL (a Redis Cluster, same keys),
//! a `postgres://…` URL (PostgreSQL, Flask-Session's SQLAlchemy table
//! `sessions`, shared with a Flask app) or `sqlite://path` (a file, created
//! if missing: sessions that survive a restart with no server). With a
//! store the cookie holds only the session id.
//!
//! Routes: `GET /` (who is logged in, a visit counter, flashed messages, the
//! login and logout forms), `POST /login` (form field `username`),
//! `POST /logout`, `POST /logout-everywhere` (deletes every session of the
//! user; with a server-side store), `GET /api/session` (the session as JSON,
//! read-only) and `GET /health` (does not touch the session).
//!
//! A login stores Flask-Login's `_id` for the client, and `GET /` runs
//! Flask-Login's default session protection (a cookie sent by another
//! client stays logged in but is no longer fresh), as a Flask app sharing
//! the session does.
//!
//! The forms carry a Flask-WTF-compatible CSRF token; `POST /login` and
//! `POST /logout` refuse requests without a valid one (400) and cross-site
//! posts (403).
//!
//! The log goes to stderr. By default it shows sessionkit's `debug` events
//! (target [`sessionkit::error::LOG_TARGET`]): a tampered, expired, over-long or
//! malformed session cookie is logged there as it is replaced by a fresh
//! session. `RUST_LOG` takes `tracing-subscriber` target directives, such
//! as `warn` or `info,sessionkit=debug`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use sessionkit::SessionConfig;
use sessionkit::axum::Session;
use sessionkit::csrf::Csrf;
use sessionkit::error::ConfigError;
use sessionkit::flask_login;
use sessionkit::interface::SessionInterface;
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::tower::SessionLayer;

#[path = "demo_common/mod.rs"]
mod common;

use common::DemoState;
pub use common::{Backend, DemoSession, LoginForm, config, migrate};

/// The demo on axum.
#[derive(Debug)]
pub struct Axum;

impl common::Framework for Axum {
    type App = Router;

    fn routes<I: SessionInterface<DemoSession>>(
        lifecycle: SessionLifecycle<DemoSession, I>,
        state: DemoState,
    ) -> Result<Router, ConfigError> {
        let session = SessionLayer::from_lifecycle(lifecycle);
        // Flask-WTF's defaults, with the session's key; HTTPS if its cookie
        // is Secure. Refusals get the demo's page.
        let csrf = session.csrf_layer()?.on_error(common::csrf_refusal);
        Ok(Router::new()
            .route("/", get(home))
            .route("/login", post(login))
            .route("/logout", post(logout))
            .route("/logout-everywhere", post(logout_everywhere))
            .route("/api/session", get(api_session))
            // Checked only on matched routes (like Flask-WTF); unsafe methods only.
            .route_layer(csrf)
            .route("/health", get(|| async { "ok" }))
            .layer(Extension(state))
            .layer(session))
    }
}

/// The demo app, with sessions in the cookie.
///
/// # Errors
///
/// [`ConfigError`] for an invalid configuration.
pub fn app(config: SessionConfig) -> Result<Router, ConfigError> {
    app_with(config, &Backend::Cookie)
}

/// The demo app, with sessions where `backend` says.
///
/// # Errors
///
/// [`ConfigError`] for an invalid configuration (or a backend this build
/// has no feature for).
pub fn app_with(config: SessionConfig, backend: &Backend) -> Result<Router, ConfigError> {
    common::build::<Axum>(config, backend)
}

/// The request's Flask-Login session identifier (client address,
/// `X-Forwarded-For`, `User-Agent`).
fn login_identifier(
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
) -> String {
    let address = peer.map(|Extension(ConnectInfo(peer))| peer.ip().to_string());
    flask_login::session_identifier(address.as_deref(), headers)
}

async fn home(
    session: Session<DemoSession>,
    csrf: Csrf,
    Extension(state): Extension<DemoState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Html<String> {
    let info = common::PageInfo {
        backend: state.backend,
        cookie_bytes: common::session_cookie_bytes(
            headers
                .get_all(header::COOKIE)
                .iter()
                .map(HeaderValue::as_bytes),
        ),
    };
    let identifier = login_identifier(peer, &headers);
    Html(common::home(session.handle(), &csrf, &identifier, &info))
}

async fn login(
    session: Session<DemoSession>,
    csrf: Csrf,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Redirect {
    common::login(
        session.handle(),
        &csrf,
        login_identifier(peer, &headers),
        &form,
    );
    Redirect::to("/")
}

async fn logout(session: Session<DemoSession>) -> Redirect {
    common::logout(session.handle());
    Redirect::to("/")
}

async fn logout_everywhere(
    session: Session<DemoSession>,
    Extension(state): Extension<DemoState>,
) -> Response {
    match common::logout_everywhere(session.handle(), state.revoke.as_ref()).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
    }
}

async fn api_session(session: Session<DemoSession>) -> Response {
    let mut r = (StatusCode::OK, common::api_session(session.handle())).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_log()?;
    let key = common::key_from_env()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", common::port_from_env())).await?;
    println!(
        "sessionkit demo listening on http://{}",
        listener.local_addr()?
    );
    let backend = common::backend_from_env()?;
    println!("sessions: {backend:?}");
    migrate(&backend).await?;
    // The client address goes into Flask-Login's session identifier.
    let app = app_with(config(key), &backend)?.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
