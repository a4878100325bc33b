//! Flask's save decision, row by row, with exact `Set-Cookie` and `Vary`;
//! expiry, key rotation, size limits, null sessions and hook order.

use std::time::{Duration, SystemTime};

use sessionkit::codec::{Dict, SecretKey, SessionCodec};
use sessionkit::config::{OversizePolicy, Protection, SameSite};
use sessionkit::error::SaveError;
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::lifecycle::SessionHandle;
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::{DynamicSession, SessionConfig, SessionData};

const NOW: u64 = 1_700_000_000;
const KEY: &str = "a-test-key-that-is-long-enough-32b";

fn key() -> SecretKey {
    SecretKey::from_text(KEY).unwrap()
}

fn interface(config: SessionConfig) -> SecureCookieSessionInterface {
    SecureCookieSessionInterface::new(config.with_secret_key(key()))
        .unwrap()
        .with_clock(|| SystemTime::UNIX_EPOCH + Duration::from_secs(NOW))
}

fn request(cookie: Option<&str>) -> http::request::Parts {
    let mut b = http::Request::builder();
    if let Some(c) = cookie {
        b = b.header("cookie", format!("session={c}"));
    }
    b.body(()).unwrap().into_parts().0
}

fn sign(pairs: &[(&str, sessionkit::codec::Value)], at: u64) -> String {
    let d: Dict = pairs.iter().cloned().collect();
    SessionCodec::flask(key()).dumps_session(&d, at).unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Origin {
    New,
    Loaded,
}

#[derive(Clone, Copy, Debug)]
enum Contents {
    Empty,
    Data,
    Permanent,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Nothing,
    Set,
    SetWithExpires,
    Delete,
}

/// Every row of the decision: (origin, final contents, modified, accessed,
/// refresh_each_request) -> (Set-Cookie, Vary). The "new, non-empty,
/// unmodified" rows cannot happen (data only gets into a new session by a
/// write) and are left out.
#[rustfmt::skip]
const TABLE: &[(Origin, Contents, bool, bool, bool, Outcome, bool)] = {
    use Contents::*;
    use Origin::*;
    use Outcome::*;
    &[
        // origin  contents   modified accessed refresh  -> outcome        vary
        (New,    Empty,     false,   false,   true,      Nothing,        false),
        (New,    Empty,     false,   true,    true,      Nothing,        true),
        (New,    Empty,     false,   false,   false,     Nothing,        false),
        (New,    Empty,     true,    true,    true,      Delete,         true),
        (New,    Empty,     true,    true,    false,     Delete,         true),
        (New,    Data,      true,    true,    true,      Set,            true),
        (New,    Data,      true,    true,    false,     Set,            true),
        (New,    Permanent, true,    true,    true,      SetWithExpires, true),
        (New,    Permanent, true,    true,    false,     SetWithExpires, true),
        (Loaded, Empty,     true,    true,    true,      Delete,         true),
        (Loaded, Empty,     true,    true,    false,     Delete,         true),
        (Loaded, Data,      false,   false,   true,      Nothing,        false),
        (Loaded, Data,      false,   true,    true,      Nothing,        true),
        (Loaded, Data,      false,   false,   false,     Nothing,        false),
        (Loaded, Data,      true,    true,    true,      Set,            true),
        (Loaded, Data,      true,    true,    false,     Set,            true),
        (Loaded, Permanent, false,   false,   true,      SetWithExpires, true),
        (Loaded, Permanent, false,   true,    true,      SetWithExpires, true),
        (Loaded, Permanent, false,   false,   false,     Nothing,        false),
        (Loaded, Permanent, false,   true,    false,     Nothing,        true),
        (Loaded, Permanent, true,    true,    true,      SetWithExpires, true),
        (Loaded, Permanent, true,    true,    false,     SetWithExpires, true),
    ]
};

#[test]
fn save_decision_table() {
    let lifetime = 3600;
    for &(origin, contents, modified, accessed, refresh, outcome, vary) in TABLE {
        let row = format!(
            "{origin:?} {contents:?} modified={modified} accessed={accessed} refresh={refresh}"
        );
        let i = interface(
            SessionConfig::default()
                .with_refresh_each_request(refresh)
                .with_lifetime(Duration::from_secs(lifetime)),
        );
        // The cookie the request carries, signed a minute ago.
        let loaded: Vec<(&str, sessionkit::codec::Value)> = match contents {
            Contents::Permanent => vec![("_permanent", true.into()), ("a", 1.into())],
            _ => vec![("a", 1.into())],
        };
        let cookie = sign(&loaded, NOW - 60);
        let mut s: DynamicSession = match origin {
            Origin::New => i.open_session(&request(None)).unwrap(),
            Origin::Loaded => i.open_session(&request(Some(&cookie))).unwrap(),
        };
        assert_eq!(s.state().is_new(), matches!(origin, Origin::New), "{row}");
        // Bring the session to the row's state.
        match (origin, contents, modified) {
            (Origin::New, Contents::Empty, true) | (Origin::Loaded, Contents::Empty, true) => {
                s.clear()
            }
            (Origin::New, Contents::Data, true) => {
                s.insert("a", 1);
            }
            (Origin::New, Contents::Permanent, true) => {
                s.insert("a", 1);
                s.set_permanent(true);
            }
            (Origin::Loaded, _, true) => {
                s.insert("a", 1);
            }
            _ => {}
        }
        if accessed {
            let _ = s.get("a");
        }
        assert_eq!(s.state().is_modified(), modified, "{row}");
        assert_eq!(s.state().is_accessed(), accessed, "{row}");

        let mut headers = http::HeaderMap::new();
        i.save_session(&s, &mut headers).unwrap();
        let set: Vec<&str> = headers
            .get_all("set-cookie")
            .iter()
            .map(|h| h.to_str().unwrap())
            .collect();
        let fresh = sign(&loaded, NOW);
        let expected: Vec<String> = match outcome {
            Outcome::Nothing => vec![],
            Outcome::Delete => vec!["session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/; SameSite=Lax".into()],
            Outcome::Set => vec![format!("session={fresh}; HttpOnly; Path=/; SameSite=Lax")],
            // NOW + 3600 = Tue, 14 Nov 2023 23:13:20 GMT
            Outcome::SetWithExpires => vec![format!("session={fresh}; Expires=Tue, 14 Nov 2023 23:13:20 GMT; HttpOnly; Path=/; SameSite=Lax")],
        };
        assert_eq!(set, expected, "{row}");
        assert_eq!(
            headers.get("vary").map(|v| v.to_str().unwrap()),
            vary.then_some("Cookie"),
            "{row}"
        );
    }
}

#[test]
fn bad_and_expired_cookies_open_fresh_sessions() {
    let i = interface(SessionConfig::default().with_lifetime(Duration::from_secs(100)));
    for cookie in [
        sign(&[("a", 1.into())], NOW - 101), // expired
        sign(&[("a", 1.into())], NOW + 5),   // future
        "garbage".to_owned(),                // malformed
        SessionCodec::flask(SecretKey::from_text("other").unwrap())
            .dumps_session(&Dict::new(), NOW)
            .unwrap(),
        SessionCodec::flask(key()).sign_json(b"[1,2]", NOW), // validly signed, not a dict
        SessionCodec::flask(key()).sign_json(b"{\"a\":", NOW), // validly signed garbage
    ] {
        let s: DynamicSession = i.open_session(&request(Some(&cookie))).unwrap();
        assert!(s.state().is_new(), "{cookie}");
        assert!(s.dict_untracked().is_empty(), "{cookie}");
    }
    let ok: DynamicSession = i
        .open_session(&request(Some(&sign(&[("a", 1.into())], NOW - 100))))
        .unwrap();
    assert!(!ok.state().is_new(), "age == lifetime is still valid");
}

#[test]
fn request_cookies_longer_than_the_limit_are_not_opened() {
    let cookie = sign(&[("a", 1.into())], NOW);
    for (limit, opens) in [
        (cookie.len(), true),
        (cookie.len() + 1, true),
        (cookie.len() - 1, false),
    ] {
        let mut config = SessionConfig::default();
        config.max_request_cookie = limit;
        let s: DynamicSession = interface(config)
            .open_session(&request(Some(&cookie)))
            .unwrap();
        assert_eq!(!s.state().is_new(), opens, "limit {limit}");
        assert_eq!(
            s.dict_untracked().len(),
            usize::from(opens),
            "limit {limit}"
        );
    }
}

#[test]
fn fallback_key_cookie_opens_and_is_resigned_with_the_current_key() {
    let old = SecretKey::from_text("the-old-key").unwrap();
    let i = interface(SessionConfig::default().with_fallback_key(old.clone()));
    let by_old = SessionCodec::flask(old.clone())
        .dumps_session(&[("_permanent", true)].into_iter().collect(), NOW - 10)
        .unwrap();
    let s: DynamicSession = i.open_session(&request(Some(&by_old))).unwrap();
    assert!(!s.state().is_new() && s.is_permanent_session());
    let mut headers = http::HeaderMap::new();
    i.save_session(&s, &mut headers).unwrap();
    let set = headers["set-cookie"].to_str().unwrap();
    let value = set
        .trim_start_matches("session=")
        .split(';')
        .next()
        .unwrap();
    assert!(
        SessionCodec::flask(key())
            .loads_session(value, NOW, None)
            .is_ok(),
        "re-signed with the current key"
    );
    assert!(
        SessionCodec::flask(old)
            .loads_session(value, NOW, None)
            .is_err()
    );
}

#[test]
fn oversized_cookie_is_an_error_or_a_warning_never_silent() {
    let big = "x".repeat(5000);
    // Incompressible text (xorshift64).
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let random_ish: String = (0..5000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'a' + u8::try_from(x % 26).unwrap())
        })
        .collect();
    for (policy, ok) in [
        (OversizePolicy::Error, false),
        (OversizePolicy::WarnAndSend, true),
    ] {
        let i = interface(SessionConfig::default().with_oversize(policy));
        let mut s = DynamicSession::default();
        s.insert("big", big.clone());
        let mut headers = http::HeaderMap::new();
        assert!(
            i.save_session(&s, &mut headers).is_ok(),
            "compresses well: fits"
        );
        s.insert("big", random_ish.clone());
        let mut headers = http::HeaderMap::new();
        let result = i.save_session(&s, &mut headers);
        assert_eq!(result.is_ok(), ok, "{policy:?}: {result:?}");
        if let Err(SaveError::CookieTooLarge { size, limit, .. }) = result {
            assert!(size > limit && limit == 4093);
            assert!(headers.get("set-cookie").is_none());
        } else {
            assert!(headers["set-cookie"].len() > 4093);
        }
    }
    // The limit counts the whole header value: a header exactly at the limit
    // is sent, one byte over is refused.
    let mut s = DynamicSession::default();
    s.insert("k", random_ish.clone());
    let mut h = http::HeaderMap::new();
    interface(SessionConfig::default().with_max_cookie_size(0))
        .save_session(&s, &mut h)
        .unwrap();
    let len = h["set-cookie"].len();
    assert!(len > 4093, "0 disables the check");
    let at_limit = interface(SessionConfig::default().with_max_cookie_size(len));
    assert!(
        at_limit
            .save_session(&s, &mut http::HeaderMap::new())
            .is_ok()
    );
    let below = interface(SessionConfig::default().with_max_cookie_size(len - 1));
    assert_eq!(
        below.save_session(&s, &mut http::HeaderMap::new()),
        Err(SaveError::CookieTooLarge {
            name: "session".into(),
            size: len,
            limit: len - 1
        })
    );
}

