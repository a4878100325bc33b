//! Test support for your own handlers, like Flask's `session_transaction()`:
//! build a valid session cookie for a session type, and read the session a
//! response saved.
//!
//! ```
//! use sessionkit::testing::{SavedSession, SessionTester};
//! use sessionkit::DynamicSession;
//! use sessionkit::codec::SecretKey;
//!
//! let tester = SessionTester::<DynamicSession>::new(SecretKey::from_text("test-key").unwrap()).unwrap();
//!
//! // A request "already logged in":
//! let cookie = tester.cookie(|s| { s.insert("_user_id", "42"); }).unwrap();
//! assert!(cookie.starts_with("session="));
//! # let response = {
//! #     let mut h = http::HeaderMap::new();
//! #     let value = cookie.trim_start_matches("session=");
//! #     h.insert("set-cookie", format!("session={value}; HttpOnly; Path=/").parse().unwrap());
//! #     h
//! # };
//!
//! // ... send it to your app, then inspect what the response saved:
//! match tester.saved(&response) {
//!     SavedSession::Set(s) => assert_eq!(s.dict_untracked().get("_user_id").and_then(|v| v.as_str()), Some("42")),
//!     other => panic!("{other:?}"),
//! }
//! ```

use std::fmt;
use std::marker::PhantomData;

use http::HeaderMap;
use http::header::SET_COOKIE;

use crate::codec::{DecodeError, SecretKey};
use crate::config::SessionConfig;
use crate::data::SessionData;
use crate::error::OpenError;
use crate::error::{ConfigError, SaveError};
use crate::interface::SessionInterface;
use crate::secure_cookie::SecureCookieSessionInterface;

/// What a response did to the session cookie.
///
/// # Examples
///
/// ```
/// use http::HeaderMap;
/// use sessionkit::DynamicSession;
/// use sessionkit::codec::SecretKey;
/// use sessionkit::testing::{SavedSession, SessionTester};
///
/// let tester = SessionTester::<DynamicSession>::new(SecretKey::from_text("test-key")?)?;
/// // A response without a session cookie left the browser's cookie alone.
/// assert!(matches!(tester.saved(&HeaderMap::new()), SavedSession::Unchanged));
/// let mut deleted = HeaderMap::new();
/// deleted.insert(
///     "set-cookie",
///     "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/".parse()?,
/// );
/// assert!(matches!(tester.saved(&deleted), SavedSession::Deleted));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub enum SavedSession<S> {
    /// No `Set-Cookie` for the session: the browser keeps what it had.
    Unchanged,
    /// The cookie was deleted (the session was emptied).
    Deleted,
    /// The cookie was set to this session.
    Set(S),
}

/// Builds and reads session cookies the way an app with the same
/// configuration does.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::SecretKey;
/// use sessionkit::testing::{SavedSession, SessionTester};
/// use sessionkit::{DynamicSession, SessionConfig};
/// use sessionkit::lifecycle::SessionLifecycle;
/// use sessionkit::interface::SecureCookieSessionInterface;
/// use sessionkit::lifecycle::SessionHandle;
///
/// let key = SecretKey::from_text("test-key")?;
/// // The app under test (here the framework-free runner; any framework works).
/// let config = SessionConfig::default().with_secret_key(key.clone());
/// let app = SessionLifecycle::<DynamicSession>::new(SecureCookieSessionInterface::new(config)?);
/// let logout = |request: http::Request<()>| {
///     SessionHandle::<DynamicSession>::from_request(&request).unwrap().lock().clear();
///     http::Response::new(Vec::new())
/// };
///
/// let tester = SessionTester::<DynamicSession>::new(key)?;
/// let cookie = tester.cookie(|s| {
///     s.insert("_user_id", "42");
/// })?;
/// let request = http::Request::builder().header("cookie", cookie).body(())?;
/// let response = app.run_sync(request, logout);
/// assert!(matches!(tester.saved(&response), SavedSession::Deleted));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SessionTester<S> {
    interface: SecureCookieSessionInterface,
    _session: PhantomData<fn() -> S>,
}

impl<S> fmt::Debug for SessionTester<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionTester")
            .field("interface", &self.interface)
            .finish()
    }
}

