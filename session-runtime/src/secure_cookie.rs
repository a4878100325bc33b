//! [`SecureCookieSessionInterface`]: the whole session in a signed (or
//! encrypted) cookie, saved by Flask's rules.
//!
//! Saving, exactly as Flask decides it:
//!
//! 1. accessed → `Vary: Cookie`;
//! 2. empty session: modified → a deletion cookie (and `Vary: Cookie`);
//!    untouched → nothing;
//! 3. otherwise, unless modified or (permanent and refresh-each-request) →
//!    nothing;
//! 4. `Set-Cookie` with the session signed at the current time, `Expires` =
//!    now + lifetime when permanent, and `Vary: Cookie`.
//!
//! `Set-Cookie` headers are rendered as Werkzeug renders them (attribute
//! order `Domain`, `Expires`, `Max-Age`, `Secure`, `HttpOnly`, `Path`,
//! `SameSite`, `Partitioned`), so responses match Flask's byte for byte.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use cookie::{Cookie, Expiration};
use http::header::{HeaderMap, HeaderValue, SET_COOKIE};

use crate::codec::{
    DecodeError, Dict, EncryptedCodec, SecretKeys, SessionCodec, Signed, parse_session_json,
};
use crate::config::{OversizePolicy, Protection, SessionConfig};
use crate::data::SessionData;
use crate::error::OpenError;
use crate::error::{ConfigError, SaveError};
use crate::interface::{PendingCookie, SessionInterface};
use crate::state::SessionState;
use crate::werkzeug::http::{
    LAST_HTTP_DATE, add_vary_cookie, expires_secs, format_set_cookie, is_token, push_http_date,
    request_cookie, unix_secs, werkzeug_domain, werkzeug_path,
};

/// A clock: the current time.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, SystemTime};
/// use sessionkit::interface::Clock;
///
/// let fixed: Clock = Arc::new(|| SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// assert_eq!(fixed(), SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// ```
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

#[derive(Clone, Debug)]
enum Protector {
    Signed(SessionCodec),
    Encrypted(EncryptedCodec),
}

/// Flask's default session interface: the session lives in a cookie, signed
/// like Flask's (default) or encrypted. See the module docs for the save
/// rules.
///
/// Bad, expired or foreign cookies open as a fresh session with a
/// `tracing` debug line; they never cause an error response.
///
/// # Examples
///
/// ```
/// # use sessionkit::codec::SecretKey;
/// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
/// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
/// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
/// let interface = SecureCookieSessionInterface::new(config())?;
/// // A tampered cookie opens as a fresh session (and a log line), never an error.
/// let request = http::Request::builder().header("cookie", "session=forged.value.sig").body(())?;
/// let (parts, ()) = request.into_parts();
/// let session: DynamicSession = interface.open_session(&parts).unwrap();
/// assert!(session.state().is_new() && session.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SecureCookieSessionInterface {
    config: SessionConfig,
    protector: Option<Protector>,
    /// `Domain` as Werkzeug writes it.
    domain: Option<String>,
    /// `Path` as Werkzeug writes it.
    path: String,
    /// The configured attributes rendered once: what goes before `Expires`
    /// and what goes after it.
    attrs: (String, String),
    clock: Option<Clock>,
}

impl fmt::Debug for SecureCookieSessionInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecureCookieSessionInterface")
            .field("config", &self.config)
            .field("protector", &self.protector)
            .finish_non_exhaustive()
    }
}

/// The rules browsers apply to the `__Host-` and `__Secure-` name
/// prefixes (RFC 6265bis 4.1.3; matched without regard to case, as
/// browsers do): both need `Secure`, `__Host-` also `Path=/` and no
/// `Domain`.
pub(crate) fn check_cookie_prefix(config: &SessionConfig) -> Result<(), ConfigError> {
    let name = &config.cookie_name;
    let starts = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    let host = starts("__Host-");
    let needs = if !(host || starts("__Secure-")) {
        None
    } else if !config.cookie_secure {
        Some("`Secure` (SessionConfig::with_secure(true), or `secure` in #[session])")
    } else if host && config.cookie_domain.is_some() {
        Some("no `Domain` (remove the domain)")
    } else if host && !matches!(config.cookie_path.as_str(), "" | "/") {
        Some("`Path=/` (remove the path)")
    } else {
        None
    };
    match needs {
        Some(needs) => Err(ConfigError::CookiePrefix {
            name: name.clone(),
            needs,
        }),
        None => Ok(()),
    }
}

