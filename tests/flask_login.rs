//! Flask-Login's session identifier and remember-me cookie against the Flask
//! vectors (group `flask_login` and the `flask_login_*` session vectors),
//! and live against Flask-Login for generated headers, keys and cookies.

mod support;

use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value as Json;
use serde_json::json;
use sessionkit::codec::{Dict, Value};
use sessionkit::flask_login::{
    ProtectionOutcome, RememberCookie, RememberCookieError, SessionProtection, identifier,
    session_identifier,
};
use sessionkit::{DynamicSession, SessionData};
use support::flask::run_live;
use support::typed::vectors;

/// A vector's request headers as the raw bytes the client sent: the
/// vectors hold WSGI strings, one Latin-1 character per byte.
fn headers(v: &Json) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in v["request"]["headers"].as_object().into_iter().flatten() {
        let raw: Vec<u8> = value
            .as_str()
            .unwrap()
            .chars()
            .map(|c| u8::try_from(c).expect("a Latin-1 WSGI string"))
            .collect();
        h.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(&raw).unwrap(),
        );
    }
    h
}

/// The HTTP vector called `name`.
fn http_vector<'a>(all: &'a Json, name: &str) -> &'a Json {
    all["http_vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
}

fn saved(v: &Json, key: &str) -> Option<String> {
    v["saved_session"]["v"]
        .as_array()?
        .iter()
        .find_map(|pair| (pair[0]["v"] == key).then(|| pair[1]["v"].as_str().unwrap().to_owned()))
}