impl<S: SessionData> SessionTester<S> {
    /// A tester for the session type's configuration with `key`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for an invalid configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::testing::SessionTester;
    ///
    /// let tester = SessionTester::<DynamicSession>::new(SecretKey::from_text("test-key")?)?;
    /// assert!(tester.cookie(|_| {})?.starts_with("session="));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(key: SecretKey) -> Result<Self, ConfigError> {
        Self::with_config(S::default_config().with_secret_key(key))
    }

    /// A tester for a full configuration (it must have a secret key).
    ///
    /// # Errors
    ///
    /// [`ConfigError::MissingSecretKey`] without a secret key, and
    /// [`ConfigError`] for an otherwise invalid configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::testing::SessionTester;
    /// use sessionkit::error::ConfigError;
    /// use sessionkit::{DynamicSession, SessionConfig};
    ///
    /// let config = SessionConfig::default()
    ///     .with_secret_key(SecretKey::from_text("test-key")?)
    ///     .with_cookie_name("sid");
    /// let tester = SessionTester::<DynamicSession>::with_config(config)?;
    /// assert!(tester.cookie(|_| {})?.starts_with("sid="));
    ///
    /// // Without a key there are only null sessions: refused at once.
    /// let no_key = SessionTester::<DynamicSession>::with_config(SessionConfig::default());
    /// assert_eq!(no_key.unwrap_err(), ConfigError::MissingSecretKey);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_config(config: SessionConfig) -> Result<Self, ConfigError> {
        // Without a key there are only null sessions: nothing to sign or
        // open, so say so now rather than at the first cookie.
        if config.secret_key.is_none() {
            return Err(ConfigError::MissingSecretKey);
        }
        Ok(SessionTester {
            interface: SecureCookieSessionInterface::new(config)?,
            _session: PhantomData,
        })
    }

    /// The interface used.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::testing::SessionTester;
    /// use sessionkit::DynamicSession;
    /// use sessionkit::interface::SessionInterface;
    ///
    /// let tester = SessionTester::<DynamicSession>::new(SecretKey::from_text("test-key")?)?;
    /// assert_eq!(SessionInterface::<DynamicSession>::cookie_name(tester.interface()), "session");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn interface(&self) -> &SecureCookieSessionInterface {
        &self.interface
    }

    /// The same tester with the clock of an app under test that has one
    /// ([`SecureCookieSessionInterface::with_clock`]): cookies are signed at
    /// its time, and saved cookies are checked for age against it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use sessionkit::DynamicSession;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::testing::SessionTester;
    ///
    /// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let tester = SessionTester::<DynamicSession>::new(SecretKey::from_text("test-key")?)?
    ///     .with_clock(move || at);
    /// let cookie = tester.cookie(|s| {
    ///     s.insert("n", 1);
    /// })?;
    /// let value = cookie.strip_prefix("session=").unwrap();
    /// assert!(tester.open(value).is_ok());
    /// // Without the clock, that cookie expired long ago.
    /// let today = SessionTester::<DynamicSession>::new(SecretKey::from_text("test-key")?)?;
    /// assert!(today.open(value).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_clock(
        mut self,
        clock: impl Fn() -> std::time::SystemTime + Send + Sync + 'static,
    ) -> Self {
        self.interface = self.interface.with_clock(clock);
        self
    }

    /// A `Cookie` header value (`name=value`) carrying the session `prepare`
    /// builds from a new one, signed now.
    ///
    /// # Errors
    ///
    /// [`SaveError`] if the session cannot be encoded.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::testing::SessionTester;
    ///
    /// let tester = SessionTester::<DynamicSession>::new(SecretKey::from_text("test-key")?)?;
    /// let cookie = tester.cookie(|s| {
    ///     s.insert("cart", 3);
    /// })?;
    /// let value = cookie.strip_prefix("session=").unwrap();
    /// assert_eq!(tester.open(value)?.get_as::<u64>("cart").unwrap()?, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie(&self, prepare: impl FnOnce(&mut S)) -> Result<String, SaveError> {
        let mut session = S::default();
        prepare(&mut session);
        let value = self.interface.encode_session(&session)?;
        Ok(format!(
            "{}={value}",
            SessionInterface::<S>::cookie_name(&self.interface)
        ))
    }

    /// A session cookie as [`cookie`](Self::cookie) makes it, holding a
    /// Flask-WTF CSRF token, and the signed token a page would put in its
    /// form (what [`Csrf::token`](crate::csrf::Csrf::token) issues with the
    /// app's CSRF defaults): a request "with a valid form".
    ///
    /// # Errors
    ///
    /// [`SaveError`] as for [`cookie`](Self::cookie); without a secret key,
    /// [`SaveError::NullSessionWrite`].
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig};
    /// use sessionkit::testing::SessionTester;
    ///
    /// let key = SecretKey::from_text("test-key")?;
    /// let tester = SessionTester::<DynamicSession>::new(key.clone())?;
    /// let (cookie, token) = tester.cookie_with_csrf_token(|s| {
    ///     s.insert("_user_id", "42");
    /// })?;
    /// let session = tester.open(cookie.strip_prefix("session=").unwrap())?;
    /// assert!(Csrf::new(CsrfConfig::new(key)).validate(Some(&token), &session).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie_with_csrf_token(
        &self,
        prepare: impl FnOnce(&mut S),
    ) -> Result<(String, String), SaveError> {
        let config =
            crate::csrf::CsrfConfig::for_session(SessionInterface::<S>::config(&self.interface))
                .map_err(|_| SaveError::NullSessionWrite)?;
        let csrf = crate::csrf::Csrf::new(config);
        let mut token = Err(SaveError::NullSessionWrite);
        let cookie = self.cookie(|s| {
            prepare(s);
            token = csrf.token(s).map_err(|_| SaveError::NullSessionWrite);
        })?;
        Ok((cookie, token?))
    }

    /// Opens a session cookie value as the app would.
    ///
    /// # Errors
    ///
    /// [`DecodeError`] for a bad, expired or foreign cookie;
    /// [`DecodeError::DoesNotFit`] for a session whose values do not fit
    /// `S` (a server would give that cookie a fresh session).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::codec::{DecodeError, SecretKey};
    /// use sessionkit::testing::SessionTester;
    ///
    /// let tester = SessionTester::<DynamicSession>::new(SecretKey::from_text("test-key")?)?;
    /// let theirs = SessionTester::<DynamicSession>::new(SecretKey::from_text("other-key")?)?;
    /// let cookie = theirs.cookie(|s| {
    ///     s.insert("n", 1);
    /// })?;
    /// let value = cookie.strip_prefix("session=").unwrap();
    /// assert!(matches!(tester.open(value), Err(DecodeError::SignatureMismatch)));
    /// assert!(theirs.open(value).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(&self, value: &str) -> Result<S, DecodeError> {
        self.interface.open_value(value).map_err(|e| match e {
            OpenError::Decode(e) => e,
            OpenError::Data(e) => DecodeError::DoesNotFit(e.to_string()),
        })
    }

    /// What a response saved, from its headers.
    ///
    /// # Panics
    ///
    /// When the response sets a session cookie this tester cannot open
    /// (signed with another key or salt, expired or not yet valid by the
    /// tester's clock (see [`with_clock`](Self::with_clock)), or holding
    /// values the session type refuses): the
    /// tester is not configured like the app, and reporting
    /// [`SavedSession::Unchanged`] would hide that the cookie was replaced.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::testing::{SavedSession, SessionTester};
    ///
    /// let tester = SessionTester::<DynamicSession>::new(SecretKey::from_text("test-key")?)?;
    /// let cookie = tester.cookie(|s| {
    ///     s.insert("n", 7);
    /// })?;
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("set-cookie", format!("{cookie}; HttpOnly; Path=/").parse()?);
    /// match tester.saved_from_headers(&headers) {
    ///     SavedSession::Set(s) => assert_eq!(s.get_as::<u64>("n").unwrap()?, 7),
    ///     other => panic!("expected a saved session, got {other:?}"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn saved_from_headers(&self, headers: &HeaderMap) -> SavedSession<S> {
        let name = SessionInterface::<S>::cookie_name(&self.interface);
        let prefix = format!("{name}=");
        let line = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|l| l.starts_with(&prefix));
        let Some(line) = line else {
            return SavedSession::Unchanged;
        };
        let value = line[prefix.len()..]
            .split(';')
            .next()
            .unwrap_or_default()
            .trim();
        if value.is_empty() {
            return SavedSession::Deleted;
        }
        match self.open(value) {
            Ok(s) => SavedSession::Set(s),
            Err(e) => panic!(
                "the response sets a `{name}` cookie that this SessionTester cannot open \
                 ({e}); configure the tester like the app (key, salt, clock, session type)"
            ),
        }
    }

    /// What a response saved.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::testing::{SavedSession, SessionTester};
    /// use sessionkit::{DynamicSession, SessionConfig};
    /// use sessionkit::lifecycle::SessionLifecycle;
    /// use sessionkit::interface::SecureCookieSessionInterface;
    /// use sessionkit::lifecycle::SessionHandle;
    ///
    /// let key = SecretKey::from_text("test-key")?;
    /// let config = SessionConfig::default().with_secret_key(key.clone());
    /// let app = SessionLifecycle::<DynamicSession>::new(SecureCookieSessionInterface::new(config)?);
    /// let response = app.run_sync(http::Request::new(()), |request| {
    ///     let session = SessionHandle::<DynamicSession>::from_request(&request).unwrap();
    ///     session.lock().insert("visits", 1);
    ///     http::Response::new(Vec::new())
    /// });
    /// let tester = SessionTester::<DynamicSession>::new(key)?;
    /// match tester.saved(&response) {
    ///     SavedSession::Set(s) => assert_eq!(s.get_as::<u64>("visits").unwrap()?, 1),
    ///     other => panic!("expected a saved session, got {other:?}"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Panics
    ///
    /// As [`saved_from_headers`](Self::saved_from_headers), for a session
    /// cookie this tester cannot open.
    pub fn saved<B>(&self, response: &impl AsHeaders<B>) -> SavedSession<S> {
        self.saved_from_headers(response.headers_ref())
    }

    /// [`saved`](Self::saved) for an actix-web response's headers
    /// (`ServiceResponse`, `HttpResponse` or a client response: actix-web 4
    /// has its own header types).
    ///
    /// # Panics
    ///
    /// As [`saved_from_headers`](Self::saved_from_headers).
    ///
    /// # Examples
    ///
    /// ```
    /// use actix_web::{App, web, test};
    /// use sessionkit::actix::{Session, SessionMiddleware};
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::testing::{SavedSession, SessionTester};
    /// use sessionkit::DynamicSession;
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let key = SecretKey::from_text("test-key")?;
    /// let app = test::init_service(
    ///     App::new()
    ///         .route("/", web::get().to(|s: Session<DynamicSession>| async move {
    ///             s.lock().insert("n", 1);
    ///             "ok"
    ///         }))
    ///         .wrap(SessionMiddleware::<DynamicSession>::with_key(key.clone())?),
    /// ).await;
    /// let response = test::call_service(&app, test::TestRequest::get().to_request()).await;
    /// let tester = SessionTester::<DynamicSession>::new(key)?;
    /// match tester.saved_from_actix(response.headers()) {
    ///     SavedSession::Set(s) => assert_eq!(s.get_as::<u64>("n").unwrap()?, 1),
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "actix")]
    #[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
    pub fn saved_from_actix(
        &self,
        headers: &actix_web::http::header::HeaderMap,
    ) -> SavedSession<S> {
        self.saved_from_headers(&crate::actix::head::to_http_headers(headers))
    }
}