#[test]
fn null_session_reads_empty_refuses_writes_and_fails_loudly() {
    let i = SecureCookieSessionInterface::new(SessionConfig::default()).unwrap();
    let app = SessionLifecycle::<DynamicSession>::new(i);
    let cookie = sign(&[("a", 1.into())], NOW);
    let read = app.run_sync(
        http::Request::builder()
            .header("cookie", format!("session={cookie}"))
            .body(())
            .unwrap(),
        |req| {
            let h = SessionHandle::<DynamicSession>::from_request(&req).unwrap();
            let s = h.lock();
            assert!(s.state().is_null());
            assert_eq!(s.get("a"), None, "a null session reads as empty");
            http::Response::new(Vec::from("ok"))
        },
    );
    assert_eq!(read.status(), 200);
    assert!(read.headers().get("set-cookie").is_none() && read.headers().get("vary").is_none());
    let write = app.run_sync(http::Request::new(()), |req| {
        SessionHandle::<DynamicSession>::from_request(&req)
            .unwrap()
            .lock()
            .insert("x", 1);
        http::Response::new(Vec::from("ok"))
    });
    assert_eq!(write.status(), 500);
    let body = String::from_utf8(write.body().clone()).unwrap();
    assert!(
        body.contains("no secret key was set") && body.contains("secret_key"),
        "{body}"
    );
}

