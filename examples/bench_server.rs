//! The server for the loopback HTTP comparison in BENCHMARKS.md: the same
//! demo-style handler with a session (`/with`: reads and writes a small
//! typed session, Flask-exact cookies) and without (`/without`).
//!
//! ```text
//! PORT=3999 cargo run --release --example bench_server
//! COMPRESSION=never PORT=3999 cargo run --release --example bench_server
//! COMPRESSION=above:256 PORT=3999 cargo run --release --example bench_server
//! ```

use axum::Router;
use axum::routing::get;
use sessionkit::axum::{Session, SessionLayer};
use sessionkit::codec::{Compression, SecretKey};
use sessionkit::{SessionData, session};

/// A small session, like the benches' `small` fixture.
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = SecretKey::from_text("benchmark-secret-key-0123456789abcdef")?;
    let app = Router::new()
        .route("/with", get(with_session))
        .layer(SessionLayer::<Small>::with_config({
            // `auto` (the default), `never` or `above:N`.
            let compression: Compression = match std::env::var("COMPRESSION") {
                Ok(c) => c.parse()?,
                Err(_) => Compression::Auto,
            };
            Small::default_config()
                .with_secret_key(key)
                .with_compression(compression)
        })?)
        .merge(Router::new().route("/without", get(without_session)));
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3999);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
