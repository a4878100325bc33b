//! The server for the loopback HTTP comparison in BENCHMARKS.md: the same
//! demo-style handler with a session (`/with`: reads and writes a small
//! typed session, Flask-exact cookies) and without (`/without`).
//!
//! `/constant` is the ceiling for any session library: the handler without
//! a session, answering with the headers a session response carries
//! (`Set-Cookie` and `Vary: Cookie`, copied from one `/with` response made
//! at start-up), so it pays for those bytes and for nothing else.
//!
//! ```text
//! PORT=3999 cargo run --release -p sessionkit-benches --example bench_server
//! COMPRESSION=never PORT=3999 cargo run --release -p sessionkit-benches --example bench_server
//! COMPRESSION=above:256 PORT=3999 cargo run --release -p sessionkit-benches --example bench_server
//! ```

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, Request, header};
use axum::routing::get;
use sessionkit::axum::Session;
use sessionkit::codec::{Compression, SecretKey};
use sessionkit::testing::SessionTester;
use sessionkit::tower::SessionLayer;
use sessionkit::{SessionData, session};
use tower::ServiceExt;

/// A small session, like the benches' `small` fixture.
#[derive(Debug)]
#[session(lifetime = "31d")]
pub struct Small {
    csrf_token: Option<String>,
    visits: u64,
    /// Differs on every request (as a real browser's cookie would), so no
    /// cache can make saving cheaper than it is.
    last: u64,
}

static REQUESTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

async fn with_session(session: Session<Small>) -> String {
    let mut s = session.lock();
    *s.visits_mut() += 1;
    s.set_last(REQUESTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    format!("visit {}", s.visits())
}

async fn without_session() -> String {
    format!("visit {}", 1)
}

/// The session `benches/window.py` sends (it signs the same JSON with the
/// command-line tool), as a `Cookie` header value.
pub fn window_cookie(key: SecretKey) -> Result<String, Box<dyn std::error::Error>> {
    Ok(SessionTester::<Small>::new(key)?.cookie(|s| {
        s.set_permanent(true);
        s.set_csrf_token(Some("3d70005188f7b2c3a77763d99821c06a3c520414".into()));
        s.set_last(1);
        s.set_visits(1);
    })?)
}

/// Builds the `/constant` route from one `/with` response to a request
/// carrying `cookie`: its header values are copied once and shared (cloning
/// one only counts a reference), so the route pays for inserting and
/// sending them and nothing else, as the session layer inserts its own.
async fn constant_route(app: &Router, cookie: &str) -> Result<Router, Box<dyn std::error::Error>> {
    let request = Request::get("/with")
        .header(header::COOKIE, cookie)
        .body(Body::empty())?;
    let response = app.clone().oneshot(request).await?;
    let copy = |name: HeaderName| {
        let value = response.headers().get(&name).cloned();
        value
            .map(|value| (name.clone(), value))
            .ok_or_else(|| format!("the /with response has no {name} header"))
    };
    let headers = [copy(header::SET_COOKIE)?, copy(header::VARY)?];
    Ok(Router::new().route(
        "/constant",
        get(move || {
            let headers = headers.clone();
            async move { (headers, format!("visit {}", 1)) }
        }),
    ))
}

/// The app: `/with` (the session layer with `compression`), `/without`
/// and `/constant`.
pub async fn app(
    key: SecretKey,
    compression: Compression,
) -> Result<Router, Box<dyn std::error::Error>> {
    let cookie = window_cookie(key.clone())?;
    let app = Router::new()
        .route("/with", get(with_session))
        .layer(SessionLayer::<Small>::with_config(
            Small::default_config()
                .with_secret_key(key)
                .with_compression(compression),
        )?)
        .merge(Router::new().route("/without", get(without_session)));
    let constant = constant_route(&app, &cookie).await?;
    Ok(app.merge(constant))
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = SecretKey::from_text("benchmark-secret-key-0123456789abcdef")?;
    // `auto` (the default), `never` or `above:N`.
    let compression: Compression = match std::env::var("COMPRESSION") {
        Ok(c) => c.parse()?,
        Err(_) => Compression::Auto,
    };
    let app = app(key, compression).await?;
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3999);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