thread_local! {
    /// The JSON of the session being saved, reused across saves.
    static JSON: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The `Set-Cookie` line being built, reused across saves.
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
}

impl SecureCookieSessionInterface {
    /// Builds the interface: validates the configuration and derives the
    /// keys once. Without a secret key every request gets a null session
    /// (like Flask), and a warning is logged.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for an invalid cookie name or domain.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// use sessionkit::error::ConfigError;
    ///
    /// assert!(SecureCookieSessionInterface::new(config()).is_ok());
    /// let bad_domain = config().with_domain("exa mple..com");
    /// assert!(matches!(SecureCookieSessionInterface::new(bad_domain), Err(ConfigError::Domain(_))));
    /// ```
    pub fn new(config: SessionConfig) -> Result<Self, ConfigError> {
        if !is_token(&config.cookie_name) {
            return Err(ConfigError::CookieName(config.cookie_name.clone()));
        }
        check_cookie_prefix(&config)?;
        let domain = match &config.cookie_domain {
            Some(d) => werkzeug_domain(d)?,
            None => None,
        };
        let lifetime = config.permanent_session_lifetime;
        let ends = SystemTime::now().checked_add(lifetime).map(unix_secs);
        if ends.is_none_or(|secs| secs > LAST_HTTP_DATE) {
            return Err(ConfigError::Lifetime(lifetime.as_secs()));
        }
        let path = werkzeug_path(if config.cookie_path.is_empty() {
            "/"
        } else {
            &config.cookie_path
        });
        let protector = config.secret_key.as_ref().map(|key| {
            let mut keys = SecretKeys::new(key.clone());
            for f in &config.secret_key_fallbacks {
                keys = keys.with_fallback(f.clone());
            }
            match config.protection {
                Protection::Encrypted => Protector::Encrypted(
                    EncryptedCodec::new(&keys, &config.salt).with_max_payload(config.max_payload),
                ),
                _ => Protector::Signed(
                    SessionCodec::builder(keys)
                        .salt(config.salt.as_bytes())
                        .max_payload(config.max_payload)
                        .max_depth(config.max_depth)
                        .compression(config.compression)
                        .ensure_ascii(config.json_ensure_ascii)
                        .build(),
                ),
            }
        });
        let attrs = {
            let probe = Cookie::build(("n", "v"))
                .path(path.clone())
                .http_only(config.cookie_http_only)
                .secure(config.cookie_secure)
                .partitioned(config.cookie_partitioned);
            let probe = match &domain {
                Some(d) => probe.domain(d.clone()),
                None => probe,
            };
            let probe = match config.cookie_same_site {
                Some(ss) => probe.same_site(ss),
                None => probe,
            };
            let rendered = format_set_cookie(&probe.build());
            let rest = rendered.strip_prefix("n=v").unwrap_or_default();
            // Domain is the only attribute before Expires.
            match rest.strip_prefix("; Domain=").map(|r| r.split_once("; ")) {
                Some(Some((d, after))) => (format!("; Domain={d}"), format!("; {after}")),
                Some(None) => (rest.to_owned(), String::new()),
                None => (String::new(), rest.to_owned()),
            }
        };
        match &config.secret_key {
            None => {
                tracing::warn!(
                    target: crate::error::LOG_TARGET,
                    "no secret key configured: sessions are unavailable (null sessions)"
                );
            }
            Some(k) if k.len() < 32 => {
                tracing::warn!(
                    target: crate::error::LOG_TARGET,
                    bytes = k.len(),
                    "the secret key is shorter than 32 bytes; use a long random key"
                );
            }
            Some(_) => {}
        }
        Ok(SecureCookieSessionInterface {
            config,
            protector,
            domain,
            path,
            attrs,
            clock: None,
        })
    }

