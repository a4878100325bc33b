//! A cookie written by real Flask (Flask-Login and flash keys) opened into a
//! typed `#[session]` struct, one field changed, saved, and reopened by
//! Flask with every other key identical.

mod support;

use std::time::{Duration, SystemTime};

use serde_json::json;
use sessionkit::codec::{SecretKey, Value};
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::{SessionData, session};
use support::flask::FlaskCodec;
use support::typed;

const KEY_HEX: &str = "666c61736b2d616e642d727573742d73686172652d746869732d6b6579";

/// The keys this service cares about; Flask-Login's others are kept.
#[session]
pub struct Login {
    #[session(rename = "_user_id")]
    user: Option<String>,
    visits: u64,
}

#[test]
fn flask_cookie_into_typed_struct_and_back() {
    let Some(mut flask) = FlaskCodec::start("flask_cookie_into_typed_struct_and_back") else {
        return;
    };
    let ts = 1_700_000_000u64;
    let original = json!({"t": "dict", "v": [
        [{"t": "str", "v": "_user_id"}, {"t": "str", "v": "42"}],
        [{"t": "str", "v": "_fresh"}, {"t": "bool", "v": true}],
        [{"t": "str", "v": "_id"}, {"t": "str", "v": "9f".repeat(64)}],
        [{"t": "str", "v": "_remember_seconds"}, {"t": "float", "v": "3600.5"}],
        [{"t": "str", "v": "_flashes"}, {"t": "list", "v": [
            {"t": "tuple", "v": [{"t": "str", "v": "message"}, {"t": "str", "v": "Welcome ü"}]}
        ]}],
        [{"t": "str", "v": "csrf_token"}, {"t": "str", "v": "c3499c2729730a7f807efb8676a92dcb6f8a3f8f"}],
        [{"t": "str", "v": "_permanent"}, {"t": "bool", "v": true}],
        [{"t": "str", "v": "visits"}, {"t": "int", "v": "41"}],
    ]});
    let cookie =
        flask.call(&json!({"op": "dumps", "key_hex": KEY_HEX, "timestamp": ts, "value": original}));
    let cookie = cookie["cookie"].as_str().unwrap().to_owned();

    let interface = SecureCookieSessionInterface::new(
        Login::default_config().with_secret_key(SecretKey::from_hex(KEY_HEX).unwrap()),
    )
    .unwrap()
    .with_clock(move || SystemTime::UNIX_EPOCH + Duration::from_secs(ts + 10));
    let req = http::Request::builder()
        .header("cookie", format!("session={cookie}"))
        .body(())
        .unwrap();
    let mut s: Login = interface.open_session(&req.into_parts().0).unwrap();
    assert_eq!(s.user().as_deref(), Some("42"));
    assert_eq!(*s.visits(), 41);
    assert!(s.is_permanent());
    *s.visits_mut() += 1;

    let mut headers = http::HeaderMap::new();
    interface.save_session(&s, &mut headers).unwrap();
    let set = headers["set-cookie"].to_str().unwrap();
    assert!(set.contains("; Expires="), "permanent: {set}");
    let value = set
        .trim_start_matches("session=")
        .split(';')
        .next()
        .unwrap();

    let reopened = flask.call(&json!({"op": "loads", "key_hex": KEY_HEX, "now": ts + 10, "max_age": 2_678_400u64, "cookie": value}));
    let got = typed::to_value(&reopened["session"]).unwrap_or_else(|| panic!("Flask: {reopened}"));
    let Value::Dict(got) = got else {
        panic!("not a dict")
    };
    let Some(Value::Dict(mut want)) = typed::to_value(&original) else {
        panic!()
    };
    want.insert("visits", 42);
    assert_eq!(got, want, "every other key identical, visits changed");
}
