//! [`ServerSideSessionInterface`]: Flask-Session's interface over any
//! [`SessionStore`].

use std::fmt;
use std::future::ready;
use std::sync::Arc;

use http::HeaderValue;

use super::merge::{self, MergeReport};
use super::{CasOutcome, Expected, IndexEntry, IndexUpdate, SessionStore, StoreWrite};
use crate::codec::msgpack;
use crate::codec::signer::Signer;
use crate::codec::{Dict, KeyDerivation, SecretKeys};
use crate::config::SessionConfig;
use crate::data::SessionData;
use crate::error::{ConfigError, SaveError, StoreError};
use crate::interface::{BoxFuture, Loaded, PendingCookie, SavedHeaders, SessionInterface};
use crate::state::SessionState;
use crate::werkzeug::http::{
    CookieAttributes, is_token, push_cookie_value, request_cookie, werkzeug_domain, werkzeug_path,
};

/// Flask-Session's settings, with its defaults.
///
/// # Examples
///
/// ```
/// use sessionkit::store::StoreConfig;
///
/// let c = StoreConfig::default();
/// assert_eq!(c.key_prefix, "session:");
/// assert!(!c.use_signer && c.permanent);
/// assert_eq!(c.user_key.as_deref(), Some("_user_id"));
/// let c = c.with_key_prefix("app1:").with_signer(true);
/// assert_eq!(c.key_prefix, "app1:");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreConfig {
    /// `SESSION_KEY_PREFIX`: the store key is this + the sid.
    pub key_prefix: String,
    /// `SESSION_USE_SIGNER`: the cookie carries the sid signed with
    /// itsdangerous' `Signer` (salt `flask-session`), which needs the
    /// session configuration's secret key.
    pub use_signer: bool,
    /// `SESSION_PERMANENT`: new sessions are permanent (`_permanent: True`).
    pub permanent: bool,
    /// `SESSION_ID_LENGTH`: random bytes per sid (URL-safe base64: 32 → 43
    /// characters).
    pub sid_length: usize,
    /// The session key naming the user, for [`ServerSideSessionInterface::revoke_user`]
    /// (Flask-Login's `_user_id`); `None` keeps no index.
    pub user_key: Option<String>,
    /// How often a save merges and retries after losing a compare-and-set
    /// before it gives up ([`StoreError::Refused`]).
    pub max_merge_attempts: usize,
    /// The largest stored record read (a larger one opens a fresh
    /// session): stored values are bounded like cookies.
    pub max_record_size: usize,
    /// `SESSION_SERIALIZATION_FORMAT`: how records are written. Both
    /// formats are read, as Flask-Session reads them.
    pub format: StoreFormat,
}

/// Flask-Session's `SESSION_SERIALIZATION_FORMAT`.
///
/// # Examples
///
/// ```
/// use sessionkit::store::{StoreConfig, StoreFormat};
///
/// assert_eq!(StoreConfig::default().format, StoreFormat::Msgpack);
/// let json = StoreConfig::default().with_format(StoreFormat::Json);
/// assert_eq!(json.format, StoreFormat::Json);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreFormat {
    /// `msgspec.msgpack` (Flask-Session's default).
    #[default]
    Msgpack,
    /// `msgspec.json`.
    Json,
}

impl StoreFormat {
    fn encode(
        self,
        out: &mut Vec<u8>,
        d: &Dict,
        depth: usize,
    ) -> Result<(), crate::codec::EncodeError> {
        match self {
            StoreFormat::Msgpack => msgpack::encode_session(out, d, depth),
            StoreFormat::Json => msgpack::encode_session_json(out, d, depth),
        }
    }

    /// This format, then the other (Flask-Session's decoder and its
    /// alternate).
    fn decode(self, bytes: &[u8], depth: usize) -> Result<Dict, crate::codec::MsgpackError> {
        type Decode = fn(&[u8], usize) -> Result<Dict, crate::codec::MsgpackError>;
        let (first, second): (Decode, Decode) = match self {
            StoreFormat::Msgpack => (msgpack::decode_session, msgpack::decode_session_json),
            StoreFormat::Json => (msgpack::decode_session_json, msgpack::decode_session),
        };
        first(bytes, depth).or_else(|e| second(bytes, depth).map_err(|_| e))
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            key_prefix: "session:".to_owned(),
            use_signer: false,
            permanent: true,
            sid_length: 32,
            user_key: Some(crate::flask_login::USER_ID_KEY.to_owned()),
            max_merge_attempts: 64,
            max_record_size: 1 << 20,
            format: StoreFormat::Msgpack,
        }
    }
}