    /// Uses `clock` instead of the system time (for tests and replays).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// use std::time::{Duration, SystemTime};
    ///
    /// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let interface = SecureCookieSessionInterface::new(config())?.with_clock(move || at);
    /// let mut session = DynamicSession::default();
    /// session.insert("n", 1);
    /// let value = interface.encode_session(&session)?;
    /// // The timestamp part is the clock's time.
    /// let signed = interface.decode_cookie(&value)?;
    /// assert_eq!(signed.timestamp, 1_700_000_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Opens a cookie value into a session dict (signature/decryption, age,
    /// payload), with this interface's keys and lifetime.
    ///
    /// # Errors
    ///
    /// [`DecodeError`]; without a secret key, [`DecodeError::SignatureMismatch`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// use sessionkit::codec::DecodeError;
    ///
    /// let interface = SecureCookieSessionInterface::new(config())?;
    /// let mut session = DynamicSession::default();
    /// session.insert("n", 1);
    /// let value = interface.encode_session(&session)?;
    /// assert_eq!(interface.decode_cookie(&value)?.value.len(), 1);
    /// assert_eq!(interface.decode_cookie("x.y.z"), Err(DecodeError::SignatureMismatch));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_cookie(&self, value: &str) -> Result<Signed<Dict>, DecodeError> {
        self.open_payload(value, |json, timestamp| {
            Ok(Signed {
                value: parse_session_json(json, self.config.max_depth)?,
                timestamp,
            })
        })?
    }

    /// The cookie value for a session, signed (or encrypted) now.
    ///
    /// # Errors
    ///
    /// [`SaveError`] when the session cannot be written, or without a key
    /// ([`SaveError::NullSessionWrite`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// let interface = SecureCookieSessionInterface::new(config())?;
    /// let mut session = DynamicSession::default();
    /// session.insert("user", "ada");
    /// let value = interface.encode_session(&session)?;
    /// assert!(value.starts_with("eyJ1c2VyIjoiYWRhIn0.")); // {"user":"ada"}
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode_session<S: SessionData>(&self, session: &S) -> Result<String, SaveError> {
        let mut value = String::new();
        self.push_value(session, &mut value)?;
        Ok(value)
    }

    /// Appends the session's cookie value (signed or sealed now) to `out`,
    /// writing its JSON in this thread's reusable buffer.
    fn push_value<S: SessionData>(&self, session: &S, out: &mut String) -> Result<(), SaveError> {
        crate::scratch::with_empty(&JSON, |json| {
            session.write_json(json, self.config.max_depth)?;
            let now = unix_secs(self.current_time());
            match &self.protector {
                Some(Protector::Signed(codec)) => {
                    codec.finish_json(json)?;
                    codec.sign_json_into(json, now, out);
                }
                Some(Protector::Encrypted(codec)) => codec.seal_into(json, now, out)?,
                None => return Err(SaveError::NullSessionWrite),
            }
            Ok(())
        })
    }

    fn current_time(&self) -> SystemTime {
        self.clock.as_ref().map_or_else(SystemTime::now, |c| c())
    }

    /// The session cookie with the attributes `hooks` give (Werkzeug's
    /// rendering of the domain and path; cached for the configured values).
    fn cookie<S: SessionData, H: SessionInterface<S> + ?Sized>(
        &self,
        hooks: &H,
        value: String,
        expires: Option<SystemTime>,
    ) -> Result<Cookie<'static>, SaveError> {
        let path = if hooks.cookie_path() == self.config.cookie_path {
            self.path.clone()
        } else {
            werkzeug_path(hooks.cookie_path())
        };
        let domain = match hooks.cookie_domain() {
            d if d == self.config.cookie_domain.as_deref() => self.domain.clone(),
            Some(d) => werkzeug_domain(d).unwrap_or_else(|e| {
                tracing::warn!(
                    target: crate::error::LOG_TARGET,
                    error = %e,
                    "ignoring an invalid cookie domain"
                );
                None
            }),
            None => None,
        };
        let mut c = Cookie::build((hooks.cookie_name().to_owned(), value))
            .path(path)
            .http_only(hooks.cookie_http_only())
            .secure(hooks.cookie_secure())
            .partitioned(hooks.cookie_partitioned());
        if let Some(d) = domain {
            c = c.domain(d);
        }
        if let Some(ss) = hooks.cookie_same_site() {
            c = c.same_site(ss);
        }
        if let Some(t) = expires {
            let dt = time::OffsetDateTime::from_unix_timestamp(expires_secs(t)?)
                .map_err(|_| SaveError::ExpiresOutOfRange)?;
            c = c.expires(Expiration::DateTime(dt));
        }
        Ok(c.build())
    }

    /// Whether `hooks` give exactly the configured cookie attributes (then
    /// the pre-rendered attributes are used).
    fn hooks_are_config<S: SessionData, H: SessionInterface<S> + ?Sized>(&self, hooks: &H) -> bool {
        let c = &self.config;
        hooks.cookie_name() == c.cookie_name
            && hooks.cookie_domain() == c.cookie_domain.as_deref()
            && hooks.cookie_path() == c.cookie_path
            && hooks.cookie_http_only() == c.cookie_http_only
            && hooks.cookie_secure() == c.cookie_secure
            && hooks.cookie_same_site() == c.cookie_same_site
            && hooks.cookie_partitioned() == c.cookie_partitioned
    }

    /// The `Set-Cookie` value with the configured attributes (the same text
    /// [`format_set_cookie`] renders), without building a cookie: appends
    /// `name=`, the value `value` writes, and the pre-rendered attributes
    /// with `Expires` to `line`.
    fn fast_line(
        &self,
        line: &mut String,
        value: impl FnOnce(&mut String) -> Result<(), SaveError>,
        expires: Option<SystemTime>,
        delete: bool,
    ) -> Result<(), SaveError> {
        let (before, after) = &self.attrs;
        line.push_str(&self.config.cookie_name);
        line.push('=');
        value(line)?;
        line.push_str(before);
        if delete {
            line.push_str("; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0");
        } else if let Some(t) = expires {
            line.push_str("; Expires=");
            if !push_http_date(expires_secs(t)?, line) {
                return Err(SaveError::ExpiresOutOfRange);
            }
        }
        line.push_str(after);
        Ok(())
    }

    /// Builds the [`fast_line`](Self::fast_line) in this thread's reusable
    /// line buffer and adds it as a `Set-Cookie` header.
    fn emit_fast(
        &self,
        headers: &mut HeaderMap,
        value: impl FnOnce(&mut String) -> Result<(), SaveError>,
        expires: Option<SystemTime>,
        delete: bool,
    ) -> Result<(), SaveError> {
        crate::scratch::with_empty(&LINE, |line| {
            self.fast_line(line, value, expires, delete)?;
            self.append_line(headers, line, &self.config.cookie_name)
        })
    }

    /// The size rule for a `Set-Cookie` line of `size` bytes.
    fn check_size(&self, size: usize, name: &str) -> Result<(), SaveError> {
        let limit = self.config.max_cookie_size;
        if limit > 0 && size > limit {
            match self.config.oversize {
                OversizePolicy::WarnAndSend => {
                    tracing::warn!(
                        target: crate::error::LOG_TARGET,
                        cookie = name,
                        size,
                        limit,
                        "the session cookie is too large; browsers may silently ignore it"
                    )
                }
                _ => {
                    return Err(SaveError::CookieTooLarge {
                        name: name.to_owned(),
                        size,
                        limit,
                    });
                }
            }
        }
        Ok(())
    }

    fn emit(&self, headers: &mut HeaderMap, cookie: &Cookie<'_>) -> Result<(), SaveError> {
        self.append_line(headers, &format_set_cookie(cookie), cookie.name())
    }

    /// Adds a `Set-Cookie` line under the size rule.
    fn append_line(
        &self,
        headers: &mut HeaderMap,
        line: &str,
        name: &str,
    ) -> Result<(), SaveError> {
        self.check_size(line.len(), name)?;
        // Our values are base64url and dots, names are tokens: always valid.
        if let Ok(v) = HeaderValue::from_str(line) {
            headers.append(SET_COOKIE, v);
        }
        Ok(())
    }
}