#[test]
fn a_null_session_handed_to_save_session_directly_reports_its_refused_write() {
    // Flask's lifecycle never saves a null session; code that calls the
    // interface itself must not see a refused write as saved either.
    let i = SecureCookieSessionInterface::new(SessionConfig::default()).unwrap();
    let untouched: DynamicSession = i.make_null_session();
    let mut headers = http::HeaderMap::new();
    assert_eq!(i.save_session(&untouched, &mut headers), Ok(()));
    assert!(headers.is_empty());

    let mut written: DynamicSession = i.make_null_session();
    assert_eq!(written.insert("x", 1), None);
    let mut headers = http::HeaderMap::new();
    assert_eq!(
        i.save_session(&written, &mut headers),
        Err(SaveError::NullSessionWrite)
    );
    assert!(headers.get("set-cookie").is_none());
}

#[test]
fn hooks_run_in_flask_order_and_early_answers_are_saved() {
    use std::sync::{Arc, Mutex};
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = |name: &'static str| {
        let log = Arc::clone(&log);
        move || log.lock().unwrap().push(name)
    };
    let (b1, b2, a1, a2) = (l("before1"), l("before2"), l("after1"), l("after2"));
    let app = SessionLifecycle::<DynamicSession>::new(interface(SessionConfig::default()))
        .before_request(
            move |_: &http::request::Parts, _: &SessionHandle<DynamicSession>| {
                b1();
                None
            },
        )
        .before_request(
            move |req: &http::request::Parts, s: &SessionHandle<DynamicSession>| {
                b2();
                (req.uri.path() == "/blocked").then(|| {
                    s.lock().insert("blocked", true);
                    let mut r = http::Response::new(Vec::from("no"));
                    *r.status_mut() = http::StatusCode::FORBIDDEN;
                    r
                })
            },
        )
        .after_request(
            move |_: &mut http::response::Parts, s: &SessionHandle<DynamicSession>| {
                a1();
                s.lock().insert("after1", true);
            },
        )
        .after_request(
            move |resp: &mut http::response::Parts, _: &SessionHandle<DynamicSession>| {
                a2();
                resp.headers
                    .insert("x-after", http::HeaderValue::from_static("2"));
            },
        );

    let r = app.run_sync(
        http::Request::builder().uri("/ok").body(()).unwrap(),
        |_req| {
            log.lock().unwrap().push("handler");
            http::Response::new(Vec::from("ok"))
        },
    );
    assert_eq!(
        *log.lock().unwrap(),
        ["before1", "before2", "handler", "after2", "after1"]
    );
    let set = r.headers()["set-cookie"].to_str().unwrap();
    let value = set
        .trim_start_matches("session=")
        .split(';')
        .next()
        .unwrap();
    let saved = SessionCodec::flask(key())
        .loads_session(value, NOW, None)
        .unwrap()
        .value;
    assert_eq!(
        saved.get("after1"),
        Some(&true.into()),
        "after-request changes are saved"
    );

    log.lock().unwrap().clear();
    let r = app.run_sync(
        http::Request::builder().uri("/blocked").body(()).unwrap(),
        |_req| -> http::Response<Vec<u8>> { panic!("the handler must not run") },
    );
    assert_eq!(r.status(), 403);
    assert_eq!(
        *log.lock().unwrap(),
        ["before1", "before2", "after2", "after1"]
    );
    assert_eq!(r.headers()["x-after"], "2");
    let value = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .trim_start_matches("session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let saved = SessionCodec::flask(key())
        .loads_session(value, NOW, None)
        .unwrap()
        .value;
    assert_eq!(saved.get("blocked"), Some(&true.into()));
}