impl StoreConfig {
    /// Sets [`StoreConfig::key_prefix`].
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Sets [`StoreConfig::use_signer`].
    #[must_use]
    pub fn with_signer(mut self, on: bool) -> Self {
        self.use_signer = on;
        self
    }

    /// Sets [`StoreConfig::permanent`].
    #[must_use]
    pub fn with_permanent(mut self, permanent: bool) -> Self {
        self.permanent = permanent;
        self
    }

    /// Sets [`StoreConfig::user_key`].
    #[must_use]
    pub fn with_user_key(mut self, key: Option<&str>) -> Self {
        self.user_key = key.map(str::to_owned);
        self
    }

    /// Sets [`StoreConfig::format`].
    #[must_use]
    pub fn with_format(mut self, format: StoreFormat) -> Self {
        self.format = format;
        self
    }

    /// Sets [`StoreConfig::max_merge_attempts`] (at least 1).
    #[must_use]
    pub fn with_max_merge_attempts(mut self, n: usize) -> Self {
        self.max_merge_attempts = n.max(1);
        self
    }
}

/// Flask-Session's `ServerSideSessionInterface`: the cookie carries the
/// session id, the session lives in `St` (see the [`store`](super) module
/// for the layout, the merge and the index).
///
/// # Examples
///
/// ```
/// use axum::{Router, routing::get};
/// use sessionkit::axum::Session;
/// use sessionkit::store::{MemoryStore, ServerSideSessionInterface};
/// use sessionkit::tower::SessionLayer;
/// use sessionkit::{DynamicSession, SessionConfig};
/// use sessionkit::lifecycle::SessionLifecycle;
///use tower::ServiceExt as _;
///
/// async fn count(session: Session<DynamicSession>) -> String {
///     let mut s = session.lock();
///     let n = s.get_as::<u64>("n").and_then(Result::ok).unwrap_or(0) + 1;
///     s.insert("n", n);
///     n.to_string()
///}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::new();
/// let interface = ServerSideSessionInterface::new(SessionConfig::default(), store.clone())?;
/// let app = Router::new()
///     .route("/", get(count))
///    .layer(SessionLayer::from_lifecycle(SessionLifecycle::<DynamicSession, _>::new(interface)));
///
/// let response = app.oneshot(http::Request::get("/").body(axum::body::Body::empty())?).await?;
/// let cookie = response.headers()["set-cookie"].to_str()?;
/// // The cookie holds the session id (43 characters); the data is in the store.
/// assert_eq!(cookie.split(';').next().unwrap().len(), "session=".len() + 43);
/// assert_eq!(store.len(), 1);
/// # Ok(()) }
/// ```
pub struct ServerSideSessionInterface<St> {
    config: SessionConfig,
    options: StoreConfig,
    store: Arc<St>,
    signer: Option<Signer>,
    cookie_domain: Option<String>,
    cookie_path: String,
    unavailable: Option<UnavailableResponse>,
}

/// Builds the answer to a request whose session store is unreachable.
type UnavailableResponse = Arc<dyn Fn(&StoreError) -> http::Response<Vec<u8>> + Send + Sync>;

/// Clones share the store.
impl<St> Clone for ServerSideSessionInterface<St> {
    fn clone(&self) -> Self {
        ServerSideSessionInterface {
            config: self.config.clone(),
            options: self.options.clone(),
            store: Arc::clone(&self.store),
            signer: self.signer.clone(),
            cookie_domain: self.cookie_domain.clone(),
            cookie_path: self.cookie_path.clone(),
            unavailable: self.unavailable.clone(),
        }
    }
}

impl<St> fmt::Debug for ServerSideSessionInterface<St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSideSessionInterface")
            .field("options", &self.options)
            .field("cookie_name", &self.config.cookie_name)
            .finish_non_exhaustive()
    }
}

/// What a loaded session keeps for its save.
struct StoreLoaded {
    sid: String,
    base: Vec<u8>,
    base_dict: Dict,
}

/// What a save wrote: under which sid, or nothing (the record vanished).
enum Written {
    Under(String),
    Vanished,
}

