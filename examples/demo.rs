//! The sessionkit demo: a small axum app whose login session is shared with
//! Flask (same cookie, same keys as Flask-Login and `flash()`).
//!
//! ```text
//! cargo run --example demo                      # http://127.0.0.1:3000
//! PORT=8080 SECRET_KEY='your flask secret' cargo run --example demo
//! RUST_LOG=warn cargo run --example demo        # quieter log
//! ```
//!
//! Routes: `GET /` (who is logged in, a visit counter, flashed messages, the
//! login and logout forms), `POST /login` (form field `username`),
//! `POST /logout`, `GET /api/session` (the session as JSON, read-only) and
//! `GET /health` (does not touch the session).
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

/// The demo app.
///
/// # Errors
///
/// [`ConfigError`] for an invalid configuration.
pub fn app(config: SessionConfig) -> Result<Router, ConfigError> {
    let session = SessionLayer::<DemoSession>::with_config(config)?;
    // Flask-WTF's defaults, with the session's key; HTTPS if its cookie is
    // Secure.
    let csrf = session.csrf_layer()?;
    Ok(Router::new()
        .route("/", get(home))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/api/session", get(api_session))
        // Checked only on matched routes (like Flask-WTF); unsafe methods only.
        .route_layer(csrf)
        .route("/health", get(|| async { "ok" }))
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
             <form method=\"post\" action=\"/logout\">{hidden}<button type=\"submit\">Log out</button></form>",
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
    }
    Redirect::to("/")
}

async fn logout(session: Session<DemoSession>) -> Redirect {
    session.lock().clear();
    Redirect::to("/")
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
    // The client address goes into Flask-Login's session identifier.
    let app = app(config(key))?.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