/// The `remember_token` values a vector's response sets (not deletions).
fn remember_values(set_cookies: &Json) -> Vec<String> {
    set_cookies
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str()?.strip_prefix("remember_token="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .filter(|value| !value.is_empty())
        .collect()
}

#[test]
fn identifiers_match_the_flask_vectors() {
    let all = vectors();
    let (mut equal, mut differ) = (0, 0);
    for v in all["http_vectors"].as_array().unwrap() {
        if v["group"] != "flask_login" {
            continue;
        }
        let name = v["name"].as_str().unwrap();
        let ours = session_identifier(v["request"]["remote_addr"].as_str(), &headers(v));
        if let Some(expected) = v["login_identifier"]["sha512_hex"].as_str() {
            assert_eq!(ours, expected, "{name}");
        }
        let Some(stored) = saved(v, "_id") else {
            continue;
        };
        // Flask-Login wrote `_id` for this very request, or it came with the
        // cookie and session protection compared it with this request's.
        let written = v["action"].as_str().unwrap().contains("login_user")
            || v["action"].as_str().unwrap().contains("unauthorized");
        let protection_tripped = v["saved_session"]["v"]
            .as_array()
            .unwrap()
            .iter()
            .any(|pair| pair[0]["v"] == "_fresh" && pair[1]["v"] == false);
        if written || !protection_tripped {
            assert_eq!(ours, stored, "{name}");
            equal += 1;
        } else {
            assert_ne!(ours, stored, "{name}");
            differ += 1;
        }
    }
    assert!(
        equal >= 4 && differ >= 1,
        "{equal} equal, {differ} differing"
    );
}

#[test]
fn remember_cookies_match_the_flask_vectors() {
    let all = vectors();
    let mut checked = 0;
    let sets = all["session_vectors"]
        .as_array()
        .unwrap()
        .iter()
        .chain(all["http_vectors"].as_array().unwrap())
        .map(|v| {
            let set_cookies = v
                .get("response")
                .map_or(&v["set_cookie"], |r| &r["set_cookie"]);
            (v, remember_values(set_cookies))
        });
    for (v, values) in sets {
        let request = v["request"]["cookie_header"].as_str().unwrap_or_default();
        let sent: Vec<String> = request
            .split("; ")
            .filter_map(|c| c.strip_prefix("remember_token="))
            .map(str::to_owned)
            .collect();
        if values.is_empty() && sent.is_empty() {
            continue;
        }
        let key = RememberCookie::from_text_key(v["secret_key"]["text"].as_str().unwrap()).unwrap();
        for value in values.into_iter().chain(sent) {
            let user_id = key.decode(&value).expect("a valid remember cookie");
            assert_eq!(key.encode(user_id), value);
            // Any other id or digest is refused.
            assert_eq!(
                key.decode(&format!("{user_id}0|{}", &value[user_id.len() + 1..])),
                None
            );
            assert_eq!(key.decode(&value[..value.len() - 1]), None);
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "only {checked} remember cookies in the vectors"
    );
}

/// Whole `Set-Cookie` headers: each `remember_token` a vector's response
/// sets (at its time, for 365 days or the session's `_remember_seconds`),
/// and each deletion.
#[test]
fn remember_set_cookie_headers_match_the_flask_vectors() {
    let all = vectors();
    let (mut set, mut deleted) = (0, 0);
    let vectors = all["session_vectors"]
        .as_array()
        .unwrap()
        .iter()
        .chain(all["http_vectors"].as_array().unwrap());
    for v in vectors {
        let (headers, now) = match v.get("response") {
            Some(r) => (&r["set_cookie"], v["now"].as_u64()),
            None => (&v["set_cookie"], v["timestamp"].as_u64()),
        };
        let session = v.get("saved_session").unwrap_or(&v["value"]);
        let seconds = session["v"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|pair| {
                (pair[0]["v"] == "_remember_seconds")
                    .then(|| pair[1]["v"].as_str().unwrap().parse::<f64>().unwrap())
            });
        for header in headers
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            let Some(value) = header.strip_prefix("remember_token=") else {
                continue;
            };
            let key =
                RememberCookie::from_text_key(v["secret_key"]["text"].as_str().unwrap()).unwrap();
            if value.starts_with(';') {
                assert_eq!(key.delete_cookie(), header);
                deleted += 1;
                continue;
            }
            let user_id = key.decode(value.split(';').next().unwrap()).unwrap();
            let duration = std::time::Duration::from_secs_f64(seconds.unwrap_or(365.0 * 86_400.0));
            let expires =
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(now.unwrap()) + duration;
            assert_eq!(
                key.set_cookie(user_id, expires).unwrap(),
                header,
                "{}",
                v["name"]
            );
            set += 1;
        }
    }
    assert!(set >= 2 && deleted >= 1, "{set} set, {deleted} deleted");
}

/// An `Expires` before 1970 is rounded down to the whole second, as
/// Werkzeug 3.1's `dump_cookie` writes a `datetime` (microseconds dropped):
/// each expectation is its output for the same instant.
#[test]
fn expires_before_1970_rounds_down_as_werkzeug_does() {
    use std::time::{Duration, UNIX_EPOCH};
    let remember = RememberCookie::new(b"k");
    let cases = [
        (
            Duration::from_millis(1_500),
            "Wed, 31 Dec 1969 23:59:58 GMT",
        ),
        (Duration::from_secs(1), "Wed, 31 Dec 1969 23:59:59 GMT"),
        (Duration::from_millis(500), "Wed, 31 Dec 1969 23:59:59 GMT"),
        (
            Duration::from_millis(94_672_799_750),
            "Sun, 01 Jan 1967 06:00:00 GMT",
        ),
    ];
    for (before, want) in cases {
        let header = remember.set_cookie("1", UNIX_EPOCH - before).unwrap();
        assert!(
            header.contains(&format!("; Expires={want};")),
            "{before:?}: {header}"
        );
    }
}

/// The cookie name is the one configured, and `Debug` shows no key
/// material (the HMAC key is the app's secret).
#[test]
fn remember_cookie_name_and_debug() {
    let remember = RememberCookie::new(b"secret")
        .with_cookie_name("stay")
        .unwrap();
    assert_eq!(remember.cookie_name(), "stay");
    assert!(remember.delete_cookie().starts_with("stay=;"));
    assert_eq!(format!("{remember:?}"), "RememberCookie { .. }");
}

#[test]
fn identifier_parts_are_python_bytes_reprs() {
    // `b'198.51.100.9'|b'Mozilla/5.0 (it\'s "x") \\ \xc3\xbc'` from the
    // `login_identifier_tricky_headers` vector, and a missing header (`None`).
    let tricky = identifier(
        Some(b"198.51.100.9"),
        Some("Mozilla/5.0 (it's \"x\") \\ \u{fc}".as_bytes()),
    );
    assert!(tricky.starts_with("423b3a23d0d458f58ecd28d48e9d74c7"));
    let mut h = HeaderMap::new();
    assert_eq!(session_identifier(None, &h), identifier(None, None));
    h.insert("user-agent", HeaderValue::from_static("a"));
    assert_ne!(session_identifier(None, &h), identifier(None, None));
    // The forwarded address wins over the peer's, even when empty.
    h.insert("x-forwarded-for", HeaderValue::from_static(""));
    assert_eq!(
        session_identifier(Some("10.0.0.1"), &h),
        identifier(Some(b""), Some(b"a"))
    );
}

/// Header bytes that stress the repr: quotes of both kinds, backslashes,
/// tabs, commas, spaces, and bytes above 0x7f (what a header value may
/// hold: no other control bytes, no DEL).
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(b"aZ09./;()-_ '\"\\,\t".to_vec()),
        1 => 0x80u8..=0xff,
        1 => 0x20u8..0x7f,
    ];
    proptest::collection::vec(byte, 0..24)
}