impl<St: SessionStore> ServerSideSessionInterface<St> {
    /// Flask-Session's defaults ([`StoreConfig::default`]) over `store`.
    ///
    /// # Errors
    ///
    /// As [`ServerSideSessionInterface::with_options`].
    pub fn new(config: SessionConfig, store: St) -> Result<Self, ConfigError> {
        Self::with_options(config, store, StoreConfig::default())
    }

    /// The interface with `options`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::MissingSecretKey`] when the signer is on without a
    /// secret key; [`ConfigError::CookieName`] / [`ConfigError::Domain`] /
    /// [`ConfigError::CookiePrefix`] for cookie settings browsers refuse.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::SessionConfig;
    /// use sessionkit::error::ConfigError;
    /// use sessionkit::store::{MemoryStore, ServerSideSessionInterface, StoreConfig};
    ///
    /// let signed = StoreConfig::default().with_signer(true);
    /// let err = ServerSideSessionInterface::with_options(SessionConfig::default(), MemoryStore::new(), signed);
    /// assert!(matches!(err, Err(ConfigError::MissingSecretKey)));
    /// ```
    pub fn with_options(
        config: SessionConfig,
        store: St,
        options: StoreConfig,
    ) -> Result<Self, ConfigError> {
        if !is_token(&config.cookie_name) {
            return Err(ConfigError::CookieName(config.cookie_name.clone()));
        }
        crate::secure_cookie::check_cookie_prefix(&config)?;
        let signer = if options.use_signer {
            let key = config
                .secret_key
                .clone()
                .ok_or(ConfigError::MissingSecretKey)?;
            let keys = config
                .secret_key_fallbacks
                .iter()
                .fold(SecretKeys::new(key), |keys, f| {
                    keys.with_fallback(f.clone())
                });
            Some(Signer::new(&keys, b"flask-session", KeyDerivation::Hmac))
        } else {
            None
        };
        let cookie_domain = match &config.cookie_domain {
            Some(d) => werkzeug_domain(d)?,
            None => None,
        };
        let cookie_path = werkzeug_path(if config.cookie_path.is_empty() {
            "/"
        } else {
            &config.cookie_path
        });
        Ok(ServerSideSessionInterface {
            config,
            options,
            store: Arc::new(store),
            signer,
            cookie_domain,
            cookie_path,
            unavailable: None,
        })
    }

