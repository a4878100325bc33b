//! Live round trips against real Flask 3.1.3 (venv created on first use, see
//! `tests/support/flask.rs`): property-generated sessions signed in Rust are
//! opened by Flask and vice versa, with equal values and equal bytes.

mod support;

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::json;
use sessionkit::codec::{DateTime, Dict, PyString, SecretKey, SecretKeys, SessionCodec, Uuid, Value};
use support::flask::FlaskCodec;
use support::typed;

const KEY_HEX: &str = "6465762d6b65792d666f722d696e7465726f702d7465737473";

fn py_string() -> impl Strategy<Value = PyString> {
    prop_oneof![
        6 => any::<String>().prop_map(PyString::from),
        2 => "[a-z_ ]{0,8}".prop_map(PyString::from),
        1 => proptest::collection::vec(
            prop_oneof![0u32..0x80, 0xD800u32..0xE000, 0x80u32..0x11_0000],
            0..6
        )
        .prop_filter_map("code points", PyString::from_code_points),
    ]
}

fn key() -> impl Strategy<Value = PyString> {
    prop_oneof![
        4 => py_string(),
        1 => prop::sample::select(vec![" t", " di", " b", " m", " u", " d", "_user_id", "csrf_token", "é"])
            .prop_map(PyString::from),
    ]
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0, 1e16, 1e15, 5e-324, 1e-5, 0.1]),
        2 => -1e6f64..1e6f64,
    ]
}

fn datetime() -> impl Strategy<Value = DateTime> {
    // Years 2..9998 so that any offset converts to UTC within Python's range.
    (-62_104_060_800i64..253_370_764_800i64, -86_399i64..86_400i64).prop_filter_map("in range", |(secs, off)| {
        let utc = DateTime::from_unix(secs)?;
        let local = DateTime::from_unix(secs + off)?;
        DateTime::new(
            i64::from(local.year()),
            i64::from(local.month()),
            i64::from(local.day()),
            i64::from(local.hour()),
            i64::from(local.minute()),
            i64::from(local.second()),
            off,
        )
        .filter(|_| utc.year() > 0)
    })
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        (any::<bool>(), "[1-9][0-9]{19,45}").prop_map(|(neg, d)| {
            Value::int_from_decimal(&format!("{}{d}", if neg { "-" } else { "" })).unwrap()
        }),
        float().prop_map(Value::Float),
        py_string().prop_map(Value::Str),
        py_string().prop_map(Value::Markup),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes),
        any::<u128>().prop_map(|u| Value::Uuid(Uuid::from_u128(u))),
        datetime().prop_map(Value::DateTime),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::List),
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Tuple),
            proptest::collection::vec((key(), inner), 0..5)
                .prop_map(|kv| Value::Dict(kv.into_iter().collect::<Dict>())),
        ]
    })
}

fn session() -> impl Strategy<Value = Dict> {
    proptest::collection::vec((key(), value()), 0..6).prop_map(|kv| kv.into_iter().collect())
}

/// What any reader sees after a write: datetimes come back in UTC, and years
/// below 100 come back through RFC 2822's two-digit-year rule (0099 -> 1999).
fn as_opened(v: &Value) -> Value {
    match v {
        Value::DateTime(d) => {
            let utc = d.to_utc().unwrap();
            let y = i64::from(utc.year());
            let y = if y < 100 { y + if y > 68 { 1900 } else { 2000 } } else { y };
            Value::DateTime(
                DateTime::new(y, utc.month().into(), utc.day().into(), utc.hour().into(), utc.minute().into(), utc.second().into(), 0)
                    .unwrap(),
            )
        }
        Value::List(items) => Value::List(items.iter().map(as_opened).collect()),
        Value::Tuple(items) => Value::Tuple(items.iter().map(as_opened).collect()),
        Value::Dict(d) => Value::Dict(d.iter().map(|(k, v)| (k.clone(), as_opened(v))).collect()),
        other => other.clone(),
    }
}

fn codec() -> SessionCodec {
    SessionCodec::flask(SecretKey::from_hex(KEY_HEX).unwrap())
}

