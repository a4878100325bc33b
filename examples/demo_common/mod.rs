//! What the two demos share — the axum one (`examples/demo.rs`) and the
//! actix-web one (`examples/demo_actix.rs`): the session type, the
//! `SESSION_STORE` backends, the pages and what each route does to the
//! session. Each demo only wires these to its framework, so either server
//! can replace the other behind one cookie.

use sessionkit::codec::SecretKey;
use sessionkit::csrf::{Csrf, CsrfError};
use sessionkit::error::ConfigError;
use sessionkit::flask_login::{ProtectionOutcome, SessionProtection};
use sessionkit::interface::{BoxFuture, SecureCookieSessionInterface, SessionInterface};
use sessionkit::lifecycle::{EarlyResponse, SessionHandle, SessionLifecycle};
use sessionkit::store::{MemoryStore, ServerSideSessionInterface, SessionStore};
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
pub(crate) type Revoke =
    std::sync::Arc<dyn Fn(String) -> BoxFuture<Result<usize, String>> + Send + Sync>;

/// What the demo's handlers share besides the session.
#[derive(Clone)]
pub(crate) struct DemoState {
    /// Deletes a user's sessions, when they live in a store.
    pub revoke: Option<Revoke>,
    /// Where sessions are stored, for the page ([`Backend::label`]).
    pub backend: String,
}

/// A web framework the demo runs on: builds the app's routes around a
/// session lifecycle.
pub(crate) trait Framework {
    /// What the framework serves.
    type App;

    /// The demo's routes around `lifecycle`, with the handlers' `state`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for an invalid configuration.
    fn routes<I: SessionInterface<DemoSession>>(
        lifecycle: SessionLifecycle<DemoSession, I>,
        state: DemoState,
    ) -> Result<Self::App, ConfigError>;
}