#[test]
fn encrypted_sessions_round_trip_through_the_lifecycle() {
    let i = interface(SessionConfig::default().with_protection(Protection::Encrypted));
    let app = SessionLifecycle::<DynamicSession>::new(i.clone());
    let r = app.run_sync(http::Request::new(()), |req| {
        SessionHandle::<DynamicSession>::from_request(&req)
            .unwrap()
            .lock()
            .insert("secret", "launch-codes-1234");
        http::Response::new(Vec::new())
    });
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let value = set
        .trim_start_matches("session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        value.starts_with("v1.") && !set.contains("launch-codes"),
        "{set}"
    );
    assert!(
        SessionCodec::decode_unverified(&value).is_err(),
        "not readable as a signed cookie"
    );
    let r = app.run_sync(
        http::Request::builder()
            .header("cookie", format!("session={value}"))
            .body(())
            .unwrap(),
        |req| {
            let h = SessionHandle::<DynamicSession>::from_request(&req).unwrap();
            let s = h.lock();
            assert_eq!(
                s.get_as::<String>("secret").unwrap().unwrap(),
                "launch-codes-1234"
            );
            http::Response::new(Vec::new())
        },
    );
    assert!(r.headers().get("set-cookie").is_none());
    // A signed-mode interface with the same key does not accept it, and vice versa.
    let signed: DynamicSession = interface(SessionConfig::default())
        .open_session(&request(Some(&value)))
        .unwrap();
    assert!(signed.state().is_new());
    let flask_cookie = sign(&[("a", 1.into())], NOW);
    let enc: DynamicSession = i.open_session(&request(Some(&flask_cookie))).unwrap();
    assert!(enc.state().is_new());
}

#[test]
fn async_runner_behaves_like_the_sync_one() {
    let app = SessionLifecycle::<DynamicSession>::new(interface(SessionConfig::default()));
    let fut = app.run(http::Request::new(()), |req| async move {
        SessionHandle::<DynamicSession>::from_request(&req)
            .unwrap()
            .lock()
            .insert("a", 1);
        http::Response::new(Vec::new())
    });
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let std::task::Poll::Ready(r) = fut.as_mut().poll(&mut cx) else {
        panic!("a handler without awaits completes at once")
    };
    let expected = format!(
        "session={}; HttpOnly; Path=/; SameSite=Lax",
        sign(&[("a", 1.into())], NOW)
    );
    assert_eq!(r.headers()["set-cookie"], expected.as_str());
    assert_eq!(r.headers()["vary"], "Cookie");
}