/// Anything with response headers (`http::Response`, a `HeaderMap`).
///
/// # Examples
///
/// ```
/// use sessionkit::testing::AsHeaders;
///
/// let response = http::Response::builder().header("x-a", "1").body(())?;
/// assert_eq!(response.headers_ref()["x-a"], "1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait AsHeaders<B> {
    /// The headers.
    ///
    /// # Examples
    ///
    /// ```
    /// use http::HeaderMap;
    /// use sessionkit::testing::AsHeaders;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-a", "1".parse()?);
    /// assert_eq!(headers.headers_ref().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn headers_ref(&self) -> &HeaderMap;
}

impl<B> AsHeaders<B> for http::Response<B> {
    fn headers_ref(&self) -> &HeaderMap {
        self.headers()
    }
}

impl AsHeaders<()> for HeaderMap {
    fn headers_ref(&self) -> &HeaderMap {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DynamicSession;

    #[test]
    fn debug_shows_the_interface_and_no_key() {
        let key = SecretKey::from_text("a-very-private-test-key").unwrap();
        let tester = SessionTester::<DynamicSession>::new(key).unwrap();
        let shown = format!("{tester:?}");
        assert!(
            shown.starts_with("SessionTester { interface: SecureCookieSessionInterface"),
            "{shown}"
        );
        assert!(!shown.contains("a-very-private-test-key"), "{shown}");
    }

    /// A hand-written session type whose `from_dict` refuses a value that
    /// does not fit (a `#[session]` struct keeps such a value instead).
    #[derive(Default)]
    struct Strict {
        n: u64,
        state: crate::interface::SessionState,
    }

    impl SessionData for Strict {
        fn from_dict(mut dict: crate::codec::Dict) -> Result<Self, crate::error::SessionDataError> {
            let n = match dict.remove("n") {
                None => 0,
                Some(v) => crate::codec::from_value(v).map_err(|source| {
                    crate::error::SessionDataError {
                        key: "n".into(),
                        source,
                    }
                })?,
            };
            Ok(Strict {
                n,
                state: crate::interface::SessionState::loaded(),
            })
        }
        fn write_json(&self, out: &mut Vec<u8>, _: usize) -> Result<(), crate::codec::EncodeError> {
            out.extend_from_slice(format!(r#"{{"n":{}}}"#, self.n).as_bytes());
            Ok(())
        }
        fn is_empty_session(&self) -> bool {
            false
        }
        fn is_permanent_session(&self) -> bool {
            false
        }
        fn get_key(&self, key: &str) -> Option<crate::codec::Value> {
            (key == "n").then(|| crate::codec::Value::from(self.n))
        }
        fn set_key(
            &mut self,
            _: &str,
            _: crate::codec::Value,
        ) -> Result<(), crate::error::SessionDataError> {
            Ok(())
        }
        fn state(&self) -> &crate::interface::SessionState {
            &self.state
        }
        fn state_mut(&mut self) -> &mut crate::interface::SessionState {
            &mut self.state
        }
    }

    #[test]
    fn saved_reads_responses_and_header_maps() {
        let key = || SecretKey::from_text("k").unwrap();
        let tester = SessionTester::<DynamicSession>::new(key()).unwrap();
        let cookie = tester
            .cookie(|s| {
                s.insert("n", 3);
            })
            .unwrap();
        let response = http::Response::builder()
            .header("set-cookie", "other=1; Path=/")
            .header("set-cookie", format!("{cookie}; HttpOnly; Path=/"))
            .body(())
            .unwrap();
        let n = |saved: SavedSession<DynamicSession>| match saved {
            SavedSession::Set(s) => s.get_as::<u64>("n").and_then(Result::ok),
            other => panic!("{other:?}"),
        };
        assert_eq!(n(tester.saved(&response)), Some(3));
        assert_eq!(n(tester.saved(response.headers())), Some(3));
        assert!(matches!(
            tester.saved(&HeaderMap::new()),
            SavedSession::Unchanged
        ));
    }

    #[test]
    #[should_panic(expected = "cannot open (bad signature")]
    fn saved_refuses_to_call_an_unreadable_cookie_unchanged() {
        let app =
            SessionTester::<DynamicSession>::new(SecretKey::from_text("app").unwrap()).unwrap();
        let cookie = app
            .cookie(|s| {
                s.insert("n", 3);
            })
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("set-cookie", format!("{cookie}; Path=/").parse().unwrap());
        let wrong_key =
            SessionTester::<DynamicSession>::new(SecretKey::from_text("test").unwrap()).unwrap();
        let _ = wrong_key.saved(&headers);
    }

    #[test]
    fn open_names_a_value_that_does_not_fit() {
        let key = || SecretKey::from_text("k").unwrap();
        let strict = SessionTester::<Strict>::new(key()).unwrap();
        let dynamic = SessionTester::<DynamicSession>::new(key()).unwrap();
        let value = |n: &str| {
            let cookie = dynamic
                .cookie(|s| {
                    s.insert("n", n);
                })
                .unwrap();
            cookie["session=".len()..].to_owned()
        };
        let Err(err) = strict.open(&value("seven")) else {
            panic!("a string read into a u64");
        };
        assert!(matches!(err, DecodeError::DoesNotFit(_)), "{err:?}");
        assert!(!err.is_bad_signature());
        let message = err.to_string();
        assert!(
            message.starts_with(
                "validly signed session does not fit the session type: session key \"n\""
            ),
            "{message}"
        );
        let other = SessionTester::<Strict>::new(SecretKey::from_text("other").unwrap()).unwrap();
        assert!(matches!(
            other.open(&value("seven")),
            Err(DecodeError::SignatureMismatch)
        ));
    }
}