#[test]
fn property_sessions_round_trip_with_real_flask() {
    let Some(flask) = FlaskCodec::start("property_sessions_round_trip_with_real_flask") else { return };
    let flask = RefCell::new(flask);
    let codec = codec();
    let cases = 256;
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let compressed = std::cell::Cell::new(0);
    let result = runner.run(&(session(), 1u64..4_000_000_000u64), |(session, ts)| {
        let expected = as_opened(&Value::Dict(session.clone()));
        let ours = codec.dumps_session(&session, ts).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if ours.starts_with('.') {
            compressed.set(compressed.get() + 1);
        }
        let typed_session = typed::from_value(&Value::Dict(session.clone()));
        let mut flask = flask.borrow_mut();

        // Flask writes the same bytes.
        let theirs = flask.call(&json!({"op": "dumps", "key_hex": KEY_HEX, "timestamp": ts, "value": typed_session}));
        prop_assert_eq!(theirs["cookie"].as_str(), Some(ours.as_str()), "Flask answered {}", theirs);

        // Flask opens our cookie to the same value.
        let opened = flask.call(&json!({"op": "loads", "key_hex": KEY_HEX, "now": ts, "max_age": 60, "cookie": ours}));
        let got = typed::to_value(&opened["session"]).ok_or_else(|| TestCaseError::fail(format!("Flask: {opened}")))?;
        prop_assert_eq!(&got, &expected);

        // We open Flask's cookie to the same value.
        let back = codec.loads_session(theirs["cookie"].as_str().unwrap(), ts, Some(60)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(Value::Dict(back.value), expected);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let compressed = compressed.get();
    assert!(compressed > 10, "only {compressed} of {cases} cookies were compressed: the generator is too weak");
}

#[test]
fn key_rotation_matches_flask_both_ways() {
    let Some(mut flask) = FlaskCodec::start("key_rotation_matches_flask_both_ways") else { return };
    let (new, old) = ("6e65772d6b6579", "6f6c642d6b6579");
    let session = typed::from_value(&Value::Dict([("user", "ada")].into_iter().collect()));
    let ts = 1_700_000_000u64;

    // Flask with a fallback signs with the current key (GHSA-4grg-w6v8-c28g).
    let flask_cookie = flask.call(&json!({"op": "dumps", "key_hex": new, "fallbacks_hex": [old], "timestamp": ts, "value": session}));
    let flask_cookie = flask_cookie["cookie"].as_str().unwrap().to_owned();
    let only_new = SessionCodec::flask(SecretKey::from_hex(new).unwrap());
    let only_old = SessionCodec::flask(SecretKey::from_hex(old).unwrap());
    assert!(only_new.loads_session(&flask_cookie, ts, Some(60)).is_ok());
    assert!(only_old.loads_session(&flask_cookie, ts, Some(60)).is_err());

    // Ours too, byte for byte.
    let rotated = SessionCodec::flask(SecretKeys::new(SecretKey::from_hex(new).unwrap()).with_fallback(SecretKey::from_hex(old).unwrap()));
    let dict: Dict = [("user", "ada")].into_iter().collect();
    assert_eq!(rotated.dumps_session(&dict, ts).unwrap(), flask_cookie);

    // An old-key cookie is accepted by both through the fallback.
    let old_cookie = only_old.dumps_session(&dict, ts).unwrap();
    assert!(rotated.loads_session(&old_cookie, ts, Some(60)).is_ok());
    let opened = flask.call(&json!({"op": "loads", "key_hex": new, "fallbacks_hex": [old], "now": ts, "max_age": 60, "cookie": old_cookie}));
    assert!(opened.get("session").is_some(), "Flask: {opened}");
    let opened = flask.call(&json!({"op": "loads", "key_hex": new, "now": ts, "max_age": 60, "cookie": old_cookie}));
    assert_eq!(opened["error"], "BadTimeSignature", "Flask without the fallback: {opened}");
}

#[test]
fn expiry_boundaries_match_flask() {
    let Some(mut flask) = FlaskCodec::start("expiry_boundaries_match_flask") else { return };
    let codec = codec();
    let cookie = codec.dumps_session(&[("n", 1)].into_iter().collect(), 1_000_000).unwrap();
    for (now, max_age) in [(1_000_100, 100), (1_000_101, 100), (999_999, 100), (1_000_000, 0)] {
        let ours = codec.loads_session(&cookie, now, Some(max_age));
        let theirs = flask.call(&json!({"op": "loads", "key_hex": KEY_HEX, "now": now, "max_age": max_age, "cookie": cookie}));
        match ours {
            Ok(_) => assert!(theirs.get("session").is_some(), "now={now}: Flask {theirs}"),
            Err(e) => {
                assert_eq!(theirs["error"], "SignatureExpired", "now={now}: we said {e}");
                let msg = e.to_string();
                assert!(msg.contains("expired") || msg.contains("future"), "{msg}");
            }
        }
    }
}