    /// Answers requests that need their session while the store is
    /// unreachable with `f` (by default: 503 and a short text).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::SessionConfig;
    /// use sessionkit::error::StoreError;
    /// use sessionkit::interface::SessionInterface;
    /// use sessionkit::store::{MemoryStore, ServerSideSessionInterface};
    ///
    /// let interface = ServerSideSessionInterface::new(SessionConfig::default(), MemoryStore::new())?
    ///     .with_unavailable_response(|_| {
    ///         let mut r = http::Response::new(b"<h1>Back in a minute</h1>".to_vec());
    ///         *r.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
    ///         r.headers_mut().insert("retry-after", http::HeaderValue::from_static("5"));
    ///         r
    ///     });
    /// let r = SessionInterface::<sessionkit::DynamicSession>::unavailable_response(
    ///     &interface,
    ///     &StoreError::Unavailable("down".into()),
    /// );
    /// assert_eq!(r.headers()["retry-after"], "5");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_unavailable_response(
        mut self,
        f: impl Fn(&StoreError) -> http::Response<Vec<u8>> + Send + Sync + 'static,
    ) -> Self {
        self.unavailable = Some(Arc::new(f));
        self
    }

    /// The store.
    pub fn store(&self) -> &St {
        &self.store
    }

    /// The Flask-Session settings.
    pub fn options(&self) -> &StoreConfig {
        &self.options
    }

    /// Deletes every session of `user_id` ("log out everywhere"): the
    /// sessions whose [`StoreConfig::user_key`] held it when they were last
    /// saved. Returns how many were deleted. Their next request starts a
    /// fresh session; a request of theirs already running does not bring
    /// its session back (a save never resurrects a deleted record).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::SessionConfig;
    /// use sessionkit::store::{MemoryStore, ServerSideSessionInterface};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let interface = ServerSideSessionInterface::new(SessionConfig::default(), MemoryStore::new())?;
    /// assert_eq!(interface.revoke_user("42").await?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn revoke_user(&self, user_id: &str) -> Result<usize, StoreError> {
        let index = self.index_key(user_id);
        self.store
            .delete_indexed(&index, &self.options.key_prefix)
            .await
    }

    fn key(&self, sid: &str) -> String {
        format!("{}{sid}", self.options.key_prefix)
    }

    fn index_key(&self, user: &str) -> String {
        format!("{}user:{user}", self.options.key_prefix)
    }

    /// The sid a cookie value names, if it can be one (signed correctly
    /// when the signer is on).
    fn sid_of(&self, value: &str) -> Option<String> {
        if value.is_empty() || value.len() > self.config.max_request_cookie.min(512) {
            return None;
        }
        match &self.signer {
            None => Some(value.to_owned()),
            Some(signer) => {
                let (sid, sig) = value.rsplit_once('.')?;
                signer
                    .verify(sid.as_bytes(), sig.as_bytes())
                    .then(|| sid.to_owned())
            }
        }
    }

    /// A new session, permanent as configured.
    fn fresh<S: SessionData>(&self) -> S {
        let mut session = if self.options.permanent {
            let mut d = Dict::new();
            d.insert(crate::config::PERMANENT_KEY, true);
            S::from_dict(d).unwrap_or_default()
        } else {
            S::default()
        };
        *session.state_mut() = SessionState::new_session();
        session
    }

    /// The attributes of the session cookie after its value (Flask-Session's
    /// `set_cookie` call: no `Partitioned`), with the expiry of now.
    fn cookie_attributes<S: SessionData>(&self, session: &S) -> Result<String, SaveError> {
        let expires = self
            .expiration_time(session)
            .map(|t| {
                crate::werkzeug::http::expires_secs(t).and_then(|secs| {
                    crate::codec::DateTime::from_unix(secs)
                        .and_then(|d| d.http_date())
                        .ok_or(SaveError::ExpiresOutOfRange)
                })
            })
            .transpose()?;
        let mut tail = String::new();
        CookieAttributes {
            domain: self.cookie_domain.as_deref(),
            expires: expires.as_deref(),
            secure: self.cookie_secure(),
            http_only: self.cookie_http_only(),
            path: Some(&self.cookie_path),
            same_site: self.cookie_same_site(),
            ..CookieAttributes::default()
        }
        .write(&mut tail);
        Ok(tail)
    }

    /// Werkzeug's `delete_cookie(name, domain=…, path=…)`, as Flask-Session
    /// calls it (no `Secure`, `HttpOnly` or `SameSite`).
    fn deletion_cookie(&self) -> HeaderValue {
        let mut line = format!("{}=", self.cookie_name());
        CookieAttributes {
            domain: self.cookie_domain.as_deref(),
            expires: Some("Thu, 01 Jan 1970 00:00:00 GMT"),
            max_age: Some(0),
            path: Some(&self.cookie_path),
            ..CookieAttributes::default()
        }
        .write(&mut line);
        HeaderValue::from_str(&line)
            .unwrap_or_else(|_| HeaderValue::from_static("session=; Max-Age=0"))
    }

    fn cookie_name(&self) -> &str {
        &self.config.cookie_name
    }

    fn cookie_secure(&self) -> bool {
        self.config.cookie_secure
    }

    fn cookie_http_only(&self) -> bool {
        self.config.cookie_http_only
    }

    fn cookie_same_site(&self) -> Option<cookie::SameSite> {
        self.config.cookie_same_site
    }

    fn expiration_time<S: SessionData>(&self, session: &S) -> Option<std::time::SystemTime> {
        SessionInterface::<S>::expiration_time(self, session)
    }
}

fn bad_header() -> crate::codec::EncodeError {
    crate::codec::EncodeError::Custom("the Set-Cookie line is not a valid header".into())
}

/// The session's data as a dict (what Flask-Session stores).
fn dict_of<S: SessionData>(session: &S, max_depth: usize) -> Result<Dict, SaveError> {
    let mut json = Vec::new();
    session.write_json(&mut json, max_depth)?;
    crate::codec::parse_session_json(&json, max_depth)
        .map_err(|e| SaveError::Encode(crate::codec::EncodeError::Custom(e.to_string())))
}

/// The store work of a save that writes.
struct Upsert<St> {
    store: Arc<St>,
    key_prefix: String,
    index_prefix: Option<String>,
    user_key: Option<String>,
    ttl: std::time::Duration,
    max_depth: usize,
    max_attempts: usize,
    format: StoreFormat,
}

impl<St: SessionStore> Upsert<St> {
    fn index_key(&self, user: &str) -> Option<String> {
        self.index_prefix.as_ref().map(|p| format!("{p}{user}"))
    }

