//! The log lines of bad input: every cookie that cannot be opened is
//! replaced by a fresh session *and* logged once, under
//! [`sessionkit::error::LOG_TARGET`], at a level that says whose fault it is
//! (`debug` for cookies nobody with the key wrote for this moment, `warn`
//! for validly signed ones that cannot be used, where Flask answers 500),
//! and no line carries the cookie's value or the key.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sessionkit::codec::Compression;
use sessionkit::codec::{EncryptedCodec, SecretKey, SecretKeys, SessionCodec};
use sessionkit::config::{OversizePolicy, Protection};
use sessionkit::error::LOG_TARGET;
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::{DynamicSession, SessionConfig, SessionData, session};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

const SECRET: &str = "logging-secret-0123456789abcdef-0123";
const NOW: u64 = 1_700_000_000;
const LIFETIME: u64 = 3_600;

/// One captured event: level, target and every field as text.
#[derive(Debug, Clone)]
struct Logged {
    level: Level,
    target: String,
    fields: Vec<(String, String)>,
}

impl Logged {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        self.fields
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Logged>>>);

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((
            field.name().to_owned(),
            format!("{value:?}").replace('"', ""),
        ));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Logged {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields,
        });
    }
}

/// Runs `f` with every event of this thread captured (all levels).
fn captured<R>(f: impl FnOnce() -> R) -> (R, Vec<Logged>) {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let r = tracing::subscriber::with_default(subscriber, f);
    let events = capture.0.lock().unwrap().clone();
    (r, events)
}