/// The methods a wrapper of a `SecureCookieSessionInterface` (in `.0`)
/// delegates: its configuration and clock, and open/save through
/// `*_with(self, ...)` so that the wrapper's overridden hooks apply.
macro_rules! delegate_to_inner {
    () => {
        fn config(&self) -> &SessionConfig {
            SessionInterface::<DynamicSession>::config(&self.0)
        }
        fn now(&self) -> SystemTime {
            SessionInterface::<DynamicSession>::now(&self.0)
        }
        fn open_session(&self, request: &http::request::Parts) -> Option<DynamicSession> {
            self.0.open_session_with(self, request)
        }
        fn save_session(
            &self,
            session: &DynamicSession,
            headers: &mut http::HeaderMap,
        ) -> Result<(), SaveError> {
            self.0.save_session_with(self, session, headers)
        }
    };
}

/// Flask's "subclass and override a hook", in Rust: wrap the interface,
/// override hooks, delegate open/save with `*_with(self, ...)`.
struct AlwaysRefresh(SecureCookieSessionInterface);

impl SessionInterface<DynamicSession> for AlwaysRefresh {
    delegate_to_inner!();
    fn cookie_name(&self) -> &str {
        "sid"
    }
    fn cookie_secure(&self) -> bool {
        true
    }
    fn should_set_cookie(&self, _session: &DynamicSession) -> bool {
        true
    }
}

#[test]
fn overridden_hooks_drive_open_and_save() {
    let i = AlwaysRefresh(interface(SessionConfig::default()));
    let cookie = sign(&[("a", 1.into())], NOW - 5);
    let req = http::Request::builder()
        .header("cookie", format!("session=ignored; sid={cookie}"))
        .body(())
        .unwrap()
        .into_parts()
        .0;
    let s = i.open_session(&req).unwrap();
    assert!(!s.state().is_new(), "opened from the `sid` cookie");
    let mut headers = http::HeaderMap::new();
    i.save_session(&s, &mut headers).unwrap();
    let expected = format!(
        "sid={}; Secure; HttpOnly; Path=/; SameSite=Lax",
        sign(&[("a", 1.into())], NOW)
    );
    assert_eq!(
        headers["set-cookie"],
        expected.as_str(),
        "untouched, yet saved: should_set_cookie overridden"
    );
}

#[test]
fn expiry_dates_past_the_year_9999_are_typed_errors_never_panics() {
    // A lifetime that ends after 9999-12-31 (or overflows the clock) is
    // refused when the interface is built (Flask fails at save time).
    for lifetime in [Duration::from_secs(8_000 * 365 * 86_400), Duration::MAX] {
        let built = SecureCookieSessionInterface::new(
            SessionConfig::default()
                .with_secret_key(key())
                .with_lifetime(lifetime),
        );
        assert_eq!(
            built.err(),
            Some(sessionkit::error::ConfigError::Lifetime(lifetime.as_secs()))
        );
    }
    // At a clock near the end of 9999, a permanent session's expiry is past
    // it: both save paths answer with a typed error instead of dropping
    // `Expires` (which would turn the cookie into a browser-session one).
    let late = SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_000);
    let at_the_end = |config: SessionConfig| {
        SecureCookieSessionInterface::new(config.with_secret_key(key()))
            .unwrap()
            .with_clock(move || late)
    };
    let mut s = DynamicSession::default();
    s.insert("a", 1);
    s.set_permanent(true);
    let fast = at_the_end(SessionConfig::default());
    let mut headers = http::HeaderMap::new();
    assert_eq!(
        fast.save_session(&s, &mut headers),
        Err(SaveError::ExpiresOutOfRange)
    );
    assert!(headers.get("set-cookie").is_none());
    // The general path (hooks that differ from the configuration).
    let hooked = AlwaysRefresh(at_the_end(SessionConfig::default()));
    let mut headers = http::HeaderMap::new();
    assert_eq!(
        hooked.save_session(&s, &mut headers),
        Err(SaveError::ExpiresOutOfRange)
    );
    // A day earlier still fits.
    let fits = SecureCookieSessionInterface::new(SessionConfig::default().with_secret_key(key()))
        .unwrap()
        .with_clock(|| SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_799 - 32 * 86_400));
    let mut headers = http::HeaderMap::new();
    fits.save_session(&s, &mut headers).unwrap();
    let line = headers["set-cookie"].to_str().unwrap();
    assert!(
        line.contains("; Expires=Thu, 30 Dec 9999 23:59:59 GMT;"),
        "{line}"
    );
    // The last second an `Expires` can name fits exactly; one more does not.
    let lifetime = 31 * 86_400;
    for (expiry, fits) in [(253_402_300_799, true), (253_402_300_800, false)] {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(expiry - lifetime);
        let fast =
            SecureCookieSessionInterface::new(SessionConfig::default().with_secret_key(key()))
                .unwrap()
                .with_clock(move || at);
        for i in [
            &fast as &dyn SessionInterface<DynamicSession>,
            &AlwaysRefresh(fast.clone()),
        ] {
            let mut headers = http::HeaderMap::new();
            let saved = i.save_session(&s, &mut headers);
            if fits {
                saved.unwrap();
                let line = headers["set-cookie"].to_str().unwrap();
                assert!(
                    line.contains("; Expires=Fri, 31 Dec 9999 23:59:59 GMT;"),
                    "{line}"
                );
            } else {
                assert_eq!(saved, Err(SaveError::ExpiresOutOfRange));
                assert!(headers.get("set-cookie").is_none());
            }
        }
    }
    // A clock so late that adding the lifetime overflows `SystemTime`: the
    // expiry still counts as past 9999 (not as some early date, which would
    // send a cookie the browser deletes at once).
    let last = SystemTime::UNIX_EPOCH + Duration::from_secs(i64::MAX as u64 - 1);
    let overflowing =
        SecureCookieSessionInterface::new(SessionConfig::default().with_secret_key(key()))
            .unwrap()
            .with_clock(move || last);
    let expiry = SessionInterface::<DynamicSession>::expiration_time(&overflowing, &s)
        .expect("a permanent session has an expiry");
    assert!(
        expiry > SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_799),
        "{expiry:?}"
    );
    for i in [
        &overflowing as &dyn SessionInterface<DynamicSession>,
        &AlwaysRefresh(overflowing.clone()),
    ] {
        let mut headers = http::HeaderMap::new();
        assert_eq!(
            i.save_session(&s, &mut headers),
            Err(SaveError::ExpiresOutOfRange)
        );
        assert!(headers.get("set-cookie").is_none());
    }
}

