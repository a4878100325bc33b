//! `json_ensure_ascii = false`: the cookies of a Flask app with
//! `app.json.ensure_ascii = False` (`tests/data/ensure-ascii-cookies.json`,
//! 200 sessions of every kind of character signed by real Flask 3.1.3 with
//! and without it; made by `gen_ensure_ascii_cookies.py` beside it).

mod support;

use std::time::{Duration, SystemTime};

use serde_json::Value as Json;
use sessionkit::codec::{EncodeError, SecretKey, SessionCodec, Value};
use sessionkit::error::SaveError;
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::{DynamicSession, SessionConfig};
use support::http::{request_with_session, saved_value};

struct Case {
    n: usize,
    session_json: String,
    cookie_utf8: String,
    cookie_ascii: String,
}

fn vectors() -> (String, u64, Vec<Case>) {
    let all: Json = serde_json::from_str(include_str!("data/ensure-ascii-cookies.json")).unwrap();
    let text = |v: &Json, k: &str| v[k].as_str().unwrap().to_owned();
    let cases = all["cases"].as_array().unwrap().iter().enumerate();
    let cases = cases.map(|(n, c)| Case {
        n,
        session_json: text(c, "session_json"),
        cookie_utf8: text(c, "cookie_utf8"),
        cookie_ascii: text(c, "cookie_ascii"),
    });
    (
        text(&all, "secret_key"),
        all["timestamp"].as_u64().unwrap(),
        cases.collect(),
    )
}

fn codec(key: &str, ensure_ascii: bool) -> SessionCodec {
    SessionCodec::builder(SecretKey::from_text(key).unwrap())
        .ensure_ascii(ensure_ascii)
        .build()
}

#[test]
fn the_codec_writes_both_forms_byte_for_byte() {
    let (key, at, cases) = vectors();
    let (utf8, ascii) = (codec(&key, false), codec(&key, true));
    let mut differ = 0;
    for c in &cases {
        let Value::Dict(session) = ascii.parse_json(&c.session_json).unwrap() else {
            panic!("case #{}: not a dict", c.n)
        };
        assert_eq!(
            utf8.dumps_session(&session, at).unwrap(),
            c.cookie_utf8,
            "case #{}: ensure_ascii off",
            c.n
        );
        assert_eq!(
            ascii.dumps_session(&session, at).unwrap(),
            c.cookie_ascii,
            "case #{}: Flask's default",
            c.n
        );
        differ += usize::from(c.cookie_utf8 != c.cookie_ascii);
    }
    assert!(
        differ >= 150,
        "only {differ} cases differ between the forms"
    );
}

#[test]
fn either_codec_reads_either_form() {
    let (key, at, cases) = vectors();
    for ensure_ascii in [true, false] {
        let codec = codec(&key, ensure_ascii);
        for c in &cases {
            let want = codec.parse_json(&c.session_json).unwrap();
            for cookie in [&c.cookie_utf8, &c.cookie_ascii] {
                let got = codec.loads_session(cookie, at, None).unwrap();
                assert_eq!(Value::Dict(got.value), want, "case #{}", c.n);
            }
        }
    }
}

#[test]
fn the_interface_refreshes_a_session_in_the_apps_form() {
    let (key, at, cases) = vectors();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(at);
    let config = SessionConfig::default()
        .with_secret_key(SecretKey::from_text(&key).unwrap())
        .with_json_ensure_ascii(false);
    let i = SecureCookieSessionInterface::new(config)
        .unwrap()
        .with_clock(move || now);
    let mut refreshed = 0;
    for c in &cases {
        // Whichever form comes in, the app's form goes out.
        for cookie in [&c.cookie_ascii, &c.cookie_utf8] {
            let s: DynamicSession = i.open_session(&request_with_session(cookie)).unwrap();
            assert!(!s.is_empty(), "case #{}", c.n);
            match saved_value(&i, &s) {
                Some(value) => {
                    assert_eq!(value, c.cookie_utf8, "case #{}", c.n);
                    refreshed += 1;
                }
                None => assert!(!s.is_permanent(), "case #{}", c.n),
            }
        }
    }
    assert!(refreshed >= 150, "{refreshed} refreshed");
}

#[test]
fn a_lone_surrogate_cannot_be_written_as_utf8_as_in_flask() {
    // Flask with `ensure_ascii = False` fails its save with a
    // `UnicodeEncodeError` (a 500); escaped, it is written.
    let utf8 = codec("k", false);
    for (json, unit) in [
        (r#"{"k":"\ud800"}"#, 0xD800),
        (r#"{"k":["a\udc00b"]}"#, 0xDC00),
        (r#"{"\udbff":1}"#, 0xDBFF),
        (r#"{"k":"\ud800\u0041"}"#, 0xD800),
    ] {
        let Value::Dict(session) = utf8.parse_json(json).unwrap() else {
            panic!("{json}")
        };
        assert_eq!(
            utf8.dumps_session(&session, 0),
            Err(EncodeError::LoneSurrogate(unit)),
            "{json}"
        );
        assert!(
            codec("k", true).dumps_session(&session, 0).is_ok(),
            "{json}"
        );
        let mut s = DynamicSession::default();
        for (k, v) in session.iter() {
            s.insert(k.clone(), v.clone());
        }
        let config = SessionConfig::default()
            .with_secret_key(SecretKey::from_text("k").unwrap())
            .with_json_ensure_ascii(false);
        let i = SecureCookieSessionInterface::new(config).unwrap();
        let mut headers = http::HeaderMap::new();
        let err = i.save_session(&s, &mut headers).unwrap_err();
        assert!(
            matches!(err, SaveError::Encode(EncodeError::LoneSurrogate(u)) if u == unit),
            "{err:?}"
        );
        assert!(headers.get("set-cookie").is_none());
    }
}