/// A request's address, `X-Forwarded-For` and `User-Agent` (each may be
/// missing).
fn request_parts() -> impl Strategy<Value = (Option<String>, Option<Vec<u8>>, Option<Vec<u8>>)> {
    let address = prop::option::of(prop::sample::select(vec![
        "127.0.0.1".to_owned(),
        "203.0.113.7".to_owned(),
        "::1".to_owned(),
        "2001:db8::1".to_owned(),
        String::new(),
    ]));
    (
        address,
        prop::option::weighted(0.5, header_bytes()),
        prop::option::weighted(0.8, header_bytes()),
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn identifiers_match_flask_login_live() {
    let at_least = [("forwarded", 150), ("direct", 150)];
    run_live(
        "identifiers_match_flask_login_live",
        500,
        request_parts(),
        &at_least,
        |flask, (address, forwarded, agent)| {
            let mut h = HeaderMap::new();
            if let Some(f) = &forwarded {
                h.insert("x-forwarded-for", HeaderValue::from_bytes(f).unwrap());
            }
            if let Some(a) = &agent {
                h.insert("user-agent", HeaderValue::from_bytes(a).unwrap());
            }
            let theirs = flask.call(&json!({
                "op": "login_identifier",
                "remote_addr": address,
                "x_forwarded_for_hex": forwarded.as_deref().map(hex),
                "user_agent_hex": agent.as_deref().map(hex),
            }));
            let ours = session_identifier(address.as_deref(), &h);
            prop_assert_eq!(Some(ours.as_str()), theirs["id"].as_str(), "{}", theirs);
            Ok(if forwarded.is_some() {
                "forwarded"
            } else {
                "direct"
            }
            .to_owned())
        },
    );
}

/// A text key (Latin-1 or not), a user id, and what is done to the cookie
/// before it is decoded.
fn remember_case() -> impl Strategy<Value = (String, String, u8, usize, char)> {
    (
        "[a-zA-Z0-9 !?=#*\u{e9}\u{fc}\u{ff}\u{100}\u{20ac}]{0,12}",
        "[0-9a-z|\u{fc}\u{1f600}]{0,8}",
        0u8..4,
        any::<usize>(),
        prop::sample::select(vec!['0', 'f', 'A', '|', '\u{e9}']),
    )
}

#[test]
fn remember_cookies_match_flask_login_live() {
    let at_least = [("valid", 60), ("refused", 60), ("no remember cookies", 10)];
    run_live(
        "remember_cookies_match_flask_login_live",
        500,
        remember_case(),
        &at_least,
        |flask, (key, user_id, mutation, at, with)| {
            let Ok(ours) = RememberCookie::from_text_key(&key) else {
                let theirs = flask
                    .call(&json!({"op": "remember_encode", "secret": key, "user_id": user_id}));
                prop_assert_eq!(theirs["error"].as_str(), Some("UnicodeEncodeError"));
                return Ok("no remember cookies".to_owned());
            };
            let value = ours.encode(&user_id);
            let theirs =
                flask.call(&json!({"op": "remember_encode", "secret": key, "user_id": user_id}));
            prop_assert_eq!(Some(value.as_str()), theirs["value"].as_str());
            // Unchanged, one character replaced, one cut, or one added.
            let mut chars: Vec<char> = value.chars().collect();
            let i = at % (chars.len() + 1);
            match mutation {
                0 => {}
                1 if i < chars.len() => chars[i] = with,
                2 if i < chars.len() => {
                    chars.remove(i);
                }
                _ => chars.insert(i, with),
            }
            let cookie: String = chars.into_iter().collect();
            let theirs =
                flask.call(&json!({"op": "remember_decode", "secret": key, "cookie": cookie}));
            let decoded = ours.decode(&cookie);
            if theirs["error"] == "TypeError" {
                // `hmac.compare_digest` refuses a non-ASCII digest (Flask
                // answers 500); we refuse the cookie.
                prop_assert_eq!(decoded, None);
                return Ok("refused".to_owned());
            }
            prop_assert_eq!(decoded, theirs["user_id"].as_str(), "{} {}", cookie, theirs);
            Ok(if decoded.is_some() {
                "valid"
            } else {
                "refused"
            }
            .to_owned())
        },
    );
}

/// Flask-Login's session protection on the Flask vectors: the same session
/// from another `User-Agent` is made stale (`basic`) or logged out
/// (`strong`, the cookie deleted).
#[test]
fn protection_matches_the_flask_vectors() {
    let all = vectors();
    let mut checked = 0;
    for name in [
        "login_session_protection_basic",
        "login_session_protection_strong",
        "login_session_loaded",
    ] {
        let v = http_vector(&all, name);
        let key = support::typed::key(&v["secret_key"]);
        let codec = sessionkit::codec::SessionCodec::flask(key);
        let cookie = v["request"]["cookie_header"].as_str().unwrap();
        let cookie = cookie.strip_prefix("session=").unwrap();
        let opened = codec
            .loads_session(cookie, v["now"].as_u64().unwrap(), None)
            .unwrap();
        let mut session = DynamicSession::from_loaded(opened.value);
        let mode = match v["config"]["SESSION_PROTECTION"].as_str() {
            Some("strong") => SessionProtection::Strong,
            _ => SessionProtection::Basic,
        };
        let current = session_identifier(v["request"]["remote_addr"].as_str(), &headers(v));
        let outcome = mode.protect(&mut session, &current);
        let want = support::typed::to_value(&v["saved_session"]).unwrap();
        assert_eq!(
            &Value::Dict(session.dict_untracked().clone()),
            &want,
            "{name}"
        );
        let deleted = v["response"]["set_cookie"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap().starts_with("remember_token=;"));
        assert_eq!(outcome == ProtectionOutcome::LoggedOut, deleted, "{name}");
        assert_eq!(
            outcome == ProtectionOutcome::Passed,
            name == "login_session_loaded"
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
}

/// Our session holds what Flask's held afterwards (`theirs["session"]`)
/// and is modified exactly when Flask's was.
fn same_session_as_flask(session: &DynamicSession, theirs: &Json) -> Result<(), TestCaseError> {
    let want = support::typed::to_value(&theirs["session"]).unwrap();
    prop_assert_eq!(
        &Value::Dict(session.dict_untracked().clone()),
        &want,
        "{}",
        theirs
    );
    prop_assert_eq!(session.state().is_modified(), theirs["modified"] == true);
    Ok(())
}

/// Sessions around the protection's decisions: empty or not, permanent or
/// not, `_fresh` true/false/other/missing, the stored `_id` equal to the
/// request's, different, missing or not a string, other keys.
fn protection_case() -> impl Strategy<Value = (Option<&'static str>, Dict, bool)> {
    let mode = prop::sample::select(vec![None, Some("basic"), Some("strong"), Some("other")]);
    let entry = prop_oneof![
        Just(("_user_id", Value::from("ada"))),
        Just(("_fresh", Value::Bool(true))),
        Just(("_fresh", Value::Bool(false))),
        Just(("_fresh", Value::Int(0))),
        Just(("_permanent", Value::Bool(true))),
        Just(("_permanent", Value::Bool(false))),
        Just(("_id", Value::from("current"))),
        Just(("_id", Value::from("other"))),
        Just(("_id", Value::Int(1))),
        Just(("_remember_seconds", Value::Float(60.0))),
        Just(("next", Value::from("/x"))),
        Just(("csrf_token", Value::from("t"))),
    ];
    let session = proptest::collection::vec(entry, 0..6).prop_map(|entries| {
        let mut d = Dict::new();
        for (k, v) in entries {
            d.insert(k, v);
        }
        d
    });
    (mode, session, any::<bool>())
}

#[test]
fn protection_matches_flask_login_live() {
    let at_least = [("passed", 80), ("stale", 80), ("logged out", 40)];
    run_live(
        "protection_matches_flask_login_live",
        600,
        protection_case(),
        &at_least,
        |flask, (mode, dict, markup_id)| {
            let mut dict = dict;
            // Python compares a `Markup` `_id` as the `str` it is.
            if markup_id && dict.get("_id") == Some(&Value::from("current")) {
                dict.insert("_id", Value::Markup("current".into()));
            }
            let theirs = flask.call(&json!({
                "op": "login_protection",
                "mode": mode,
                "current_id": "current",
                "session": support::typed::from_value(&Value::Dict(dict.clone())),
            }));
            let protection = match mode {
                Some("basic") => SessionProtection::Basic,
                Some("strong") => SessionProtection::Strong,
                _ => SessionProtection::Off,
            };
            let mut session = DynamicSession::from_loaded(dict);
            let outcome = protection.protect(&mut session, "current");
            same_session_as_flask(&session, &theirs)?;
            prop_assert_eq!(session.state().is_accessed(), theirs["accessed"] == true);
            prop_assert_eq!(
                outcome == ProtectionOutcome::LoggedOut,
                theirs["failed"] == true
            );
            prop_assert_eq!(
                outcome == ProtectionOutcome::LoggedOut,
                theirs["remember"] == "clear"
            );
            Ok(match outcome {
                ProtectionOutcome::Passed => "passed",
                ProtectionOutcome::Stale => "stale",
                ProtectionOutcome::LoggedOut => "logged out",
            }
            .to_owned())
        },
    );
}

/// Remember-me settings as Flask-Login reads them from the app config.
#[derive(Debug, Clone)]
struct RememberSettings {
    name: Option<&'static str>,
    domain: Option<&'static str>,
    path: Option<&'static str>,
    secure: Option<bool>,
    http_only: Option<bool>,
    same_site: Option<&'static str>,
}

fn remember_settings() -> impl Strategy<Value = RememberSettings> {
    (
        prop::option::of(prop::sample::select(vec![
            "remember_token",
            "rt",
            "my-remember",
        ])),
        prop::option::of(prop::sample::select(vec![
            "example.com",
            ".Example.COM",
            "straße.de",
        ])),
        prop::option::of(prop::sample::select(vec![
            "/", "/app", "/a b", "/\u{fc}", "",
        ])),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec!["Lax", "Strict", "None"])),
    )
        .prop_map(
            |(name, domain, path, secure, http_only, same_site)| RememberSettings {
                name,
                domain,
                path,
                secure,
                http_only,
                same_site,
            },
        )
}

#[test]
fn remember_set_cookie_matches_flask_login_live() {
    let at_least = [("plain", 80), ("quoted", 80), ("control character", 40)];
    let case = (
        remember_settings(),
        prop_oneof![
            "[a-zA-Z0-9_|=.@-]{0,10}",
            "[a-z0-9 \"\\\\,;\u{7f}\u{e9}\u{1f600}|=]{1,10}",
            "[a-z\u{1a}\u{1f}]{1,4}",
        ],
        1_600_000_000u64..1_800_000_000,
        prop::option::of(prop_oneof![
            (0u32..1_000_000).prop_map(f64::from),
            0.0f64..100.0
        ]),
    );
    run_live(
        "remember_set_cookie_matches_flask_login_live",
        400,
        case,
        &at_least,
        |flask, (settings, user_id, now, remember_seconds)| {
            let secret = "?7ajDm?VS8101NbdHnWY=psRbUtIKUKd";
            let mut config = serde_json::Map::new();
            let mut put = |k: &str, v: Option<Json>| {
                if let Some(v) = v {
                    config.insert(k.to_owned(), v);
                }
            };
            put("REMEMBER_COOKIE_NAME", settings.name.map(Json::from));
            put("REMEMBER_COOKIE_DOMAIN", settings.domain.map(Json::from));
            put("REMEMBER_COOKIE_PATH", settings.path.map(Json::from));
            put("REMEMBER_COOKIE_SECURE", settings.secure.map(Json::from));
            put(
                "REMEMBER_COOKIE_HTTPONLY",
                settings.http_only.map(Json::from),
            );
            put(
                "REMEMBER_COOKIE_SAMESITE",
                settings.same_site.map(Json::from),
            );
            let theirs = flask.call(&json!({
                "op": "remember_set_cookie",
                "secret": secret,
                "config": config,
                "user_id": user_id,
                "now": now,
                "remember_seconds": remember_seconds,
            }));

            let mut ours = RememberCookie::from_text_key(secret).unwrap();
            if let Some(n) = settings.name {
                ours = ours.with_cookie_name(n).unwrap();
            }
            if let Some(d) = settings.domain {
                ours = ours.with_domain(d).unwrap();
            }
            if let Some(p) = settings.path {
                ours = ours.with_path(p);
            }
            if let Some(s) = settings.secure {
                ours = ours.with_secure(s);
            }
            if let Some(h) = settings.http_only {
                ours = ours.with_http_only(h);
            }
            ours = ours.with_same_site(settings.same_site.map(|s| match s {
                "Lax" => sessionkit::config::SameSite::Lax,
                "Strict" => sessionkit::config::SameSite::Strict,
                _ => sessionkit::config::SameSite::None,
            }));
            let deletion = ours.delete_cookie();
            prop_assert_eq!(Some(deletion.as_str()), theirs["delete"][0].as_str());
            let duration = remember_seconds.map_or(
                std::time::Duration::from_secs(365 * 86_400),
                std::time::Duration::from_secs_f64,
            );
            let expires = std::time::UNIX_EPOCH + std::time::Duration::from_secs(now) + duration;
            if user_id.contains(|c| ('\u{1a}'..='\u{1f}').contains(&c)) {
                // Werkzeug writes these raw (no HTTP header may carry them);
                // we refuse.
                let raw = theirs["set_cookie"][0].as_str().unwrap();
                prop_assert!(
                    raw.contains(|c| ('\x1a'..='\x1f').contains(&c)),
                    "raw control byte"
                );
                prop_assert_eq!(
                    ours.set_cookie(&user_id, expires),
                    Err(RememberCookieError::ControlCharacter)
                );
                return Ok("control character".to_owned());
            }
            let header = ours.set_cookie(&user_id, expires).unwrap();
            prop_assert_eq!(
                Some(header.as_str()),
                theirs["set_cookie"][0].as_str(),
                "{}",
                theirs
            );

            // Read back from a request carrying it, as Flask-Login reads it.
            let pair = header.split("; ").next().unwrap();
            let mut h = HeaderMap::new();
            h.insert(
                "cookie",
                HeaderValue::from_str(pair).unwrap_or_else(|e| panic!("{e}: {pair:?}")),
            );
            let back = ours.user_from_request(&h);
            prop_assert_eq!(back.as_deref(), theirs["read_back"].as_str());
            prop_assert_eq!(back.as_deref(), Some(user_id.as_str()));
            let quoted = pair.contains('"');
            Ok(if quoted { "quoted" } else { "plain" }.to_owned())
        },
    );
}

/// A session (with or without a user, a null user, `_remember = "clear"`)
/// and a `Cookie` header (no remember cookie, a valid one, a tampered one,
/// a quoted one, two of them, among other cookies).
fn restore_case() -> impl Strategy<Value = (Dict, Option<String>)> {
    let entry = prop_oneof![
        1 => Just(("_user_id", Value::from("7"))),
        1 => Just(("_user_id", Value::Null)),
        1 => Just(("_remember", Value::from("clear"))),
        2 => Just(("_remember", Value::from("set"))),
        2 => Just(("_fresh", Value::Bool(true))),
        2 => Just(("other", Value::Int(1))),
    ];
    let session = proptest::collection::vec(entry, 0..3).prop_map(|entries| {
        let mut d = Dict::new();
        for (k, v) in entries {
            d.insert(k, v);
        }
        d
    });
    let key = RememberCookie::new(RESTORE_KEY.as_bytes());
    let cookie = prop_oneof![
        4 => "[a-z0-9]{1,6}".prop_map(move |id| key.encode(&id)),
        1 => "[a-z0-9]{1,6}".prop_map(|id| format!("{id}|00ff")),
        1 => Just("\"a b|c\"".to_owned()),
        1 => Just(String::new()),
    ];
    let header = prop::option::of(
        (
            cookie.clone(),
            prop::option::of(cookie),
            prop::sample::select(vec!["", "session=x; "]),
        )
            .prop_map(|(first, second, before)| {
                let mut h = format!("{before}remember_token={first}");
                if let Some(second) = second {
                    h.push_str(&format!("; remember_token={second}"));
                }
                h
            }),
    );
    (session, header)
}

const RESTORE_KEY: &str = "restore-secret";

#[test]
fn restore_matches_flask_login_live() {
    let at_least = [("restored", 80), ("not restored", 80)];
    let remember = RememberCookie::from_text_key(RESTORE_KEY).unwrap();
    run_live(
        "restore_matches_flask_login_live",
        500,
        restore_case(),
        &at_least,
        |flask, (dict, header)| {
            let theirs = flask.call(&json!({
                "op": "remember_restore",
                "secret": RESTORE_KEY,
                "session": support::typed::from_value(&Value::Dict(dict.clone())),
                "cookie_header": header,
            }));
            let mut headers = HeaderMap::new();
            if let Some(h) = &header {
                headers.insert("cookie", HeaderValue::from_str(h).unwrap());
            }
            let mut session = DynamicSession::from_loaded(dict);
            let restored = remember.restore(&mut session, &headers);
            same_session_as_flask(&session, &theirs)?;
            Ok(if restored.is_some() {
                "restored"
            } else {
                "not restored"
            }
            .to_owned())
        },
    );
}

/// The `remember_cookie_login` vector: no session, a valid remember-me
/// cookie; the user is restored, not fresh, and the cookie Flask set for
/// that session is the one we write.
#[test]
fn restore_matches_the_flask_vector() {
    let all = vectors();
    let v = http_vector(&all, "remember_cookie_login");
    let remember =
        RememberCookie::from_text_key(v["secret_key"]["text"].as_str().unwrap()).unwrap();
    let mut headers = HeaderMap::new();
    headers.insert(
        "cookie",
        HeaderValue::from_str(v["request"]["cookie_header"].as_str().unwrap()).unwrap(),
    );
    let mut session = DynamicSession::default();
    assert_eq!(
        remember.restore(&mut session, &headers).as_deref(),
        Some("473672")
    );
    let want = support::typed::to_value(&v["saved_session"]).unwrap();
    assert_eq!(Value::Dict(session.dict_untracked().clone()), want);
    let codec = sessionkit::codec::SessionCodec::flask(support::typed::key(&v["secret_key"]));
    let cookie = codec
        .dumps_session(session.dict_untracked(), v["now"].as_u64().unwrap())
        .unwrap();
    let set = v["response"]["set_cookie"][0].as_str().unwrap();
    assert!(set.starts_with(&format!("session={cookie};")), "{set}");
}