/// The cookie attributes an interface's hooks give.
#[derive(Clone, Debug)]
struct Hooked {
    path: &'static str,
    domain: Option<&'static str>,
    http_only: bool,
    secure: bool,
    same_site: Option<SameSite>,
    partitioned: bool,
}

impl Hooked {
    fn config(&self) -> SessionConfig {
        let mut c = SessionConfig::default().with_path(self.path);
        if let Some(d) = self.domain {
            c = c.with_domain(d);
        }
        c.cookie_http_only = self.http_only;
        c.cookie_secure = self.secure;
        c.cookie_same_site = self.same_site;
        c.cookie_partitioned = self.partitioned;
        c
    }
}

/// An interface whose cookie attributes come from hooks, not from its
/// configuration.
struct Attrs(SecureCookieSessionInterface, Hooked);

impl SessionInterface<DynamicSession> for Attrs {
    delegate_to_inner!();
    fn cookie_path(&self) -> &str {
        self.1.path
    }
    fn cookie_domain(&self) -> Option<&str> {
        self.1.domain
    }
    fn cookie_http_only(&self) -> bool {
        self.1.http_only
    }
    fn cookie_secure(&self) -> bool {
        self.1.secure
    }
    fn cookie_same_site(&self) -> Option<SameSite> {
        self.1.same_site
    }
    fn cookie_partitioned(&self) -> bool {
        self.1.partitioned
    }
}

#[test]
fn attribute_hooks_render_like_the_same_configuration() {
    let mut s = DynamicSession::default();
    s.insert("a", 1);
    s.set_permanent(true);
    let base = Hooked {
        path: "/app",
        domain: Some("example.org"),
        http_only: true,
        secure: true,
        same_site: Some(SameSite::Lax),
        partitioned: false,
    };
    // Hooks that repeat the configuration, and hooks that differ from it in
    // one attribute each, must give the cookie that a configuration with
    // the hooks' values gives (Werkzeug's quoting and IDNA included).
    let b = || base.clone();
    for hooked in [
        b(),
        Hooked { path: "/", ..b() },
        Hooked {
            path: "/other path",
            ..b()
        },
        Hooked {
            domain: None,
            ..b()
        },
        Hooked {
            domain: Some("Bücher.example"),
            ..b()
        },
        Hooked {
            http_only: false,
            ..b()
        },
        Hooked {
            secure: false,
            ..b()
        },
        Hooked {
            same_site: Some(SameSite::Strict),
            ..b()
        },
        Hooked {
            same_site: Some(SameSite::None),
            ..b()
        },
        Hooked {
            same_site: None,
            ..b()
        },
        Hooked {
            partitioned: true,
            ..b()
        },
    ] {
        let i = Attrs(interface(base.config()), hooked.clone());
        let mut expected = http::HeaderMap::new();
        interface(hooked.config())
            .save_session(&s, &mut expected)
            .unwrap();
        let mut got = http::HeaderMap::new();
        i.save_session(&s, &mut got).unwrap();
        assert_eq!(got["set-cookie"], expected["set-cookie"], "{hooked:?}");
    }
}

