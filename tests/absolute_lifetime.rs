//! `absolute_lifetime`: a session first issued longer ago than the limit is
//! refused even though it was refreshed on every request; the issue time
//! travels in the session as `_issued_at` (Unix seconds), which a Flask app
//! carries along like any key.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use sessionkit::codec::{SecretKey, SessionCodec, Value};
use sessionkit::config::ISSUED_AT_KEY;
use sessionkit::interface::SecureCookieSessionInterface;
use sessionkit::lifecycle::SessionHandle;
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::{DynamicSession, SessionConfig, SessionData, session};

const KEY: &str = "absolute-lifetime-key-0123456789abcdef";
const START: u64 = 1_700_000_000;
const DAY: u64 = 86_400;

#[session(lifetime = "1d", absolute_lifetime = "7d")]
#[derive(Debug)]
struct Login {
    user: Option<String>,
}

fn key() -> SecretKey {
    SecretKey::from_text(KEY).unwrap()
}

/// A lifecycle whose clock is `now`.
fn app<S: SessionData>(config: SessionConfig, now: &Arc<AtomicU64>) -> SessionLifecycle<S> {
    let now = Arc::clone(now);
    let interface = SecureCookieSessionInterface::new(config.with_secret_key(key()))
        .unwrap()
        .with_clock(move || {
            SystemTime::UNIX_EPOCH + Duration::from_secs(now.load(Ordering::SeqCst))
        });
    SessionLifecycle::new(interface)
}

fn set_cookie(response: &http::Response<Vec<u8>>) -> Option<String> {
    let line = response.headers().get("set-cookie")?.to_str().ok()?;
    let value = line.strip_prefix("session=")?.split(';').next()?;
    (!value.is_empty()).then(|| value.to_owned())
}

/// A request carrying `cookie` as the session cookie.
fn with_cookie(cookie: &str) -> http::Request<()> {
    http::Request::builder()
        .header("cookie", format!("session={cookie}"))
        .body(())
        .unwrap()
}

/// The dict a cookie holds.
fn opened(cookie: &str) -> sessionkit::codec::Dict {
    SessionCodec::flask(key())
        .loads_session(cookie, START, None)
        .unwrap()
        .value
}

/// A handler that does not touch the session.
fn untouched(_: http::Request<()>) -> http::Response<Vec<u8>> {
    http::Response::new(Vec::new())
}

#[test]
fn a_session_refreshed_every_day_ends_at_its_absolute_lifetime() {
    let now = Arc::new(AtomicU64::new(START));
    let app = app::<Login>(Login::default_config(), &now);
    assert_eq!(
        Login::default_config().absolute_lifetime,
        Some(Duration::from_secs(7 * DAY))
    );
    // Login: the saved session carries its issue time.
    let login = app.run_sync(http::Request::new(()), |req| {
        let s = SessionHandle::<Login>::from_request(&req).unwrap();
        let mut s = s.lock();
        s.set_user(Some("ada".into()));
        s.set_permanent(true);
        http::Response::new(Vec::new())
    });
    let mut cookie = set_cookie(&login).expect("login saves");
    assert_eq!(
        opened(&cookie).get(ISSUED_AT_KEY),
        Some(&Value::Int(START as i64))
    );
    // A visit every day refreshes the permanent cookie (1-day lifetime)...
    let visit = |cookie: &str| {
        app.run_sync(with_cookie(cookie), |req| {
            let s = SessionHandle::<Login>::from_request(&req).unwrap();
            let user = s.lock().user().clone();
            http::Response::new(user.unwrap_or_default().into_bytes())
        })
    };
    for day in 1..=7 {
        now.store(START + day * DAY - 60, Ordering::SeqCst);
        let r = visit(&cookie);
        assert_eq!(r.body(), b"ada", "day {day}");
        cookie = set_cookie(&r).expect("refreshed");
    }
    // ... but past seven days from the login, the session is refused: a
    // fresh, logged-out session, and the stale cookie is not re-issued.
    now.store(START + 7 * DAY + 1, Ordering::SeqCst);
    let r = visit(&cookie);
    assert_eq!(r.body(), b"");
    assert_eq!(set_cookie(&r), None);
}

#[test]
fn a_session_issued_before_the_limit_was_configured_is_stamped_when_next_written() {
    // A Flask-made (or older) cookie without `_issued_at` stays valid and
    // is stamped when its cookie is next written; unknown keys go on
    // unchanged.
    let now = Arc::new(AtomicU64::new(START));
    let config = SessionConfig::default().with_absolute_lifetime(Duration::from_secs(DAY));
    let stamping = app::<DynamicSession>(config, &now);
    let mut dict = sessionkit::codec::Dict::new();
    dict.insert("_user_id", "7");
    dict.insert("flask_only", "kept");
    // Not permanent and not touched: its cookie is not written, so it is
    // not stamped either (no `Set-Cookie` on a route that ignores the
    // session).
    let unstamped = SessionCodec::flask(key())
        .dumps_session(&dict, START)
        .unwrap();
    let r = stamping.run_sync(with_cookie(&unstamped), untouched);
    assert!(r.headers().get("set-cookie").is_none());
    // Permanent: refreshed on every response, so stamped with this one.
    dict.insert("_permanent", true);
    let old = SessionCodec::flask(key())
        .dumps_session(&dict, START)
        .unwrap();
    let r = stamping.run_sync(with_cookie(&old), untouched);
    let saved = set_cookie(&r).expect("stamped and saved");
    let dict = opened(&saved);
    assert_eq!(dict.get(ISSUED_AT_KEY), Some(&Value::Int(START as i64)));
    assert_eq!(
        dict.get("flask_only").and_then(|v| v.as_str()),
        Some("kept")
    );
    // Without the option nothing is stamped.
    let plain = app::<DynamicSession>(SessionConfig::default(), &now);
    let r = plain.run_sync(with_cookie(&old), untouched);
    let refreshed = set_cookie(&r).expect("a permanent session is refreshed");
    assert_eq!(opened(&refreshed).get(ISSUED_AT_KEY), None);
    // An empty session is never stamped (no cookie for visitors).
    let r = stamping.run_sync(http::Request::new(()), |req| {
        SessionHandle::<DynamicSession>::from_request(&req)
            .unwrap()
            .lock()
            .len();
        http::Response::new(Vec::new())
    });
    assert!(r.headers().get("set-cookie").is_none());
}
