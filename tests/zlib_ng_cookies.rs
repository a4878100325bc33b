//! Cookies from a Flask whose Python `zlib` module is zlib-ng
//! (`tests/data/zlib-ng-cookies.json`, made by `gen_zlib_ng_cookies.py`
//! beside it with real Flask 3.1.3 and zlib-ng 2.3.3).
//!
//! zlib-ng's level 6 writes other deflate streams than zlib's, and for some
//! small sessions it makes the other compression decision. Such cookies are
//! valid, and every Flask reads them, so we must too. What we write back is
//! what Flask on CPython's usual zlib writes (the byte identity we promise),
//! so a session read from a zlib-ng Flask and saved again may change form
//! without changing a value.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::Value as Json;
use sessionkit::codec::{SecretKey, SessionCodec, Value};
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::{DynamicSession, SessionConfig, SessionData, session};
use support::http::{request_with_session, saved_value};

struct Vectors {
    key: String,
    timestamp: u64,
    cases: Vec<Case>,
}

struct Case {
    name: String,
    zlib_ng_cookie: String,
    zlib_cookie: String,
    session_json: String,
}

fn vectors() -> Vectors {
    let all: Json = serde_json::from_str(include_str!("data/zlib-ng-cookies.json")).unwrap();
    let text = |v: &Json, k: &str| v[k].as_str().unwrap().to_owned();
    let cases = all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, c)| Case {
            name: format!("case #{i} ({}, {})", text(c, "shape"), text(c, "kind")),
            zlib_ng_cookie: text(c, "zlib_ng_cookie"),
            zlib_cookie: text(c, "zlib_cookie"),
            session_json: text(c, "session_json"),
        })
        .collect();
    Vectors {
        key: text(&all, "secret_key"),
        timestamp: all["timestamp"].as_u64().unwrap(),
        cases,
    }
}

fn interface<S: SessionData>(v: &Vectors) -> SecureCookieSessionInterface {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(v.timestamp);
    SecureCookieSessionInterface::new(
        S::default_config().with_secret_key(SecretKey::from_text(&v.key).unwrap()),
    )
    .unwrap()
    .with_clock(move || at)
}

#[test]
fn the_vectors_hold_what_they_claim() {
    let v = vectors();
    let mut kinds = BTreeMap::new();
    for c in &v.cases {
        assert_ne!(c.zlib_ng_cookie, c.zlib_cookie, "{}", c.name);
        let form = (
            c.zlib_ng_cookie.starts_with('.'),
            c.zlib_cookie.starts_with('.'),
        );
        *kinds.entry(form).or_insert(0) += 1;
    }
    // zlib-ng alone compresses, zlib alone compresses, both compress
    // (different bytes): each decision difference is represented.
    assert!(kinds[&(true, false)] >= 10, "{kinds:?}");
    assert!(kinds[&(false, true)] >= 10, "{kinds:?}");
    assert!(kinds[&(true, true)] >= 20, "{kinds:?}");
}

#[test]
fn the_codec_opens_every_zlib_ng_cookie_and_writes_zlibs() {
    let v = vectors();
    let codec = SessionCodec::flask(SecretKey::from_text(&v.key).unwrap());
    for c in &v.cases {
        let opened = codec
            .loads_session(&c.zlib_ng_cookie, v.timestamp, Some(31 * 86_400))
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert_eq!(opened.timestamp, v.timestamp, "{}", c.name);
        let value = Value::Dict(opened.value);
        assert_eq!(
            value.to_flask_json().unwrap(),
            c.session_json,
            "{}: the session Flask opened",
            c.name
        );
        let Value::Dict(dict) = value else {
            unreachable!()
        };
        assert_eq!(
            codec.dumps_session(&dict, v.timestamp).unwrap(),
            c.zlib_cookie,
            "{}: written again as Flask on zlib writes it",
            c.name
        );
    }
}

#[test]
fn a_dynamic_session_from_a_zlib_ng_flask_is_refreshed_losing_nothing() {
    let v = vectors();
    let i = interface::<DynamicSession>(&v);
    let codec = SessionCodec::flask(SecretKey::from_text("unused").unwrap());
    for c in &v.cases {
        let s: DynamicSession = i
            .open_session(&request_with_session(&c.zlib_ng_cookie))
            .unwrap();
        assert!(!s.is_empty(), "{}: opened as a fresh session", c.name);
        let want = codec.parse_json(&c.session_json).unwrap();
        assert_eq!(
            Value::Dict(s.dict_untracked().clone()),
            want,
            "{}: the session Flask opened",
            c.name
        );
        // Permanent, so Flask's refresh re-signs it on the response.
        assert!(s.is_permanent(), "{}", c.name);
        assert_eq!(
            saved_value(&i, &s),
            Some(c.zlib_cookie.clone()),
            "{}",
            c.name
        );
    }
}

/// Declares only the CSRF token: `user_id` is a key the struct does not
/// know, carried through unchanged.
#[session]
struct TokenOnly {
    csrf_token: String,
}

#[test]
fn a_typed_session_reads_zlib_ng_cookies_and_keeps_unknown_keys() {
    let v = vectors();
    let i = interface::<TokenOnly>(&v);
    let mut small = 0;
    for c in v.cases.iter().filter(|c| c.name.contains("small")) {
        let s: TokenOnly = i
            .open_session(&request_with_session(&c.zlib_ng_cookie))
            .unwrap();
        let json: Json = serde_json::from_str(&c.session_json).unwrap();
        assert_eq!(
            s.csrf_token(),
            json["csrf_token"].as_str().unwrap(),
            "{}",
            c.name
        );
        assert_eq!(
            saved_value(&i, &s),
            Some(c.zlib_cookie.clone()),
            "{}",
            c.name
        );
        small += 1;
    }
    assert!(small >= 30, "{small} small cases");
}

#[test]
fn a_zlib_ng_cookie_signed_with_another_key_is_still_refused() {
    let v = vectors();
    let other =
        SessionConfig::default().with_secret_key(SecretKey::from_text("not the key").unwrap());
    let i = SecureCookieSessionInterface::new(other).unwrap();
    for c in &v.cases {
        let s: DynamicSession = i
            .open_session(&request_with_session(&c.zlib_ng_cookie))
            .unwrap();
        assert!(s.is_empty(), "{}", c.name);
    }
}