#[test]
fn the_lifecycle_refreshes_an_untouched_permanent_session() {
    // The handler never touches the session, so it is opened only at save
    // time; a permanent one is still re-sent (refresh each request), a
    // browser-session one is not, and no cookie (or an empty one) sends
    // nothing.
    let app = SessionLifecycle::<DynamicSession>::new(interface(SessionConfig::default()));
    let permanent = sign(&[("_permanent", true.into()), ("a", 1.into())], NOW - 5);
    let plain = sign(&[("a", 1.into())], NOW - 5);
    for (cookie, refreshed) in [
        (Some(permanent.as_str()), true),
        (Some(plain.as_str()), false),
        (Some(""), false),
        (None, false),
    ] {
        let mut b = http::Request::builder();
        if let Some(c) = cookie {
            b = b.header("cookie", format!("session={c}"));
        }
        let r = app.run_sync(b.body(()).unwrap(), |_| http::Response::new(Vec::new()));
        assert_eq!(
            r.headers().get("set-cookie").is_some(),
            refreshed,
            "{cookie:?}"
        );
        if refreshed {
            let expected = format!(
                "session={}; Expires=Fri, 15 Dec 2023 22:13:20 GMT; HttpOnly; Path=/; SameSite=Lax",
                sign(&[("_permanent", true.into()), ("a", 1.into())], NOW)
            );
            assert_eq!(r.headers()["set-cookie"], expected.as_str());
        }
    }
}

#[test]
fn a_wrapper_interface_opens_its_own_cookie_through_the_lifecycle() {
    // `AlwaysRefresh` keeps the default `lazy_cookie` (no lazy opening), so
    // the lifecycle opens through its `open_session`: the `sid` cookie.
    let app = SessionLifecycle::<DynamicSession, _>::new(AlwaysRefresh(interface(
        SessionConfig::default(),
    )));
    let cookie = sign(&[("a", 7.into())], NOW - 5);
    let req = http::Request::builder()
        .header("cookie", format!("session=ignored; sid={cookie}"))
        .body(())
        .unwrap();
    let r = app.run_sync(req, |req| {
        let h = SessionHandle::<DynamicSession>::from_request(&req).unwrap();
        let a = h.lock().get_as::<u8>("a").unwrap().unwrap();
        http::Response::new(vec![a])
    });
    assert_eq!(*r.body(), [7], "read from the `sid` cookie");
    let expected = format!(
        "sid={}; Secure; HttpOnly; Path=/; SameSite=Lax",
        sign(&[("a", 7.into())], NOW)
    );
    assert_eq!(r.headers()["set-cookie"], expected.as_str());
}

#[test]
fn dynamic_session_dict_methods_track_reads_and_writes_like_flask() {
    let i = interface(SessionConfig::default());
    let open = |pairs: &[(&str, sessionkit::codec::Value)]| -> DynamicSession {
        i.open_session(&request(Some(&sign(pairs, NOW - 5))))
            .unwrap()
    };
    // Reads (`in`, `len`, truthiness) mark accessed, never modified.
    let s = open(&[("a", 1.into())]);
    assert!(!s.state().is_accessed());
    assert!(s.contains_key("a") && !s.contains_key("b"));
    assert_eq!((s.len(), s.is_empty()), (1, false));
    assert!(s.state().is_accessed() && !s.state().is_modified());
    let empty = open(&[]);
    assert_eq!((empty.len(), empty.is_empty()), (0, true));
    // `insert_as` returns the value it replaced, as `insert` does.
    let mut s = open(&[("a", 1.into())]);
    assert_eq!(s.insert_as("b", &[1, 2]).unwrap(), None);
    assert_eq!(
        s.insert_as("b", &"x").unwrap(),
        Some(sessionkit::codec::to_value(&[1, 2]).unwrap())
    );
    assert!(s.state().is_modified());
    // `setdefault`: an existing key is only read; a missing one is written.
    let mut s = open(&[("a", 1.into())]);
    assert_eq!(s.set_default("a", 9), Some(&1.into()));
    assert!(s.state().is_accessed() && !s.state().is_modified());
    assert_eq!(s.set_default("b", 2), Some(&2.into()));
    assert!(s.state().is_modified());
    assert_eq!(s.get("b"), Some(&2.into()));
    // A null session refuses the write and records it.
    let mut null: DynamicSession = SecureCookieSessionInterface::new(SessionConfig::default())
        .unwrap()
        .make_null_session();
    assert_eq!(null.set_default("b", 2), None);
    assert!(null.state().refused_write() && null.is_empty());
    // Permanent means a truthy `_permanent` key.
    for (value, permanent) in [
        (true.into(), true),
        (false.into(), false),
        (0.into(), false),
        (1.into(), true),
    ] {
        assert_eq!(open(&[("_permanent", value)]).is_permanent(), permanent);
    }
    assert!(!open(&[("a", 1.into())]).is_permanent());
}