    fn user(&self, d: &Dict) -> Option<String> {
        self.user_key.as_deref().and_then(|k| merge::user_of(d, k))
    }

    fn encode(&self, d: &Dict) -> Result<Vec<u8>, SaveError> {
        let mut out = Vec::with_capacity(128);
        self.format.encode(&mut out, d, self.max_depth)?;
        Ok(out)
    }

    async fn write(
        &self,
        sid: &str,
        expected: Expected<'_>,
        value: &[u8],
        user: Option<&str>,
        old_user: Option<&str>,
    ) -> Result<CasOutcome, StoreError> {
        let key = format!("{}{sid}", self.key_prefix);
        let add_to = user.and_then(|u| self.index_key(u));
        let remove_from = old_user
            .filter(|old| Some(*old) != user)
            .and_then(|u| self.index_key(u));
        let index = (add_to.is_some() || remove_from.is_some()).then_some(IndexUpdate {
            sid,
            add_to: add_to.as_deref(),
            remove_from: remove_from.as_deref(),
            ttl: self.ttl,
        });
        self.store
            .compare_and_set(StoreWrite {
                key: &key,
                expected,
                value,
                ttl: self.ttl,
                index,
            })
            .await
    }

    /// Creates `mine` under a fresh sid (a taken sid is drawn again).
    async fn create(
        &self,
        mine: &Dict,
        new_sid: impl Fn() -> Result<String, StoreError>,
    ) -> Result<String, SaveError> {
        let value = self.encode(mine)?;
        let user = self.user(mine);
        for _ in 0..self.max_attempts {
            let sid = new_sid()?;
            match self
                .write(&sid, Expected::Absent, &value, user.as_deref(), None)
                .await?
            {
                CasOutcome::Written => return Ok(sid),
                CasOutcome::Conflict(_) => {
                    tracing::warn!(
                        target: crate::error::LOG_TARGET,
                        "a new session id was already taken; drawing another"
                    );
                }
            }
        }
        Err(StoreError::Refused("no free session id".into()).into())
    }

    /// Compare-and-set `mine` over the record this request loaded, merging
    /// with whatever another request saved in between.
    async fn update(&self, loaded: &StoreLoaded, mine: &Dict) -> Result<Written, SaveError> {
        let base_user = self.user(&loaded.base_dict);
        let mut value = self.encode(mine)?;
        let mut user = self.user(mine);
        let mut expected = loaded.base.clone();
        let mut current_user = base_user.clone();
        for _ in 0..self.max_attempts {
            let outcome = self
                .write(
                    &loaded.sid,
                    Expected::Value(&expected),
                    &value,
                    user.as_deref(),
                    current_user.as_deref(),
                )
                .await?;
            let theirs = match outcome {
                CasOutcome::Written => return Ok(Written::Under(loaded.sid.clone())),
                CasOutcome::Conflict(None) => {
                    tracing::info!(
                        target: crate::error::LOG_TARGET,
                        "the session was deleted while this request ran (logout, revoke or \
                         expiry); its changes are dropped, not resurrected"
                    );
                    return Ok(Written::Vanished);
                }
                CasOutcome::Conflict(Some(theirs)) => theirs,
            };
            let their_dict = self
                .format
                .decode(&theirs, self.max_depth)
                .unwrap_or_default();
            let (merged, MergeReport { contested }) =
                merge::three_way(&loaded.base_dict, mine, &their_dict);
            tracing::debug!(
                target: crate::error::LOG_TARGET,
                contested = ?contested,
                "the session changed while this request ran; merged this request's changes onto it"
            );
            current_user = self.user(&their_dict);
            user = self.user(&merged);
            value = self.encode(&merged)?;
            expected = theirs;
        }
        Err(
            StoreError::Refused("the session kept changing; the save gave up merging".into())
                .into(),
        )
    }
}

impl<S: SessionData, St: SessionStore> SessionInterface<S> for ServerSideSessionInterface<St> {
    fn config(&self) -> &SessionConfig {
        &self.config
    }

    fn lazy_cookie(&self, request: &http::request::Parts) -> Option<PendingCookie> {
        request_cookie(&request.headers, &self.config.cookie_name)
            .filter(|v| !v.is_empty())
            .map(|v| PendingCookie(Some(v.into_owned())))
    }

