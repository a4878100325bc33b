//! Replays every session vector produced by real Flask 3.1.3
//! (`tests/data/flask-sessions.json`): opened values equal Flask's, cookies
//! re-sign byte-identically (compressed ones too), rejected cookies are
//! rejected for Flask's reason.

mod support;

use serde_json::Value as Json;
use sessionkit::codec::{DecodeError, SecretKeys, SessionCodec, Value};
use support::typed;
use support::typed::vectors;

fn keys(app: &Json) -> SecretKeys {
    let mut keys = SecretKeys::new(typed::key(&app["secret_key"]));
    for f in app["fallback_keys"].as_array().into_iter().flatten() {
        keys = keys.with_fallback(typed::key(f));
    }
    keys
}

fn reason_matches(reason: &str, err: &DecodeError) -> bool {
    match reason {
        "expired" => matches!(err, DecodeError::Expired { .. }),
        "future_timestamp" => matches!(err, DecodeError::FutureTimestamp { .. }),
        "bad_signature" => matches!(
            err,
            DecodeError::SignatureMismatch
                | DecodeError::TimestampMissing
                | DecodeError::MalformedTimestamp
        ),
        "no_separator" => matches!(err, DecodeError::NoSeparator),
        "timestamp_missing" => matches!(err, DecodeError::TimestampMissing),
        "malformed_timestamp" => matches!(err, DecodeError::MalformedTimestamp),
        "empty_cookie_value" => matches!(err, DecodeError::Empty),
        "bad_payload" => matches!(err, DecodeError::Payload(_)),
        "payload_not_a_mapping" => matches!(err, DecodeError::NotAMapping(_)),
        other => panic!("unknown reason {other}"),
    }
}

#[test]
fn every_vector_opens_as_flask_opened_it() {
    let all = vectors();
    let mut opens = 0;
    for (i, v) in all["session_vectors"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let name = v["name"].as_str().unwrap();
        let cookie = v["cookie"].as_str().unwrap();
        for (j, open) in v["opens"].as_array().unwrap().iter().enumerate() {
            let app = open.get("opened_with").unwrap_or(v);
            let codec = SessionCodec::flask(keys(app));
            let now = open["now"].as_u64().unwrap();
            let max_age = open["max_age"].as_u64().unwrap();
            let got = codec.loads_session(cookie, now, Some(max_age));
            let ctx = format!("vector #{i} {name}, open #{j}");
            match open["outcome"].as_str().unwrap() {
                "accepted" => {
                    let session =
                        got.unwrap_or_else(|e| panic!("{ctx}: Flask accepted, we rejected: {e}"));
                    let want = typed::to_value(&open["session"]).expect("typed session");
                    assert_eq!(
                        Value::Dict(session.value.clone()),
                        want,
                        "{ctx}: opened value"
                    );
                    assert_eq!(
                        session.timestamp,
                        v["timestamp"].as_u64().unwrap_or(session.timestamp),
                        "{ctx}"
                    );
                    assert_eq!(
                        Value::Dict(session.value).to_flask_json().unwrap(),
                        open["session_payload_json"].as_str().unwrap(),
                        "{ctx}: re-dumped JSON"
                    );
                }
                outcome => {
                    let reason = open["reason"].as_str().unwrap();
                    let err = got.err().unwrap_or_else(|| {
                        panic!("{ctx}: Flask said {outcome}/{reason}, we accepted")
                    });
                    assert!(
                        reason_matches(reason, &err),
                        "{ctx}: Flask said {reason}, we said {err:?}"
                    );
                    assert_eq!(
                        err.is_bad_signature(),
                        outcome == "rejected",
                        "{ctx}: {err:?}"
                    );
                }
            }
            opens += 1;
        }
    }
    assert!(opens >= 80, "only {opens} openings replayed");
}

#[test]
fn every_encode_vector_re_signs_byte_identically() {
    let all = vectors();
    let (mut from_json, mut from_value) = (0, 0);
    for (i, v) in all["session_vectors"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        if v["category"] != "encode" {
            continue;
        }
        let name = v["name"].as_str().unwrap();
        let cookie = v["cookie"].as_str().unwrap();
        let ts = v["timestamp"].as_u64().unwrap();
        let codec = SessionCodec::flask(typed::key(&v["signing_key"]));
        // The exact JSON Flask signed, through our compression and signature.
        let json = v["payload_json"].as_str().unwrap();
        assert_eq!(
            codec.sign_json(json.as_bytes(), ts),
            cookie,
            "vector #{i} {name}: sign_json"
        );
        assert_eq!(
            cookie.starts_with('.'),
            v["compressed"].as_bool().unwrap(),
            "vector #{i} {name}"
        );
        from_json += 1;
        // The stored value through our JSON writer, where the model holds it.
        if let Some(value) = typed::to_value(&v["value"]) {
            let Value::Dict(session) = value else {
                panic!("vector #{i} {name}: not a dict")
            };
            assert_eq!(
                codec.dumps_session(&session, ts).unwrap(),
                cookie,
                "vector #{i} {name}: dumps_session"
            );
            from_value += 1;
        }
    }
    assert!(
        from_json >= 35 && from_value >= 30,
        "{from_json} / {from_value}"
    );
}

#[test]
fn payload_json_parses_and_redumps_identically() {
    let all = vectors();
    let codec = SessionCodec::flask(sessionkit::codec::SecretKey::from_text("unused").unwrap());
    for v in all["session_vectors"].as_array().unwrap() {
        if v["category"] != "encode" {
            continue;
        }
        let json = v["payload_json"].as_str().unwrap();
        let value = codec.parse_json(json).unwrap();
        // Flask sorts int keys numerically before converting them to strings;
        // once they are strings (all a cookie can hold) they sort as text.
        if v["name"] == "untagged_conversions" || json.contains("\"-1\"") {
            continue;
        }
        assert_eq!(value.to_flask_json().unwrap(), json, "{}", v["name"]);
    }
}

/// 990 doubles with CPython 3.11's `repr` of each
/// (`tests/data/python_float_repr.txt`, made by `gen_float_repr.py` beside
/// it): halfway ties between two shortest spellings (Python takes the even
/// digit), near-ties where two spellings read back, subnormals, the
/// positional/scientific switch at 1e-4 and 1e16, and any values. Each is
/// written as Flask writes it and read back to the same bits.
#[test]
fn floats_match_python_repr() {
    let codec = SessionCodec::flask(sessionkit::codec::SecretKey::from_text("k").unwrap());
    let data = include_str!("data/python_float_repr.txt");
    let mut ties = 0;
    for line in data.lines() {
        let (hex, repr) = line.split_once(' ').unwrap();
        let f = f64::from_bits(u64::from_str_radix(hex, 16).unwrap());
        assert_eq!(Value::Float(f).to_flask_json().unwrap(), repr, "{hex}");
        match codec.parse_json(repr).unwrap() {
            Value::Float(back) => assert_eq!(back.to_bits(), f.to_bits(), "{repr}"),
            other => panic!("{repr}: {other:?}"),
        }
        // A tie: the last digit one higher reads back to the same double.
        if let Some(last) = repr
            .bytes()
            .last()
            .filter(|d| d.is_ascii_digit() && *d < b'9')
        {
            let up = format!("{}{}", &repr[..repr.len() - 1], char::from(last + 1));
            ties += usize::from(up.parse::<f64>().ok() == Some(f));
        }
    }
    assert_eq!(data.lines().count(), 990);
    assert!(
        ties >= 150,
        "only {ties} values with two shortest spellings"
    );
}
