//! The sessionkit demo: a small axum app whose login session is shared with
//! Flask (same cookie, same keys as Flask-Login and `flash()`).
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
use serde::Deserialize;
use sessionkit::axum::Session;
use sessionkit::codec::SecretKey;
use sessionkit::csrf::Csrf;
use sessionkit::error::ConfigError;
use sessionkit::flask_login::{self, ProtectionOutcome, SessionProtection};
use sessionkit::interface::{BoxFuture, SessionInterface};
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::store::{MemoryStore, ServerSideSessionInterface, SessionStore};
use sessionkit::tower::SessionLayer;
use sessionkit::{SessionConfig, SessionData, session};

/// The demo's session, with Flask-compatible keys: a Flask app using
/// Flask-Login and `flash()` with the same secret key shares it.
#[session(
    cookie = "session",
    lifetime = "31d",
    absolute_lifetime = "90d",
    same_site = "lax"
)]
#[derive(Debug)]
pub struct DemoSession {
    /// The logged-in user's id (Flask-Login's `_user_id`).
    #[session(rename = "_user_id")]
    user: Option<String>,
    /// Whether the login is fresh (Flask-Login's `_fresh`).
    #[session(rename = "_fresh")]
    fresh: bool,
    /// Flask-Login's session identifier (`_id`), set at login: Flask-Login
    /// compares it with each request's and marks a mismatched login stale.
    #[session(rename = "_id")]
    login_id: Option<String>,
    /// Flashed messages, `(category, message)` (Flask's `_flashes`).
    #[session(rename = "_flashes")]
    flashes: Vec<(String, String)>,
    /// Visits to the home page.
    visits: u64,
}

/// The demo's configuration: the session type's options plus `key`.
pub fn config(key: SecretKey) -> SessionConfig {
    DemoSession::default_config().with_secret_key(key)
}

/// Where the demo keeps sessions (`SESSION_STORE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// In the cookie, as Flask does (`cookie`, the default).
    Cookie,
    /// In this process's memory (`memory`).
    Memory,
    /// In Redis, in Flask-Session's layout (`redis://…`).
    Redis(String),
    /// In a Redis Cluster, same keys (`redis-cluster://h1:p1,h2:p2,…`).
    RedisCluster(String),
    /// In PostgreSQL, Flask-Session's SQLAlchemy table (`postgres://…`).
    Postgres(String),
    /// In an SQLite file (`sqlite://path`).
    Sqlite(String),
}

impl Backend {
    /// Reads `SESSION_STORE`'s value (unset or empty: `cookie`).
    ///
    /// # Errors
    ///
    /// A message naming the accepted values.
    pub fn parse(value: Option<&str>) -> Result<Backend, String> {
        match value.map(str::trim) {
            None | Some("" | "cookie") => Ok(Backend::Cookie),
            Some("memory") => Ok(Backend::Memory),
            Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
                Ok(Backend::Redis(url.to_owned()))
            }
            Some(url) if url.starts_with("redis-cluster://") => {
                Ok(Backend::RedisCluster(url.to_owned()))
            }
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Backend::Postgres(url.to_owned()))
            }
            Some(url) if url.starts_with("sqlite://") => Ok(Backend::Sqlite(url.to_owned())),
            Some(other) => Err(format!(
                "SESSION_STORE={other:?}: use `cookie`, `memory`, redis://host:port/db, \
                 redis-cluster://host:port,host:port, postgres://… or sqlite://path"
            )),
        }
    }
}