fn key() -> SecretKey {
    SecretKey::from_text(SECRET).unwrap()
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn config() -> SessionConfig {
    SessionConfig::default()
        .with_secret_key(key())
        .with_lifetime(Duration::from_secs(LIFETIME))
}

fn interface(config: SessionConfig) -> SecureCookieSessionInterface {
    SecureCookieSessionInterface::new(config)
        .unwrap()
        .with_clock(|| at(NOW))
}

fn request(cookie: &str) -> http::request::Parts {
    http::Request::builder()
        .header(http::header::COOKIE, format!("session={cookie}"))
        .body(())
        .unwrap()
        .into_parts()
        .0
}

fn codec() -> SessionCodec {
    SessionCodec::flask(key())
}

/// Opens `cookie` as a dynamic session; returns the session's keys and the
/// events logged meanwhile.
fn open_dynamic(interface: &SecureCookieSessionInterface, cookie: &str) -> (usize, Vec<Logged>) {
    let (s, events) = captured(|| {
        SessionInterface::<DynamicSession>::open_session(interface, &request(cookie)).unwrap()
    });
    (s.dict_untracked().len(), events)
}

/// Asserts exactly one event, at `level`, under sessionkit's target, naming
/// the cookie and carrying `needle` in its text, and none of `secrets`.
fn assert_one(events: &[Logged], level: Level, needle: &str, secrets: &[&str]) {
    assert_eq!(events.len(), 1, "expected one event, got {events:#?}");
    let e = &events[0];
    assert_eq!(e.level, level, "{e:?}");
    assert_eq!(e.target, LOG_TARGET, "{e:?}");
    assert_eq!(e.field("cookie"), Some("session"), "{e:?}");
    let text = e.text();
    assert!(text.contains(needle), "{needle:?} not in {text:?}");
    for secret in secrets {
        assert!(!text.contains(secret), "{secret:?} leaked into {text:?}");
    }
}

#[test]
fn the_target_is_the_facade_crate_name() {
    assert_eq!(LOG_TARGET, "sessionkit");
}

#[test]
fn a_good_cookie_and_no_cookie_log_nothing() {
    let i = interface(config());
    let good = codec().sign_json(br#"{"user":"ada"}"#, NOW - 10);
    let (n, events) = open_dynamic(&i, &good);
    assert_eq!(n, 1);
    assert!(events.is_empty(), "{events:#?}");
    // An empty value is "no session yet", as in Flask: not an error.
    let (n, events) = open_dynamic(&i, "");
    assert_eq!(n, 0);
    assert!(events.is_empty(), "{events:#?}");
    let (_, events) = captured(|| {
        SessionInterface::<DynamicSession>::open_session(&i, &http::Request::new(()).into_parts().0)
    });
    assert!(events.is_empty(), "{events:#?}");
}

#[test]
fn cookies_nobody_wrote_for_now_are_debug_lines() {
    let i = interface(config());
    let good = codec().sign_json(br#"{"user":"ada"}"#, NOW - 10);
    let sig = good.rsplit('.').next().unwrap().to_owned();

    // Tampered payload (signature kept).
    let tampered = format!("eyJ1c2VyIjoiZXZlIn0{}", &good[good.find('.').unwrap()..]);
    let (n, events) = open_dynamic(&i, &tampered);
    assert_eq!(n, 0);
    assert_one(&events, Level::DEBUG, "does not match", &[&sig, SECRET]);

    // Signed with another key.
    let foreign = SessionCodec::flask(SecretKey::from_text("another key").unwrap())
        .sign_json(br#"{"user":"ada"}"#, NOW - 10);
    let (n, events) = open_dynamic(&i, &foreign);
    assert_eq!(n, 0);
    assert_one(&events, Level::DEBUG, "does not match", &[SECRET]);

    // Expired: one second past the lifetime (the lifetime itself is fine).
    let at_limit = codec().sign_json(br#"{"user":"ada"}"#, NOW - LIFETIME);
    assert_eq!(open_dynamic(&i, &at_limit).0, 1);
    let expired = codec().sign_json(br#"{"user":"ada"}"#, NOW - LIFETIME - 1);
    let (n, events) = open_dynamic(&i, &expired);
    assert_eq!(n, 0);
    assert_one(&events, Level::DEBUG, "expired", &[SECRET]);

    // Signed in the future.
    let future = codec().sign_json(br#"{"user":"ada"}"#, NOW + 5);
    let (n, events) = open_dynamic(&i, &future);
    assert_eq!(n, 0);
    assert_one(&events, Level::DEBUG, "future", &[SECRET]);

    // Malformed: no separator at all, and base64 junk.
    let (n, events) = open_dynamic(&i, "garbage");
    assert_eq!(n, 0);
    assert_one(&events, Level::DEBUG, "no '.'", &[]);
    let (n, events) = open_dynamic(&i, "a.b.c");
    assert_eq!(n, 0);
    assert_one(&events, Level::DEBUG, "bad signature", &[]);
}

#[test]
fn an_over_long_cookie_is_a_debug_line_with_its_length() {
    let mut c = config();
    c.max_request_cookie = 64;
    let i = interface(c);
    let long = codec().sign_json(
        format!(r#"{{"user":"{}"}}"#, "a".repeat(60)).as_bytes(),
        NOW,
    );
    let (n, events) = open_dynamic(&i, &long);
    assert_eq!(n, 0);
    assert_one(&events, Level::DEBUG, "too long", &[&long]);
    assert_eq!(
        events[0].field("len"),
        Some(long.len().to_string().as_str())
    );
    assert_eq!(events[0].field("limit"), Some("64"));
}

#[test]
fn validly_signed_cookies_that_cannot_be_used_are_warnings() {
    let i = interface(config());
    // Not tagged JSON.
    let bad_json = codec().sign_json(b"{oops", NOW);
    let (n, events) = open_dynamic(&i, &bad_json);
    assert_eq!(n, 0);
    assert_one(&events, Level::WARN, "cannot be decoded", &[SECRET]);
    // JSON, but not a dict.
    let list = codec().sign_json(b"[1,2]", NOW);
    let (n, events) = open_dynamic(&i, &list);
    assert_eq!(n, 0);
    assert_one(&events, Level::WARN, "not a session dict", &[SECRET]);
}

#[session]
#[derive(Debug)]
struct Account {
    user_id: Option<u64>,
}

#[test]
fn a_typed_session_logs_the_same_way() {
    let i = interface(config());
    let open = |cookie: &str| {
        captured(|| SessionInterface::<Account>::open_session(&i, &request(cookie)).unwrap())
    };
    let good = codec().sign_json(br#"{"user_id":42}"#, NOW);
    let (s, events) = open(&good);
    assert_eq!(*s.user_id(), Some(42));
    assert!(events.is_empty(), "{events:#?}");

    let (s, events) = open(&codec().sign_json(br#"{"user_id":42}"#, NOW - LIFETIME - 1));
    assert_eq!(*s.user_id(), None);
    assert_one(&events, Level::DEBUG, "expired", &[SECRET]);

    // A stored value that does not fit its field: the field reads as
    // absent, the value is kept (and written back), one debug line names
    // the key.
    let (s, events) = open(&codec().sign_json(br#"{"user_id":"forty-two"}"#, NOW));
    assert_eq!(*s.user_id(), None);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(
        (events[0].level, events[0].target.as_str()),
        (Level::DEBUG, LOG_TARGET)
    );
    assert_eq!(events[0].field("key"), Some("user_id"), "{events:#?}");
    // Its type and the kind of value found, never the value itself.
    assert_eq!(events[0].field("found"), Some("str"), "{events:#?}");
    assert!(
        events[0]
            .field("expected")
            .is_some_and(|t| t.contains("u64")),
        "{events:#?}"
    );
    assert!(!events[0].text().contains("forty-two"), "{events:#?}");
    let mut json = Vec::new();
    s.write_json(&mut json, 64).unwrap();
    assert_eq!(json, br#"{"user_id":"forty-two"}"#);

    let (s, events) = open(&codec().sign_json(b"{\"user_id\":", NOW));
    assert_eq!(*s.user_id(), None);
    assert_one(&events, Level::WARN, "cannot be decoded", &[SECRET]);
}

#[session]
struct Patient {
    visits: u64,
}

#[test]
fn no_log_line_and_no_error_message_quotes_a_session_value() {
    // A value that does not fit its field, in a typed session (kept and
    // logged by key) and through `from_dict` / `get_as` (an error).
    let i = interface(config());
    let cookie = codec().sign_json(br#"{"visits":"SSN-123-45-6789"}"#, NOW);
    let (_, events) =
        captured(|| SessionInterface::<Patient>::open_session(&i, &request(&cookie)).unwrap());
    assert!(!events.is_empty());
    for e in &events {
        assert!(!e.text().contains("SSN"), "{e:#?}");
    }
    let mut dict = sessionkit::codec::Dict::new();
    dict.insert("visits", "SSN-123-45-6789");
    let s = DynamicSession::from_loaded(dict.clone());
    let err = s.get_as::<u64>("visits").unwrap().unwrap_err();
    assert_eq!(err.to_string(), "invalid type: string, expected u64");
    let err = Patient::from_dict(dict).err();
    assert!(err.is_none_or(|e| !e.to_string().contains("SSN")));
}

#[test]
fn a_tampered_encrypted_cookie_is_a_debug_line() {
    let i = interface(config().with_protection(Protection::Encrypted));
    let sealed = EncryptedCodec::new(&SecretKeys::new(key()), "cookie-session")
        .seal(br#"{"user":"ada"}"#, NOW)
        .unwrap();
    assert_eq!(open_dynamic(&i, &sealed).0, 1, "the sealed cookie opens");
    let mut bytes = sealed.into_bytes();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let (n, events) = open_dynamic(&i, &tampered);
    assert_eq!(n, 0);
    assert_one(
        &events,
        Level::DEBUG,
        "decryption failed",
        &[&tampered, SECRET],
    );
}

#[test]
fn an_oversized_cookie_sent_anyway_is_a_warning_naming_it() {
    let i = interface(
        config()
            .with_max_cookie_size(200)
            .with_compression(Compression::Never)
            .with_oversize(OversizePolicy::WarnAndSend),
    );
    let mut s = DynamicSession::default();
    s.insert("blob", "x".repeat(300));
    let mut headers = http::HeaderMap::new();
    let (r, events) = captured(|| i.save_session(&s, &mut headers));
    r.unwrap();
    assert!(headers.contains_key(http::header::SET_COOKIE), "still sent");
    assert_one(&events, Level::WARN, "too large", &[SECRET]);
    assert_eq!(events[0].field("limit"), Some("200"));
    let line = headers[http::header::SET_COOKIE].to_str().unwrap();
    assert_eq!(
        events[0].field("size"),
        Some(line.len().to_string().as_str())
    );
    assert!(
        !events[0].text().contains(&line[8..]),
        "the value is not logged"
    );
}

#[test]
fn a_forged_remember_me_cookie_is_a_debug_line() {
    use sessionkit::flask_login::RememberCookie;

    let remember = RememberCookie::new(SECRET.as_bytes());
    let headers = |value: &str| {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::COOKIE,
            format!("remember_token={value}").parse().unwrap(),
        );
        h
    };
    let good = remember.encode("42");
    let (user, events) = captured(|| remember.user_from_request(&headers(&good)));
    assert_eq!(user.as_deref(), Some("42"));
    assert!(events.is_empty(), "{events:#?}");

    // The last hex digit of the digest changed.
    let flipped = if good.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{flipped}", &good[..good.len() - 1]);
    let (user, events) = captured(|| remember.user_from_request(&headers(&forged)));
    assert_eq!(user, None);
    let digest = &forged[forged.find('|').unwrap() + 1..];
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!((e.level, e.target.as_str()), (Level::DEBUG, LOG_TARGET));
    assert_eq!(e.field("cookie"), Some("remember_token"));
    assert!(!e.text().contains(digest), "{e:?}");

    // Restoring a login from it logs the same line and restores nobody.
    let mut session = DynamicSession::default();
    let (user, events) = captured(|| remember.restore(&mut session, &headers(&forged)));
    assert_eq!(user, None);
    assert!(session.dict_untracked().is_empty());
    assert_eq!(events.len(), 1, "{events:#?}");
}