    fn open_session(&self, _request: &http::request::Parts) -> Option<S> {
        // Reached only without a cookie (`lazy_cookie` took the others): a
        // new session, whose sid is drawn when it is first stored.
        Some(self.fresh())
    }

    fn save_session(&self, _session: &S, _headers: &mut http::HeaderMap) -> Result<(), SaveError> {
        Err(SaveError::NeedsAsync)
    }

    fn is_server_side(&self) -> bool {
        true
    }

    fn unavailable_response(&self, error: &StoreError) -> http::Response<Vec<u8>> {
        match &self.unavailable {
            Some(f) => f(error),
            None => crate::interface::default_unavailable_response(error),
        }
    }

    fn load_session(
        &self,
        cookie: PendingCookie,
    ) -> BoxFuture<Result<(S, Option<Loaded>), StoreError>> {
        let Some(sid) = cookie.0.as_deref().and_then(|v| self.sid_of(v)) else {
            return Box::pin(ready(Ok((self.fresh(), None))));
        };
        let fresh: S = self.fresh();
        let store = Arc::clone(&self.store);
        let key = self.key(&sid);
        let refresh = self
            .config
            .refresh_each_request
            .then_some(self.config.permanent_session_lifetime);
        let (max, depth) = (self.options.max_record_size, self.config.max_depth);
        let format = self.options.format;
        Box::pin(async move {
            let Some(base) = store.load(&key, refresh).await? else {
                return Ok((fresh, None));
            };
            let opened = (base.len() <= max)
                .then(|| format.decode(&base, depth))
                .ok_or_else(|| "the record is larger than max_record_size".to_owned())
                .and_then(|r| r.map_err(|e| e.to_string()))
                .and_then(|dict| {
                    S::from_dict(dict.clone())
                        .map(|s| (s, dict))
                        .map_err(|e| e.to_string())
                });
            match opened {
                Ok((session, base_dict)) => {
                    let loaded: Loaded = Box::new(StoreLoaded {
                        sid,
                        base,
                        base_dict,
                    });
                    Ok((session, Some(loaded)))
                }
                Err(why) => {
                    tracing::warn!(
                        target: crate::error::LOG_TARGET,
                        error = %why,
                        "a stored session cannot be read (a pickle from Flask-Session <= 0.6, or \
                         another writer's format); starting a fresh session"
                    );
                    Ok((fresh, None))
                }
            }
        })
    }

    fn begin_save(
        &self,
        session: &S,
        loaded: Option<Loaded>,
        regenerate: bool,
    ) -> Option<BoxFuture<Result<SavedHeaders, SaveError>>> {
        Some(match self.plan_save(session, loaded, regenerate) {
            Ok(work) => work,
            Err(e) => Box::pin(ready(Err(e))),
        })
    }
}