/// Deletes every session of a user ("log out everywhere"), when sessions
/// live in a store.
type Revoke = std::sync::Arc<dyn Fn(String) -> BoxFuture<Result<usize, String>> + Send + Sync>;

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
/// [`ConfigError`] for an invalid configuration (or a Redis backend in a
/// build without the `redis` feature).
pub fn app_with(config: SessionConfig, backend: &Backend) -> Result<Router, ConfigError> {
    match backend {
        Backend::Cookie => routes(SessionLayer::<DemoSession>::with_config(config)?, None),
        Backend::Memory => store_app(config, MemoryStore::new()),
        #[cfg(feature = "redis")]
        Backend::Redis(url) => {
            let store = sessionkit::store::RedisStore::new(sessionkit::store::RedisConfig::new(
                url.as_str(),
            ))?;
            store_app(config, store)
        }
        #[cfg(feature = "redis")]
        Backend::RedisCluster(url) => {
            let store = sessionkit::store::RedisClusterStore::new(
                sessionkit::store::RedisClusterConfig::from_url(url)?,
            )?;
            store_app(config, store)
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres(url) => store_app(config, postgres_store(url)?),
        #[cfg(not(feature = "postgres"))]
        Backend::Postgres(_) => Err(ConfigError::Store(
            "this build has no PostgreSQL store: run with `--features postgres`".into(),
        )),
        #[cfg(feature = "sqlite")]
        Backend::Sqlite(url) => store_app(config, sqlite_store(url)?),
        #[cfg(not(feature = "sqlite"))]
        Backend::Sqlite(_) => Err(ConfigError::Store(
            "this build has no SQLite store: run with `--features sqlite`".into(),
        )),
        #[cfg(not(feature = "redis"))]
        Backend::Redis(_) | Backend::RedisCluster(_) => Err(ConfigError::Store(
            "this build has no Redis store: run with `--features redis`".into(),
        )),
    }
}

#[cfg(feature = "postgres")]
fn postgres_store(url: &str) -> Result<sessionkit::store::PostgresStore, ConfigError> {
    let config = sessionkit::store::SqlConfig::new(url).flask_session_layout();
    sessionkit::store::PostgresStore::new(config)
}

#[cfg(feature = "sqlite")]
fn sqlite_store(url: &str) -> Result<sessionkit::store::SqliteStore, ConfigError> {
    sessionkit::store::SqliteStore::new(sessionkit::store::SqlConfig::new(url))
}

/// Creates the SQL backends' tables if they are missing (run once before
/// serving; nothing to do for the other backends).
///
/// # Errors
///
/// The database's refusal, or an invalid URL.
pub async fn migrate(backend: &Backend) -> Result<(), Box<dyn std::error::Error>> {
    match backend {
        #[cfg(feature = "postgres")]
        Backend::Postgres(url) => postgres_store(url)?.migrate().await?,
        #[cfg(feature = "sqlite")]
        Backend::Sqlite(url) => sqlite_store(url)?.migrate().await?,
        _ => {}
    }
    Ok(())
}

/// The app over a server-side store.
fn store_app<St: SessionStore>(config: SessionConfig, store: St) -> Result<Router, ConfigError> {
    let interface = ServerSideSessionInterface::new(config, store)?;
    let revoker = interface.clone();
    let revoke: Revoke = std::sync::Arc::new(move |user: String| {
        let revoker = revoker.clone();
        Box::pin(async move { revoker.revoke_user(&user).await.map_err(|e| e.to_string()) })
    });
    let layer = SessionLayer::from_lifecycle(SessionLifecycle::<DemoSession, _>::new(interface));
    routes(layer, Some(revoke))
}

fn routes<I: SessionInterface<DemoSession>>(
    session: SessionLayer<DemoSession, I>,
    revoke: Option<Revoke>,
) -> Result<Router, ConfigError> {
    // Flask-WTF's defaults, with the session's key; HTTPS if its cookie is
    // Secure.
    let csrf = session.csrf_layer()?;
    Ok(Router::new()
        .route("/", get(home))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/logout-everywhere", post(logout_everywhere))
        .route("/api/session", get(api_session))
        // Checked only on matched routes (like Flask-WTF); unsafe methods only.
        .route_layer(csrf)
        .route("/health", get(|| async { "ok" }))
        .layer(Extension(revoke))
        .layer(session))
}

/// Escapes text for HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
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

/// Flask-Login's default (`basic`) session protection, as Flask runs it when
/// it loads the user: a login whose cookie comes from another client stays
/// logged in but is no longer fresh.
fn protect(s: &mut DemoSession, current: &str) {
    let outcome = SessionProtection::Basic.check(
        s.is_empty(),
        s.is_permanent(),
        s.login_id().as_deref(),
        current,
    );
    // Flask-Login also writes `_fresh = False` when the key is missing; a
    // missing `_fresh` already reads as false here.
    if outcome == ProtectionOutcome::Stale && *s.fresh() {
        s.set_fresh(false);
    }
}

async fn home(
    session: Session<DemoSession>,
    csrf: Csrf,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Html<String> {
    let mut s = session.lock();
    protect(&mut s, &login_identifier(peer, &headers));
    *s.visits_mut() += 1;
    let flashes = s.take_flashes();
    let visits = *s.visits();
    let user = s.user().clone();
    let token = csrf.token(&mut *s).unwrap_or_default();
    drop(s);
    let hidden = format!(
        "<input type=\"hidden\" name=\"csrf_token\" value=\"{}\">",
        escape(&token)
    );

    let who = match &user {
        Some(u) => format!(
            "<p>Logged in as <strong id=\"user\">{}</strong>.</p>\
             <form method=\"post\" action=\"/logout\">{hidden}<button type=\"submit\">Log out</button></form>\
             <form method=\"post\" action=\"/logout-everywhere\">{hidden}<button type=\"submit\">Log out everywhere</button></form>",
            escape(u)
        ),
        None => format!(
            "<p id=\"user\">Not logged in.</p>\
             <form method=\"post\" action=\"/login\">{hidden}\
             <label>Username <input name=\"username\" required></label> \
             <button type=\"submit\">Log in</button></form>"
        ),
    };
    let flashed: String = flashes
        .iter()
        .map(|(category, message)| {
            format!(
                "<li class=\"{}\">{}</li>",
                escape(category),
                escape(message)
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>sessionkit demo</title></head><body>\
         <h1>sessionkit demo</h1>{who}<p>Visits: <span id=\"visits\">{visits}</span></p>\
         <ul id=\"flashes\">{flashed}</ul>\
         <p><a href=\"/api/session\">/api/session</a></p></body></html>"
    ))
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
}

async fn login(
    session: Session<DemoSession>,
    csrf: Csrf,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Redirect {
    let mut s = session.lock();
    let name = form.username.trim();
    if name.is_empty() {
        s.flashes_mut()
            .push(("error".into(), "Please enter a user name.".into()));
    } else {
        // What Flask-Login's `login_user` stores, so that a Flask app
        // sharing the session keeps the login fresh.
        s.set_login_id(Some(login_identifier(peer, &headers)));
        s.set_user(Some(name.to_owned()));
        s.set_fresh(true);
        s.set_permanent(true);
        // A new CSRF token at login: one issued before it (possibly to an
        // attacker) is no longer valid.
        let _ = csrf.rotate(&mut *s);
        s.flashes_mut()
            .push(("message".into(), format!("Logged in as {name}.")));
        drop(s);
        // A new session id at login (with a server-side store; a cookie
        // session has none): an id known before the login is worthless.
        session.handle().regenerate();
    }
    Redirect::to("/")
}

async fn logout(session: Session<DemoSession>) -> Redirect {
    session.lock().clear();
    Redirect::to("/")
}

/// Deletes every session of the logged-in user (with a server-side store),
/// this one included.
async fn logout_everywhere(
    session: Session<DemoSession>,
    Extension(revoke): Extension<Option<Revoke>>,
) -> Response {
    let user = session.lock().user().clone();
    match (user, revoke) {
        (Some(user), Some(revoke)) => match revoke(user).await {
            Ok(_) => {
                session.lock().clear();
                Redirect::to("/").into_response()
            }
            Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
        },
        (Some(_), None) => {
            session.lock().flashes_mut().push((
                "error".into(),
                "Logging out everywhere needs a server-side store (SESSION_STORE=memory or redis://…); \
                 cookie sessions cannot be revoked before they expire."
                    .into(),
            ));
            Redirect::to("/").into_response()
        }
        (None, _) => Redirect::to("/").into_response(),
    }
}

async fn api_session(session: Session<DemoSession>) -> Response {
    let s = session.lock();
    let body = serde_json::json!({
        "user": s.user(),
        "visits": s.visits(),
        "permanent": s.is_permanent(),
    });
    drop(s);
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Logs to stderr: `RUST_LOG`'s directives, or everything at `info` and
/// sessionkit's events at `debug`.
fn init_log() -> Result<(), Box<dyn std::error::Error>> {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;

    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.is_empty() => directives
            .parse::<Targets>()
            .map_err(|e| format!("RUST_LOG={directives:?}: {e}"))?,
        _ => Targets::new()
            .with_default(LevelFilter::INFO)
            .with_target(sessionkit::error::LOG_TARGET, LevelFilter::DEBUG),
    };
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .try_init()?;
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    init_log()?;
    let key = match std::env::var("SECRET_KEY") {
        Ok(k) if !k.is_empty() => SecretKey::from_text(&k)?,
        _ => {
            eprintln!("!! ------------------------------------------------------------------");
            eprintln!("!! SECRET_KEY is not set: using a RANDOM key for this run.");
            eprintln!("!! Sessions will not survive a restart and cannot be shared with Flask.");
            eprintln!("!! Set SECRET_KEY to your Flask app's secret key to share its login.");
            eprintln!("!! ------------------------------------------------------------------");
            SecretKey::generate(32)?
        }
    };
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "sessionkit demo listening on http://{}",
        listener.local_addr()?
    );
    let backend = Backend::parse(std::env::var("SESSION_STORE").ok().as_deref())?;
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
