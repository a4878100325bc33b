//! **sessionkit**: typed, declarative web sessions for Rust, byte-compatible
//! with Flask's session cookies.
//!
//! # Quick start (axum)
//!
//! Declare what the session holds with [`session`]; add a
//! [`SessionLayer`](axum::SessionLayer); extract [`Session<T>`](axum::Session)
//! in handlers. The cookie is the one Flask writes for the same data and
//! secret key, so a Flask app and this service share one login.
//!
//! ```
//! use axum::{Router, routing::get};
//! use sessionkit::axum::Session;
//! use sessionkit::tower::SessionLayer;
//! use sessionkit::codec::SecretKey;
//! use sessionkit::session;
//! use tower::ServiceExt as _;
//!
//! #[session(lifetime = "31d")]
//! pub struct Visitor {
//!     /// Flask-Login's key: shared with the Flask app.
//!     #[session(rename = "_user_id")]
//!     user: Option<String>,
//!     visits: u64,
//! }
//!
//! async fn home(session: Session<Visitor>) -> String {
//!     let mut s = session.lock();
//!     *s.visits_mut() += 1;
//!     format!("{} visit(s) by {:?}", s.visits(), s.user())
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let key = SecretKey::from_text("the same SECRET_KEY as the Flask app")?;
//! let app = Router::new()
//!     .route("/", get(home))
//!     .layer(SessionLayer::<Visitor>::with_key(key)?);
//!
//! let request = http::Request::get("/").body(axum::body::Body::empty())?;
//! let response = app.oneshot(request).await?;
//! // {"visits":1}, signed as Flask signs it.
//! let cookie = response.headers()["set-cookie"].to_str()?;
//! assert!(cookie.starts_with("session=eyJ2aXNpdHMiOjF9."));
//! assert!(cookie.ends_with("; HttpOnly; Path=/; SameSite=Lax"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is here
//!
//! - [`session`]: the `#[session]` attribute (typed accessors, change
//!   tracking, cookie options checked at compile time);
//! - [`codec`]: the Flask-compatible cookie codec (itsdangerous signing,
//!   tagged JSON, Flask's exact zlib output), usable on its own;
//! - [`interface`] (Flask's `SessionInterface` and
//!   `SecureCookieSessionInterface`), [`DynamicSession`] and
//!   [`SessionLifecycle`](lifecycle::SessionLifecycle): Flask's session system (open
//!   before the handler, save after, by Flask's rules) over plain `http`
//!   types, with any framework; [`config`] and [`error`];
//! - [`store`]: server-side sessions in Flask-Session's layout (memory;
//!   Redis and Redis Cluster with the `redis` feature; PostgreSQL and
//!   SQLite with `postgres` / `sqlite`), with no lost updates;
//! - [`tower`]: the session and CSRF layers; [`axum`]: the extractors
//!   (cargo feature `axum`, on by default); [`csrf`]: Flask-WTF-compatible
//!   CSRF protection;
//!   [`flask_login`]: Flask-Login's keys, session protection and
//!   remember-me cookie; [`testing`]: session cookies for your own tests.
//!
//! The codec alone:
//!
//! ```
//! use sessionkit::codec::{Dict, SecretKey, SessionCodec};
//!
//! let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
//! let mut session = Dict::new();
//! session.insert("user", "ada");
//! let cookie = codec.dumps_session(&session, 1_700_000_000)?;
//! let opened = codec.loads_session(&cookie, 1_700_000_000, Some(60))?;
//! assert_eq!(opened.value.get("user").and_then(|v| v.as_str()), Some("ada"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use session_runtime::{codec, config, error, interface, lifecycle, store};

/// CSRF protection compatible with Flask-WTF, plus Fetch-Metadata/Origin checks.
pub use session_runtime::csrf;

/// Flask-Login's session identifier (`_id`) and remember-me cookie, for
/// logins shared with a Flask app.
pub use session_runtime::flask_login;

/// Test support: build session cookies, read sessions out of responses.
pub use session_runtime::testing;

/// tower middleware: `SessionLayer` (cargo feature `tower`, part of the
/// default `axum`) and `CsrfLayer` (feature `axum`).
#[cfg(feature = "tower")]
pub use session_runtime::tower;

/// axum integration: the `Session<T>` and `Csrf` extractors (cargo feature
/// `axum`, on by default).
#[cfg(feature = "axum")]
pub use session_runtime::axum;

/// actix-web 4 integration: the `SessionMiddleware` (with the CSRF check)
/// and the `Session<T>` and `Csrf` extractors (cargo feature `actix`).
#[cfg(feature = "actix")]
pub use session_runtime::actix;

#[doc(hidden)]
pub use session_runtime::__private;