#[test]
fn the_salt_separates_cookies() {
    // A cookie signed with another salt (another itsdangerous purpose) is
    // not this session's; the same salt opens it.
    let mut d = Dict::new();
    d.insert("n", 1);
    let other = SessionCodec::builder(key())
        .salt("other-salt")
        .build()
        .dumps_session(&d, NOW - 5)
        .unwrap();
    let flask = sign(&[("n", 1.into())], NOW - 5);
    for (config, opens_other) in [
        (SessionConfig::default(), false),
        (SessionConfig::default().with_salt("other-salt"), true),
    ] {
        let i = interface(config);
        let s: DynamicSession = i.open_session(&request(Some(&other))).unwrap();
        assert_eq!(!s.state().is_new(), opens_other);
        let s: DynamicSession = i.open_session(&request(Some(&flask))).unwrap();
        assert_eq!(!s.state().is_new(), !opens_other);
    }
}

/// An encrypted cookie sealed under a retired key opens through the
/// interface when that key is a fallback (the current key's failed attempt
/// must leave the ciphertext for the next key), into a typed session that
/// keeps the keys it does not declare; saved again, it is sealed under the
/// current key only. Under a key the interface does not know, or with one
/// character changed, it opens as a fresh session.
#[test]
fn encrypted_cookies_follow_key_rotation_into_typed_sessions() {
    #[sessionkit::session(encrypted)]
    struct Account {
        user_id: u64,
    }
    let secret = |text: &str| SecretKey::from_text(text).unwrap();
    let (old, new) = (
        secret("old-key-0123456789abcdef0123456789"),
        secret("new-key-0123456789abcdef0123456789"),
    );
    let at = |config: SessionConfig| {
        SecureCookieSessionInterface::new(config)
            .unwrap()
            .with_clock(|| SystemTime::UNIX_EPOCH + Duration::from_secs(NOW))
    };
    let encrypted = || SessionConfig::default().with_protection(Protection::Encrypted);
    let saved_value = |i: &SecureCookieSessionInterface, s: &DynamicSession| {
        let mut headers = http::HeaderMap::new();
        i.save_session(s, &mut headers).unwrap();
        let line = headers["set-cookie"].to_str().unwrap().to_owned();
        line.strip_prefix("session=")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };

    let retired = at(encrypted().with_secret_key(old.clone()));
    let mut s = DynamicSession::default();
    s.set_permanent(true); // refreshed on every save, changed or not
    s.insert("user_id", 42u64);
    s.insert("_flashes", "kept as it is");
    let value = saved_value(&retired, &s);

    let rotated = at(encrypted()
        .with_secret_key(new.clone())
        .with_fallback_key(old.clone()));
    let account: Account = rotated.open_session(&request(Some(&value))).unwrap();
    assert!(!account.state().is_new(), "opened under the fallback key");
    assert_eq!(*account.user_id(), 42);

    let dynamic: DynamicSession = rotated.open_session(&request(Some(&value))).unwrap();
    assert_eq!(
        dynamic.get_as::<String>("_flashes").unwrap().unwrap(),
        "kept as it is"
    );
    let resaved = saved_value(&rotated, &dynamic);
    let only_new = at(encrypted().with_secret_key(new));
    let again: DynamicSession = only_new.open_session(&request(Some(&resaved))).unwrap();
    assert_eq!(again.get_as::<u64>("user_id").unwrap().unwrap(), 42);
    assert_eq!(
        again.get_as::<String>("_flashes").unwrap().unwrap(),
        "kept as it is"
    );
    let old_only: DynamicSession = retired.open_session(&request(Some(&resaved))).unwrap();
    assert!(
        old_only.state().is_new(),
        "sealed under the current key only"
    );

    let stranger = at(encrypted().with_secret_key(secret("another-key-0123456789abcdef012345")));
    let unknown: Account = stranger.open_session(&request(Some(&value))).unwrap();
    assert!(unknown.state().is_new() && *unknown.user_id() == 0);
    let mut tampered = value.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let refused: Account = rotated.open_session(&request(Some(&tampered))).unwrap();
    assert!(refused.state().is_new() && *refused.user_id() == 0);
}