impl SecureCookieSessionInterface {
    /// [`SessionInterface::open_session`] reading the cookie name from
    /// `hooks`: for an interface that wraps this one and overrides hooks.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// /// Flask's cookie interface with one hook overridden: the cookie name.
    /// struct Renamed(SecureCookieSessionInterface);
    /// impl SessionInterface<DynamicSession> for Renamed {
    ///     fn config(&self) -> &SessionConfig {
    ///         SessionInterface::<DynamicSession>::config(&self.0)
    ///     }
    ///     fn cookie_name(&self) -> &str {
    ///         "legacy_session"
    ///     }
    ///     fn open_session(&self, request: &http::request::Parts) -> Option<DynamicSession> {
    ///         self.0.open_session_with(self, request)
    ///     }
    ///     fn save_session(&self, session: &DynamicSession, headers: &mut http::HeaderMap) -> Result<(), sessionkit::error::SaveError> {
    ///         self.0.save_session_with(self, session, headers)
    ///     }
    /// }
    /// let renamed = Renamed(SecureCookieSessionInterface::new(config())?);
    /// let mut session = DynamicSession::default();
    /// session.insert("n", 1);
    /// let mut headers = http::HeaderMap::new();
    /// renamed.save_session(&session, &mut headers)?;
    /// let line = headers["set-cookie"].to_str()?;
    /// assert!(line.starts_with("legacy_session="));
    ///
    /// let cookie = line.split(';').next().unwrap();
    /// let (parts, ()) = http::Request::builder().header("cookie", cookie).body(())?.into_parts();
    /// assert_eq!(renamed.open_session(&parts).unwrap().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_session_with<S: SessionData, H: SessionInterface<S> + ?Sized>(
        &self,
        hooks: &H,
        request: &http::request::Parts,
    ) -> Option<S> {
        self.protector.as_ref()?;
        let name = hooks.cookie_name();
        Some(self.open_cookie_value(name, request_cookie(&request.headers, name)))
    }

    /// With [`SessionConfig::absolute_lifetime`] set: the age (seconds) of
    /// a session first issued longer ago than that, or whose issue time is
    /// not a number; `None` for a session within the limit or issued before
    /// the limit was configured (it is stamped when its cookie is next
    /// written).
    fn past_absolute_lifetime<S: SessionData>(&self, session: &S) -> Option<u64> {
        let limit = self.config.absolute_lifetime?.as_secs();
        let issued = session.get_key(crate::config::ISSUED_AT_KEY)?;
        let now = unix_secs(SessionInterface::<S>::now(self));
        match issued {
            crate::codec::Value::Int(t) => {
                let age = u64::try_from(i128::from(now) - i128::from(t)).unwrap_or(0);
                (age > limit || t < 0).then_some(age)
            }
            _ => Some(u64::MAX),
        }
    }

    /// Opens a session from the session cookie's value (a fresh session if
    /// it is missing, bad, expired or foreign).
    fn open_cookie_value<S: SessionData>(&self, name: &str, value: Option<Cow<'_, str>>) -> S {
        let value = match value {
            Some(v) if !v.is_empty() => v,
            _ => return S::default(),
        };
        if value.len() > self.config.max_request_cookie {
            tracing::debug!(
                target: crate::error::LOG_TARGET,
                cookie = name,
                len = value.len(),
                limit = self.config.max_request_cookie,
                "session cookie too long: starting a new session"
            );
            return S::default();
        }
        match self.open_value::<S>(&value) {
            Ok(s) => match self.past_absolute_lifetime(&s) {
                None => s,
                Some(age) => {
                    tracing::debug!(
                        target: crate::error::LOG_TARGET,
                        cookie = name,
                        age,
                        "session older than its absolute lifetime: starting a new session"
                    );
                    S::default()
                }
            },
            Err(OpenError::Decode(e)) if e.is_bad_signature() => {
                tracing::debug!(
                    target: crate::error::LOG_TARGET,
                    cookie = name,
                    error = %e,
                    "bad session cookie: starting a new session"
                );
                S::default()
            }
            // Validly signed, so written by a key holder: Flask would answer
            // 500 here. Worth an operator's attention (a deploy that changed
            // a field's type, another app writing the cookie).
            Err(OpenError::Data(e)) => {
                // The key only: the reason may quote the value.
                tracing::warn!(
                    target: crate::error::LOG_TARGET,
                    cookie = name,
                    key = %e.key,
                    "validly signed session cookie: a value does not fit its field, starting a new session"
                );
                S::default()
            }
            Err(e) => {
                tracing::warn!(
                    target: crate::error::LOG_TARGET,
                    cookie = name,
                    error = %e,
                    "validly signed session cookie cannot be used: starting a new session"
                );
                S::default()
            }
        }
    }

    /// Opens a cookie value into a loaded session: verified (or decrypted)
    /// with this interface's keys and lifetime, then read by
    /// [`SessionData::from_json`].
    pub(crate) fn open_value<S: SessionData>(&self, value: &str) -> Result<S, OpenError> {
        let max_depth = self.config.max_depth;
        let mut s = self.open_payload(value, |json, _| S::from_json(json, max_depth))??;
        *s.state_mut() = SessionState::loaded();
        Ok(s)
    }

    /// Verifies (or decrypts) a cookie value with this interface's keys and
    /// lifetime and lends its JSON payload and signing time to `f`.
    fn open_payload<R>(
        &self,
        value: &str,
        f: impl FnOnce(&[u8], u64) -> R,
    ) -> Result<R, DecodeError> {
        let now = unix_secs(self.current_time());
        let max_age = Some(self.config.max_age_secs());
        match &self.protector {
            Some(Protector::Signed(codec)) => codec.unsign_with(value.as_bytes(), now, max_age, f),
            Some(Protector::Encrypted(codec)) => codec.open_with(value.as_bytes(), now, max_age, f),
            None => Err(DecodeError::SignatureMismatch),
        }
    }

    /// [`SessionInterface::save_session`] with every cookie attribute and
    /// policy decision taken from `hooks` (Flask's subclass-and-override,
    /// for an interface that wraps this one).
    ///
    /// # Errors
    ///
    /// See [`SessionInterface::save_session`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// /// Flask's cookie interface, with `Secure` decided per deployment.
    /// struct Hardened(SecureCookieSessionInterface);
    /// impl SessionInterface<DynamicSession> for Hardened {
    ///     fn config(&self) -> &SessionConfig {
    ///         SessionInterface::<DynamicSession>::config(&self.0)
    ///     }
    ///     fn cookie_secure(&self) -> bool {
    ///         true
    ///     }
    ///     fn open_session(&self, request: &http::request::Parts) -> Option<DynamicSession> {
    ///         self.0.open_session_with(self, request)
    ///     }
    ///     fn save_session(&self, session: &DynamicSession, headers: &mut http::HeaderMap) -> Result<(), sessionkit::error::SaveError> {
    ///         self.0.save_session_with(self, session, headers)
    ///     }
    /// }
    /// let hardened = Hardened(SecureCookieSessionInterface::new(config())?);
    /// let mut session = DynamicSession::default();
    /// session.insert("n", 1);
    /// let mut headers = http::HeaderMap::new();
    /// hardened.save_session(&session, &mut headers)?;
    /// assert!(headers["set-cookie"].to_str()?.contains("; Secure;"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save_session_with<S: SessionData, H: SessionInterface<S> + ?Sized>(
        &self,
        hooks: &H,
        session: &S,
        headers: &mut HeaderMap,
    ) -> Result<(), SaveError> {
        let state = session.state();
        if state.is_accessed() {
            add_vary_cookie(headers);
        }
        let fast = self.hooks_are_config(hooks);
        if session.is_empty_session() {
            // A null session (always empty) is never saved by Flask; one
            // handed here anyway must not make a refused write look saved.
            if state.refused_write() {
                return Err(SaveError::NullSessionWrite);
            }
            if state.is_modified() {
                if fast {
                    self.emit_fast(headers, |_| Ok(()), None, true)?;
                } else {
                    let mut c = self.cookie::<S, H>(hooks, String::new(), None)?;
                    c.set_expires(Expiration::DateTime(time::OffsetDateTime::UNIX_EPOCH));
                    c.set_max_age(time::Duration::ZERO);
                    self.emit(headers, &c)?;
                }
                add_vary_cookie(headers);
            }
            return Ok(());
        }
        if !hooks.should_set_cookie(session) {
            return Ok(());
        }
        let expires = hooks.expiration_time(session);
        if fast {
            self.emit_fast(
                headers,
                |line| self.push_value(session, line),
                expires,
                false,
            )?;
        } else {
            let value = self.encode_session(session)?;
            self.emit(headers, &self.cookie::<S, H>(hooks, value, expires)?)?;
        }
        add_vary_cookie(headers);
        Ok(())
    }
}