/// The demo app on framework `F`, with sessions where `backend` says.
///
/// # Errors
///
/// [`ConfigError`] for an invalid configuration (or a backend this build
/// has no feature for).
pub(crate) fn build<F: Framework>(
    config: SessionConfig,
    backend: &Backend,
) -> Result<F::App, ConfigError> {
    let label = backend.label();
    match backend {
        Backend::Cookie => F::routes(
            SessionLifecycle::new(SecureCookieSessionInterface::new(config)?),
            DemoState {
                revoke: None,
                backend: label,
            },
        ),
        Backend::Memory => store_app::<F, _>(config, MemoryStore::new(), label),
        #[cfg(feature = "redis")]
        Backend::Redis(url) => {
            let store = sessionkit::store::RedisStore::new(sessionkit::store::RedisConfig::new(
                url.as_str(),
            ))?;
            store_app::<F, _>(config, store, label)
        }
        #[cfg(feature = "redis")]
        Backend::RedisCluster(url) => {
            let store = sessionkit::store::RedisClusterStore::new(
                sessionkit::store::RedisClusterConfig::from_url(url)?,
            )?;
            store_app::<F, _>(config, store, label)
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres(url) => store_app::<F, _>(config, postgres_store(url)?, label),
        #[cfg(not(feature = "postgres"))]
        Backend::Postgres(_) => Err(ConfigError::Store(
            "this build has no PostgreSQL store: run with `--features postgres`".into(),
        )),
        #[cfg(feature = "sqlite")]
        Backend::Sqlite(url) => store_app::<F, _>(config, sqlite_store(url)?, label),
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
fn store_app<F: Framework, St: SessionStore>(
    config: SessionConfig,
    store: St,
    backend: String,
) -> Result<F::App, ConfigError> {
    let interface = ServerSideSessionInterface::new(config, store)?;
    let revoker = interface.clone();
    let revoke: Revoke = std::sync::Arc::new(move |user: String| {
        let revoker = revoker.clone();
        Box::pin(async move { revoker.revoke_user(&user).await.map_err(|e| e.to_string()) })
    });
    F::routes(
        SessionLifecycle::new(interface),
        DemoState {
            revoke: Some(revoke),
            backend,
        },
    )
}

/// Escapes text for HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
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

/// What the home page shows about where the session lives.
#[derive(Clone, Debug)]
pub(crate) struct PageInfo {
    /// Where sessions are stored (see [`Backend::label`]).
    pub backend: String,
    /// The size of the session cookie the browser sent, if any.
    pub cookie_bytes: Option<usize>,
}

impl Backend {
    /// `SESSION_STORE`'s value for this backend ([`Backend::parse`]'s input):
    /// the tests that serve both demos give one backend to each.
    #[allow(dead_code)]
    pub(crate) fn store_value(&self) -> String {
        match self {
            Backend::Cookie => "cookie".into(),
            Backend::Memory => "memory".into(),
            Backend::Redis(u)
            | Backend::RedisCluster(u)
            | Backend::Postgres(u)
            | Backend::Sqlite(u) => u.clone(),
        }
    }

    /// Where sessions are stored, for people.
    pub(crate) fn label(&self) -> String {
        match self {
            Backend::Cookie => "the cookie itself (signed, Flask's format)".into(),
            Backend::Memory => "this server's memory (the cookie holds an id)".into(),
            Backend::Redis(_) => "Redis, Flask-Session's layout (the cookie holds an id)".into(),
            Backend::RedisCluster(_) => "a Redis Cluster (the cookie holds an id)".into(),
            Backend::Postgres(_) => {
                "PostgreSQL, Flask-Session's table (the cookie holds an id)".into()
            }
            Backend::Sqlite(_) => "an SQLite file (the cookie holds an id)".into(),
        }
    }
}

/// The size of the `session` cookie in `Cookie` header values.
pub(crate) fn session_cookie_bytes<'a>(
    headers: impl IntoIterator<Item = &'a [u8]>,
) -> Option<usize> {
    headers.into_iter().find_map(|header| {
        header
            .split(|b| *b == b';')
            .map(<[u8]>::trim_ascii)
            .find_map(|pair| pair.strip_prefix(b"session="))
            .map(|value| "session=".len() + value.len())
    })
}

/// The demo's stylesheet: readable on a phone, no external assets.
const STYLE: &str = "\
:root{color-scheme:light dark;--accent:#2f6fde;--muted:#6b7280;--card:#f4f6fa;--ok:#e7f6ec;--bad:#fdecec}\
@media (prefers-color-scheme:dark){:root{--card:#1d2230;--ok:#173323;--bad:#3a1c1c;--muted:#9aa3b2}}\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}\
main{max-width:34rem;margin:0 auto;padding:1.25rem 1rem 3rem}\
h1{font-size:1.5rem;margin:0 0 1rem}h1 small{display:block;font-size:.85rem;font-weight:400;color:var(--muted)}\
h2{font-size:1rem;margin:0 0 .5rem}\
.card{background:var(--card);border-radius:.75rem;padding:1rem;margin:0 0 1rem}.card>p:first-child{margin-top:0}\
#flashes{list-style:none;margin:0 0 1rem;padding:0}#flashes:empty{display:none}\
#flashes li{border-radius:.5rem;padding:.6rem .8rem;margin:0 0 .5rem;background:var(--ok)}\
#flashes li.error{background:var(--bad)}\
form{margin:.5rem 0 0}label{display:block;font-weight:600;margin:0 0 .25rem}\
input[name=username]{width:100%;font:inherit;padding:.55rem .7rem;border:1px solid var(--muted);border-radius:.5rem;margin:0 0 .5rem}\
button{font:inherit;font-weight:600;padding:.55rem 1rem;border:0;border-radius:.5rem;background:var(--accent);color:#fff;cursor:pointer;width:100%}\
button.quiet{background:transparent;color:var(--accent);border:1px solid var(--accent)}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}\
.links{font-size:.9rem;color:var(--muted)}a{color:var(--accent)}";

/// A page of the demo around `body`.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    )
}

/// `GET /`: counts the visit, shows (and consumes) the flashes, the login
/// or logout forms with their CSRF token, and the session as a user would
/// want to see it: who, visits, where it is stored, the cookie's size and
/// expiry. `identifier` is the request's Flask-Login session identifier.
pub(crate) fn home(
    session: &SessionHandle<DemoSession>,
    csrf: &Csrf,
    identifier: &str,
    info: &PageInfo,
) -> String {
    let mut s = session.lock();
    protect(&mut s, identifier);
    *s.visits_mut() += 1;
    let flashes = s.take_flashes();
    let visits = *s.visits();
    let user = s.user().clone();
    let permanent = s.is_permanent();
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
             <form method=\"post\" action=\"/logout-everywhere\">{hidden}<button class=\"quiet\" type=\"submit\">Log out everywhere</button></form>",
            escape(u)
        ),
        None => format!(
            "<p id=\"user\">Not logged in.</p>\
             <form method=\"post\" action=\"/login\">{hidden}\
             <label for=\"username\">Username</label><input id=\"username\" name=\"username\" required autocomplete=\"username\"> \
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
    let cookie = match info.cookie_bytes {
        Some(n) => format!("{n} bytes sent by your browser"),
        None => "none sent yet".to_owned(),
    };
    let expiry = if permanent {
        "in 31 days, renewed on each visit (at most 90 days after login)"
    } else {
        "when the browser closes"
    };
    page(
        "sessionkit demo",
        &format!(
            "<h1>sessionkit demo<small>typed sessions, shared with Flask</small></h1>\
             <ul id=\"flashes\">{flashed}</ul>\
             <section class=\"card\">{who}</section>\
             <section class=\"card\"><h2>Your session</h2><dl>\
             <dt>Visits</dt><dd><span id=\"visits\">{visits}</span></dd>\
             <dt>Stored in</dt><dd id=\"backend\">{}</dd>\
             <dt>Cookie</dt><dd id=\"cookie\">{cookie}</dd>\
             <dt>Expires</dt><dd id=\"expiry\">{expiry}</dd></dl></section>\
             <p class=\"links\">The session as JSON: <a href=\"/api/session\">/api/session</a></p>",
            escape(&info.backend)
        ),
    )
}

/// The demo's answer to a CSRF refusal: Flask-WTF's message (in
/// `#error`), what it means for the visitor, and a way back; the status is
/// the check's (400, 403 or 413).
pub(crate) fn csrf_refusal(e: &CsrfError) -> EarlyResponse {
    let meaning = match e {
        CsrfError::CrossSite | CsrfError::OriginMismatch => {
            "The form was sent by a page of another site, so it was not carried out."
        }
        CsrfError::BodyTooLarge | CsrfError::BodyUnreadable => "The form could not be read.",
        _ => {
            "The form came from an old or foreign page, so it was not carried out: \
              go back, reload the page and send it again."
        }
    };
    let body = page(
        "Request refused — sessionkit demo",
        &format!(
            "<h1>Request refused</h1><section class=\"card\"><p id=\"error\">{}</p>\
             <p>{meaning} Your session is unchanged.</p></section>\
             <p class=\"links\"><a href=\"/\">Back to the demo</a></p>",
            escape(&e.to_string())
        ),
    );
    http::Response::builder()
        .status(e.status())
        .header("content-type", "text/html; charset=utf-8")
        .body(body.into_bytes())
        .unwrap_or_default()
}

/// The login form.
#[derive(Debug, serde::Deserialize)]
pub struct LoginForm {
    username: String,
}

/// `POST /login` (then redirect to `/`): logs `form.username` in, as
/// Flask-Login's `login_user` does, with a new CSRF token and (with a
/// store) a new session id.
pub(crate) fn login(
    session: &SessionHandle<DemoSession>,
    csrf: &Csrf,
    identifier: String,
    form: &LoginForm,
) {
    let mut s = session.lock();
    let name = form.username.trim();
    if name.is_empty() {
        s.flashes_mut()
            .push(("error".into(), "Please enter a user name.".into()));
        return;
    }
    // What Flask-Login's `login_user` stores, so that a Flask app sharing
    // the session keeps the login fresh.
    s.set_login_id(Some(identifier));
    s.set_user(Some(name.to_owned()));
    s.set_fresh(true);
    s.set_permanent(true);
    // A new CSRF token at login: one issued before it (possibly to an
    // attacker) is no longer valid.
    let _ = csrf.rotate(&mut *s);
    s.flashes_mut()
        .push(("message".into(), format!("Logged in as {name}.")));
    drop(s);
    // A new session id at login (with a server-side store; a cookie session
    // has none): an id known before the login is worthless.
    session.regenerate();
}

/// `POST /logout` (then redirect to `/`).
pub(crate) fn logout(session: &SessionHandle<DemoSession>) {
    session.lock().clear();
}

/// `POST /logout-everywhere` (then redirect to `/`): deletes every session
/// of the logged-in user (with a server-side store), this one included.
///
/// # Errors
///
/// The store's error, for a 503.
pub(crate) async fn logout_everywhere(
    session: &SessionHandle<DemoSession>,
    revoke: Option<&Revoke>,
) -> Result<(), String> {
    let user = session.lock().user().clone();
    match (user, revoke) {
        (Some(user), Some(revoke)) => {
            revoke(user).await?;
            session.lock().clear();
        }
        (Some(_), None) => session.lock().flashes_mut().push((
            "error".into(),
            "Logging out everywhere needs a server-side store (SESSION_STORE=memory or redis://…); \
             cookie sessions cannot be revoked before they expire."
                .into(),
        )),
        (None, _) => {}
    }
    Ok(())
}

/// `GET /api/session`: the session as JSON (read-only).
pub(crate) fn api_session(session: &SessionHandle<DemoSession>) -> String {
    let s = session.lock();
    serde_json::json!({
        "user": s.user(),
        "visits": s.visits(),
        "permanent": s.is_permanent(),
    })
    .to_string()
}

/// The secret key from `SECRET_KEY`, or a random one with a loud warning.
///
/// # Errors
///
/// A key the codec refuses, or no randomness.
pub(crate) fn key_from_env() -> Result<SecretKey, Box<dyn std::error::Error>> {
    Ok(match std::env::var("SECRET_KEY") {
        Ok(k) if !k.is_empty() => SecretKey::from_text(&k)?,
        _ => {
            eprintln!("!! ------------------------------------------------------------------");
            eprintln!("!! SECRET_KEY is not set: using a RANDOM key for this run.");
            eprintln!("!! Sessions will not survive a restart and cannot be shared with Flask.");
            eprintln!("!! Set SECRET_KEY to your Flask app's secret key to share its login.");
            eprintln!("!! ------------------------------------------------------------------");
            SecretKey::generate(32)?
        }
    })
}

/// `PORT` (default 3000).
pub(crate) fn port_from_env() -> u16 {
    std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000)
}

/// `SESSION_STORE`.
///
/// # Errors
///
/// A message naming the accepted values.
pub(crate) fn backend_from_env() -> Result<Backend, String> {
    Backend::parse(std::env::var("SESSION_STORE").ok().as_deref())
}

/// Logs to stderr: `RUST_LOG`'s directives, or everything at `info` and
/// sessionkit's events at `debug`.
///
/// # Errors
///
/// Bad `RUST_LOG` directives, or a logger already set.
pub(crate) fn init_log() -> Result<(), Box<dyn std::error::Error>> {
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