impl<St: SessionStore> ServerSideSessionInterface<St> {
    /// Flask-Session's `save_session`, split into what is decided under the
    /// session's lock (here) and the store work (the returned future).
    fn plan_save<S: SessionData>(
        &self,
        session: &S,
        loaded: Option<Loaded>,
        regenerate: bool,
    ) -> Result<BoxFuture<Result<SavedHeaders, SaveError>>, SaveError> {
        let state = session.state();
        let mut headers = SavedHeaders {
            vary_cookie: state.is_accessed(),
            set_cookie: None,
        };
        let loaded = loaded
            .and_then(|l| l.downcast::<StoreLoaded>().ok())
            .map(|l| *l);
        let modified = state.is_modified();
        if !modified && !regenerate {
            // Unchanged: nothing to write (a loaded record's expiry was
            // refreshed by its load, `GETEX`). A permanent session's cookie
            // is refreshed too (Flask's rule); an empty one gets none.
            if let Some(loaded) = loaded.filter(|l| !merge::is_empty(&l.base_dict))
                && self.config.refresh_each_request
                && SessionInterface::<S>::should_set_cookie(self, session)
            {
                headers.vary_cookie = true;
                headers.set_cookie = Some(CookieRenderer::new(self, session)?.line(&loaded.sid)?);
            }
            return Ok(Box::pin(ready(Ok(headers))));
        }
        let mine = dict_of(session, self.config.max_depth)?;
        let upsert = Upsert {
            store: Arc::clone(&self.store),
            key_prefix: self.options.key_prefix.clone(),
            index_prefix: self
                .options
                .user_key
                .as_ref()
                .map(|_| format!("{}user:", self.options.key_prefix)),
            user_key: self.options.user_key.clone(),
            ttl: self.config.permanent_session_lifetime,
            max_depth: self.config.max_depth,
            max_attempts: self.options.max_merge_attempts,
            format: self.options.format,
        };
        if merge::is_empty(&mine) {
            if !modified {
                return Ok(Box::pin(ready(Ok(headers))));
            }
            // Emptied: the record and the cookie go.
            headers.vary_cookie = true;
            headers.set_cookie = Some(self.deletion_cookie());
            let Some(loaded) = loaded else {
                return Ok(Box::pin(ready(Ok(headers))));
            };
            return Ok(Box::pin(async move {
                let user = upsert.user(&loaded.base_dict);
                let index_key = user.as_deref().and_then(|u| upsert.index_key(u));
                let key = format!("{}{}", upsert.key_prefix, loaded.sid);
                let entry = index_key.as_deref().map(|index_key| IndexEntry {
                    index_key,
                    sid: &loaded.sid,
                });
                upsert.store.delete(&key, entry).await?;
                Ok(headers)
            }));
        }
        let set_cookie = regenerate || SessionInterface::<S>::should_set_cookie(self, session);
        // The cookie depends only on the sid once the save starts: render
        // the rest now (the expiry is now + lifetime).
        let render = CookieRenderer::new(self, session)?;
        let deletion = self.deletion_cookie();
        let new_sid = {
            let sid_length = self.options.sid_length;
            move || new_sid_of(sid_length)
        };
        match loaded {
            Some(loaded) if regenerate => Ok(Box::pin(async move {
                let sid = upsert.create(&mine, new_sid).await?;
                let user = upsert.user(&loaded.base_dict);
                let index_key = user.as_deref().and_then(|u| upsert.index_key(u));
                let old_key = format!("{}{}", upsert.key_prefix, loaded.sid);
                let entry = index_key.as_deref().map(|index_key| IndexEntry {
                    index_key,
                    sid: &loaded.sid,
                });
                upsert.store.delete(&old_key, entry).await?;
                headers.vary_cookie = true;
                headers.set_cookie = Some(render.line(&sid)?);
                Ok(headers)
            })),
            Some(loaded) => Ok(Box::pin(async move {
                match upsert.update(&loaded, &mine).await? {
                    Written::Under(sid) => {
                        if set_cookie {
                            headers.vary_cookie = true;
                            headers.set_cookie = Some(render.line(&sid)?);
                        }
                    }
                    Written::Vanished => {
                        headers.vary_cookie = true;
                        headers.set_cookie = Some(deletion);
                    }
                }
                Ok(headers)
            })),
            None => Ok(Box::pin(async move {
                let sid = upsert.create(&mine, new_sid).await?;
                if set_cookie {
                    headers.vary_cookie = true;
                    headers.set_cookie = Some(render.line(&sid)?);
                }
                Ok(headers)
            })),
        }
    }
}

/// Renders the `Set-Cookie` line for a sid decided later (all else is fixed
/// when the save starts).
struct CookieRenderer {
    /// The line up to the value: `name=`.
    head: String,
    /// The attributes after the value.
    tail: String,
    signer: Option<Signer>,
}

impl CookieRenderer {
    fn new<S: SessionData, St: SessionStore>(
        interface: &ServerSideSessionInterface<St>,
        session: &S,
    ) -> Result<Self, SaveError> {
        Ok(CookieRenderer {
            head: format!("{}=", interface.cookie_name()),
            tail: interface.cookie_attributes(session)?,
            signer: interface.signer.clone(),
        })
    }

    fn line(&self, sid: &str) -> Result<HeaderValue, SaveError> {
        let mut value = sid.to_owned();
        if let Some(signer) = &self.signer {
            signer.append_signature(&mut value, 0);
        }
        let mut line = self.head.clone();
        push_cookie_value(&mut line, &value);
        line.push_str(&self.tail);
        HeaderValue::from_str(&line).map_err(|_| SaveError::Encode(bad_header()))
    }
}

/// `secrets.token_urlsafe(n)`.
fn new_sid_of(n: usize) -> Result<String, StoreError> {
    let mut raw = vec![0u8; n.max(16)];
    getrandom::fill(&mut raw).map_err(|e| StoreError::Refused(format!("no randomness: {e}")))?;
    let mut sid = String::with_capacity(raw.len() * 4 / 3 + 2);
    crate::codec::b64_encode_url(&raw, &mut sid);
    Ok(sid)
}