impl<S: SessionData> SessionInterface<S> for SecureCookieSessionInterface {
    fn config(&self) -> &SessionConfig {
        &self.config
    }

    fn now(&self) -> SystemTime {
        self.current_time()
    }

    fn open_session(&self, request: &http::request::Parts) -> Option<S> {
        self.open_session_with(self, request)
    }

    fn lazy_cookie(&self, request: &http::request::Parts) -> Option<PendingCookie> {
        self.protector.as_ref()?;
        let name = SessionInterface::<S>::cookie_name(self);
        Some(PendingCookie(
            request_cookie(&request.headers, name).map(Cow::into_owned),
        ))
    }

    fn open_from_cookie(&self, cookie: PendingCookie) -> S {
        self.open_cookie_value(
            SessionInterface::<S>::cookie_name(self),
            cookie.0.map(Cow::Owned),
        )
    }

    fn save_session(&self, session: &S, headers: &mut HeaderMap) -> Result<(), SaveError> {
        self.save_session_with(self, session, headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cookie::SameSite;

    #[test]
    fn prerendered_attributes_equal_the_cookie_crate_rendering() {
        use crate::codec::SecretKey;
        use crate::config::SessionConfig;
        use crate::data::DynamicSession;
        let key = || SecretKey::from_text("k").unwrap();
        let configs = [
            SessionConfig::default(),
            SessionConfig::default().with_same_site(None),
            SessionConfig::default()
                .with_secure(true)
                .with_partitioned(true)
                .with_http_only(false),
            SessionConfig::default()
                .with_domain(".Example.COM:8443")
                .with_path("/my app")
                .with_cookie_name("sid"),
            SessionConfig::default()
                .with_domain("bücher.example")
                .with_same_site(Some(SameSite::Strict)),
        ];
        for config in configs {
            let i = SecureCookieSessionInterface::new(config.with_secret_key(key())).unwrap();
            for (expires, delete) in [
                (None, false),
                (
                    Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000)),
                    false,
                ),
                (None, true),
            ] {
                let mut general = i
                    .cookie::<DynamicSession, _>(
                        &i,
                        if delete {
                            String::new()
                        } else {
                            "v.a.l".into()
                        },
                        expires,
                    )
                    .unwrap();
                if delete {
                    general.set_expires(Expiration::DateTime(time::OffsetDateTime::UNIX_EPOCH));
                    general.set_max_age(time::Duration::ZERO);
                }
                let mut fast = String::new();
                i.fast_line(
                    &mut fast,
                    |line| {
                        line.push_str(if delete { "" } else { "v.a.l" });
                        Ok(())
                    },
                    expires,
                    delete,
                )
                .unwrap();
                assert_eq!(fast, format_set_cookie(&general));
            }
        }
    }
}