/// Declares a typed session: a struct whose fields are the session's keys.
///
/// ```
/// use sessionkit::session;
///
/// #[session(cookie = "session", lifetime = "31d", same_site = "lax", secure)]
/// pub struct UserSession {
///     /// Who is logged in (Flask-Login's key).
///     #[session(rename = "_user_id")]
///     user: Option<String>,
///     #[session(default = 1)]
///     theme_version: u32,
///     cart: Vec<(u64, u32)>,
/// }
///
/// let mut s = UserSession::default();          // a new, empty session
/// assert_eq!(*s.theme_version(), 1);          // reads mark it accessed
/// s.set_user(Some("ada".into()));              // writes mark it modified
/// s.cart_mut().push((7, 2));
/// assert_eq!(s.take_cart(), vec![(7, 2)]);     // like `session.pop()`
/// assert!(s.is_modified() && !s.is_empty());
/// ```
///
/// # What is generated
///
/// For every field `x: T`: `x(&self) -> &T` (marks the session accessed),
/// `set_x(&mut self, T)`, `x_mut(&mut self) -> &mut T` (both mark it
/// modified) and `take_x(&mut self) -> T` (removes the key like Flask's
/// `session.pop()`: modified only if the key was there). Doc comments on a
/// field are carried to its getter. Whole-session methods: `clear`,
/// `is_empty`, `is_new`, `is_modified`, `is_permanent`, `set_permanent`.
/// Plus `Default` (a new, empty session, every field at its default) and
/// [`SessionData`], which the runtime uses to open and save it.
///
/// Fields are stored in tracked slots reachable only through these methods,
/// so change tracking cannot be bypassed. A field is *present* only when its
/// key was in the cookie or it was assigned since; only present fields are
/// written, so an untouched new session sets no cookie and an emptied one
/// deletes it. Keys in the cookie that the struct does not declare (written
/// by Flask, Flask-Login or another service) are kept and written back
/// unchanged; so is a declared key whose value does not fit the field's type
/// (the field then reads as its default).
///
/// **Null sessions** (no secret key configured): reads see defaults; every
/// write is refused *and recorded*, and the save step turns it into an
/// error response (500, with Flask's message), so a refused write cannot go
/// unnoticed. The struct's own attributes (`#[derive(Debug, Clone)]`, docs,
/// visibility) keep working. With `#[derive(PartialEq)]`, two sessions are
/// equal when their fields, their kept keys and `_permanent` are; the
/// new/modified/accessed flags are not compared.
///
/// # Container options
///
/// All optional, each at most once; they become [`SessionData::default_config`],
/// still overridable at run time:
///
/// | option | meaning | example |
/// | --- | --- | --- |
/// | `cookie = "NAME"` | cookie name (an RFC 6265 token). `__Host-session` with `secure` is recommended over HTTPS; `__Host-` requires `secure` and no `domain`/`path`, `__Secure-` requires `secure` | `cookie = "__Host-session"` |
/// | `lifetime = "..."` | `PERMANENT_SESSION_LIFETIME`: units `s m h d w`, compounds allowed | `lifetime = "1d12h"` |
/// | `absolute_lifetime = "..."` | refuse a session first issued longer ago than this, however often it was refreshed (stored as `_issued_at`, Unix seconds; Flask carries the key along). Same units | `absolute_lifetime = "30d"` |
/// | `same_site = "..."` | `lax`, `strict` or `none` (`none` requires `secure`) | `same_site = "strict"` |
/// | `secure` / `secure = BOOL` | the `Secure` attribute | `secure` |
/// | `http_only = BOOL` | the `HttpOnly` attribute (default true) | `http_only = false` |
/// | `domain = "..."` | the `Domain` attribute | `domain = "example.com"` |
/// | `path = "/..."` | the `Path` attribute (must start with `/`) | `path = "/app"` |
/// | `partitioned` | the `Partitioned` attribute (requires `secure`) | `partitioned, secure` |
/// | `refresh_each_request = BOOL` | re-send permanent sessions on every response | `refresh_each_request = false` |
/// | `encrypted` | encrypt the cookie (XChaCha20-Poly1305) instead of signing it like Flask | `encrypted` |
/// | `compression = "..."` | `auto` (Flask's rule: zlib when it saves 2 bytes; the default), `never` (skips the attempt; Flask still reads the cookies) or `above:N` (Flask's rule, byte-identical, only for more than N bytes of JSON: small sessions skip the attempt, large ones stay compressed); `auto` and `never` may also be written bare | `compression = "never"`, `compression = never` or `compression = "above:512"` |
/// | `ensure_ascii = BOOL` | `false` writes the JSON's non-ASCII characters as UTF-8, byte for byte as a Flask app with `app.json.ensure_ascii = False` (before Flask 2.3: `JSON_AS_ASCII = False`) does; the default, `true`, escapes them as Flask does by default. Cookies in either form are read. Not with `encrypted` | `ensure_ascii = false` |
/// | `crate = "path"` | where sessionkit is, if renamed | `crate = "::my_sessionkit"` |
///
/// ```
/// # use sessionkit::{SessionData, session};
/// # use sessionkit::config::{Protection, SameSite};
/// #[session(cookie = "sid", lifetime = "2w", same_site = "none", secure, http_only = true,
///           domain = "example.com", path = "/app", partitioned, refresh_each_request = false, encrypted)]
/// struct Everything {
///     n: u64,
/// }
/// let c = Everything::default_config();
/// assert_eq!(c.cookie_name, "sid");
/// assert_eq!(c.cookie_same_site, Some(SameSite::None));
/// assert_eq!(c.protection, Protection::Encrypted);
/// assert_eq!(c.permanent_session_lifetime.as_secs(), 14 * 86_400);
/// ```
///
/// # Field options
///
/// `rename = "wire_key"` (the key in the cookie, e.g. Flask-Login's
/// `_user_id`) and `default = EXPR` (the value when the key is absent;
/// otherwise `Default::default()`). The keys `_permanent` and `_issued_at` are reserved, and so
/// is the field name `__sessionkit` (the struct's hidden bookkeeping field);
/// `#[cfg]` / `#[cfg_attr]` on a field are refused.
///
/// ```
/// # use sessionkit::session;
/// #[session]
/// struct Prefs {
///     #[session(rename = "_fresh", default = true)]
///     fresh: bool,
/// }
/// assert!(*Prefs::default().fresh());
/// ```
///
/// Every misuse is a compile error that names the problem and the fix:
///
/// ```compile_fail
/// # use sessionkit::session;
/// #[session(same_site = "none")] // requires `secure`
/// struct S { n: u32 }
/// ```
#[doc(inline)]
pub use session_macros::session;
pub use session_runtime::{DynamicSession, SessionConfig, SessionData};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
