//! Cookies of older Flask releases: Flask 1.1.4, 2.0.3, 2.2.5 and 3.1.3 sign
//! the same 300 sessions (every tag, compressed and not) into the same bytes
//! (`scripts/flask_versions.sh` checks that and writes
//! `tests/data/flask-versions-cookies.json`), so an app on any of them shares
//! its sessions with sessionkit. Each cookie opens, and is written back
//! byte for byte.

mod support;

use std::time::{Duration, SystemTime};

use serde_json::Value as Json;
use sessionkit::codec::{SecretKey, SessionCodec, Value};
use sessionkit::{DynamicSession, SecureCookieSessionInterface, SessionConfig, SessionInterface};
use support::http::{request_with_session, session_set};

fn vectors() -> (SecretKey, u64, Vec<String>) {
    let all: Json = serde_json::from_str(include_str!("data/flask-versions-cookies.json")).unwrap();
    let key = SecretKey::from_text(all["secret_key"].as_str().unwrap()).unwrap();
    let cookies = all["cookies"].as_array().unwrap();
    let cookies = cookies.iter().map(|c| c.as_str().unwrap().to_owned());
    (key, all["timestamp"].as_u64().unwrap(), cookies.collect())
}

#[test]
fn every_cookie_opens_and_is_written_back_byte_for_byte() {
    let (key, at, cookies) = vectors();
    let codec = SessionCodec::flask(key);
    let (mut compressed, mut tags) = (0, 0);
    for (i, cookie) in cookies.iter().enumerate() {
        let opened = codec
            .loads_session(cookie, at, Some(31 * 86_400))
            .unwrap_or_else(|e| panic!("cookie #{i}: {e}"));
        assert_eq!(
            codec.dumps_session(&opened.value, at).unwrap(),
            *cookie,
            "cookie #{i}"
        );
        compressed += usize::from(cookie.starts_with('.'));
        tags += opened
            .value
            .iter()
            .filter(|(_, v)| {
                matches!(
                    v,
                    Value::Tuple(_) | Value::Markup(_) | Value::Uuid(_) | Value::DateTime(_)
                )
            })
            .count();
    }
    assert_eq!(cookies.len(), 300);
    // Both forms, and the tagged values, are really there.
    assert!((200..300).contains(&compressed), "{compressed} compressed");
    assert!(tags >= 600, "{tags} tagged values");
}

#[test]
fn the_interface_opens_them_and_refreshes_permanent_ones_unchanged() {
    let (key, at, cookies) = vectors();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(at);
    let i = SecureCookieSessionInterface::new(SessionConfig::default().with_secret_key(key))
        .unwrap()
        .with_clock(move || now);
    let mut refreshed = 0;
    for (n, cookie) in cookies.iter().enumerate() {
        let s: DynamicSession = i.open_session(&request_with_session(cookie)).unwrap();
        assert!(!s.is_empty(), "cookie #{n} opened as a fresh session");
        let mut headers = http::HeaderMap::new();
        i.save_session(&s, &mut headers).unwrap();
        match session_set(&headers) {
            Some(value) => {
                assert!(s.is_permanent(), "cookie #{n}");
                assert_eq!(value, cookie, "cookie #{n}");
                refreshed += 1;
            }
            None => assert!(!s.is_permanent(), "cookie #{n}"),
        }
    }
    assert!(refreshed >= 100, "{refreshed} refreshed");
}
