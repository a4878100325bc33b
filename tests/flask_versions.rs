//! Cookies of older Flask releases: Flask 1.1.4, 2.0.3, 2.2.5 and 3.1.3 sign
//! the same 300 sessions (every tag, compressed and not) into the same bytes,
//! their Flask-WTF (0.14.3, 1.0.1, 1.1.1, 1.3.0) the same 50 CSRF tokens, and
//! their Flask-Login (0.5.0, 0.6.2, 0.6.3) the same 30 remember-me
//! cookies and 30 session identifiers (`scripts/flask_versions.sh` checks
//! that and writes `tests/data/flask-versions-cookies.json`), so an app on
//! any of them shares its sessions, forms and logins with sessionkit. Each
//! cookie opens and is written back byte for byte; each token is signed
//! alike and accepted; each remember-me cookie and identifier is computed
//! alike.

mod support;

use std::time::{Duration, SystemTime};

use serde_json::Value as Json;
use sessionkit::codec::{CsrfTokenCodec, SecretKey, SessionCodec, Value};
use sessionkit::csrf::{Csrf, CsrfConfig, CsrfError};
use sessionkit::flask_login::{RememberCookie, session_identifier};
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::{DynamicSession, SessionConfig};
use support::http::{request_with_session, saved_value};

fn all() -> Json {
    serde_json::from_str(include_str!("data/flask-versions-cookies.json")).unwrap()
}

fn vectors() -> (SecretKey, u64, Vec<String>) {
    let all = all();
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
        match saved_value(&i, &s) {
            Some(value) => {
                assert!(s.is_permanent(), "cookie #{n}");
                assert_eq!(&value, cookie, "cookie #{n}");
                refreshed += 1;
            }
            None => assert!(!s.is_permanent(), "cookie #{n}"),
        }
    }
    assert!(refreshed >= 100, "{refreshed} refreshed");
}

#[test]
fn every_flask_wtf_token_is_signed_alike_and_accepted() {
    let (key, at, _) = vectors();
    let codec = CsrfTokenCodec::new(key.clone());
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(at);
    let csrf = Csrf::new(CsrfConfig::new(key)).with_clock(move || now);
    let all = all();
    let tokens = all["csrf_tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 50);
    for (n, t) in tokens.iter().enumerate() {
        let (raw, signed) = (t["raw"].as_str().unwrap(), t["signed"].as_str().unwrap());
        assert_eq!(codec.sign(raw, at), signed, "token #{n}");
        let mut session = DynamicSession::default();
        session.insert("csrf_token", raw);
        assert_eq!(csrf.validate(Some(signed), &session), Ok(()), "token #{n}");
        // Another session's token is refused.
        session.insert("csrf_token", "0".repeat(40));
        assert_eq!(
            csrf.validate(Some(signed), &session),
            Err(CsrfError::TokensDoNotMatch),
            "token #{n}"
        );
    }
}

fn hex_bytes(hex: &Json) -> Option<Vec<u8>> {
    let hex = hex.as_str()?;
    let pairs = (0..hex.len()).step_by(2);
    Some(
        pairs
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect(),
    )
}

#[test]
fn every_flask_login_remember_cookie_and_identifier_is_computed_alike() {
    let all = all();
    let remember = RememberCookie::from_text_key(all["secret_key"].as_str().unwrap()).unwrap();
    let cookies = all["remember_cookies"].as_array().unwrap();
    assert_eq!(cookies.len(), 30);
    for c in cookies {
        let (user_id, cookie) = (
            c["user_id"].as_str().unwrap(),
            c["cookie"].as_str().unwrap(),
        );
        assert_eq!(remember.encode(user_id), cookie, "{user_id:?}");
        assert_eq!(remember.decode(cookie), Some(user_id), "{user_id:?}");
    }
    let identifiers = all["identifiers"].as_array().unwrap();
    assert_eq!(identifiers.len(), 30);
    for (n, i) in identifiers.iter().enumerate() {
        let mut headers = http::HeaderMap::new();
        for (name, hex) in [
            ("user-agent", &i["user_agent_hex"]),
            ("x-forwarded-for", &i["x_forwarded_for_hex"]),
        ] {
            if let Some(bytes) = hex_bytes(hex) {
                let value = http::HeaderValue::from_bytes(&bytes).unwrap();
                headers.insert(name, value);
            }
        }
        let remote_addr = i["remote_addr"].as_str();
        assert_eq!(
            session_identifier(remote_addr, &headers),
            i["id"].as_str().unwrap(),
            "identifier #{n}"
        );
    }
}
