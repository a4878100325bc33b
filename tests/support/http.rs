//! The HTTP vectors' app configuration and handler actions, in Rust: shared
//! by the vector replay and the live lifecycle comparison with Flask.

use std::time::Duration;

use serde_json::Value as Json;
use sessionkit::codec::{SecretKey, Value};
use sessionkit::config::SameSite;
use sessionkit::interface::SessionInterface;
use sessionkit::{DynamicSession, SessionConfig, SessionData};

use super::typed;

/// The app configuration of a vector, with Flask's defaults (SameSite unset).
pub fn config(v: &Json) -> SessionConfig {
    let mut c = SessionConfig::default().with_same_site(None);
    if let Some(k) = v["secret_key"]["hex"].as_str() {
        // An empty key is falsy in Flask: no key, null sessions.
        if let Ok(key) = SecretKey::from_hex(k) {
            c = c.with_secret_key(key);
        }
    }
    for f in v["fallback_keys"].as_array().into_iter().flatten() {
        c = c.with_fallback_key(typed::key(f));
    }
    let cfg = &v["config"];
    if let Some(name) = cfg["SESSION_COOKIE_NAME"].as_str() {
        c = c.with_cookie_name(name);
    }
    if let Some(d) = cfg["SESSION_COOKIE_DOMAIN"].as_str() {
        c = c.with_domain(d);
    }
    // Flask: `SESSION_COOKIE_PATH or APPLICATION_ROOT` (an empty path is
    // falsy).
    if let Some(p) = cfg["SESSION_COOKIE_PATH"]
        .as_str()
        .filter(|p| !p.is_empty())
        .or(cfg["APPLICATION_ROOT"].as_str())
    {
        c = c.with_path(p);
    }
    if let Some(b) = cfg["SESSION_COOKIE_SECURE"].as_bool() {
        c = c.with_secure(b);
    }
    if let Some(b) = cfg["SESSION_COOKIE_HTTPONLY"].as_bool() {
        c = c.with_http_only(b);
    }
    if let Some(b) = cfg["SESSION_COOKIE_PARTITIONED"].as_bool() {
        c = c.with_partitioned(b);
    }
    if let Some(b) = cfg["SESSION_REFRESH_EACH_REQUEST"].as_bool() {
        c = c.with_refresh_each_request(b);
    }
    if let Some(s) = cfg["PERMANENT_SESSION_LIFETIME"].as_u64() {
        c = c.with_lifetime(Duration::from_secs(s));
    }
    // `app.json.ensure_ascii` (Flask 2.3+; before: `JSON_AS_ASCII`), under
    // the name the live harness reads.
    if let Some(b) = cfg["JSON_ENSURE_ASCII"].as_bool() {
        c = c.with_json_ensure_ascii(b);
    }
    if let Some(s) = cfg["SESSION_COOKIE_SAMESITE"].as_str() {
        c = c.with_same_site(Some(match s.to_ascii_lowercase().as_str() {
            "strict" => SameSite::Strict,
            "lax" => SameSite::Lax,
            _ => SameSite::None,
        }));
    }
    c
}

/// What the vector's handler did, applied to our session; returns the
/// status the handler answered with. `None`: not representable in Rust.
/// Runs `action` as a handler does: actions that never touch `session` in
/// Flask (`none`) do not lock it (locking is an access, as reaching
/// Flask's `session` is); the others lock it and run [`act`].
#[allow(dead_code)]
pub fn act_on(
    action: &str,
    handle: &sessionkit::lifecycle::SessionHandle<DynamicSession>,
) -> Option<u16> {
    match action {
        "none" => Some(200),
        "none (unknown URL)" => Some(404),
        _ => act(action, &mut handle.lock()),
    }
}

pub fn act(action: &str, s: &mut DynamicSession) -> Option<u16> {
    Some(match action {
        "none" => 200,
        "none (unknown URL)" => 404,
        "set user='x'" => {
            s.insert("user", "x");
            200
        }
        "set user='x'; session.permanent = True" | "set user='x'; permanent" => {
            s.insert("user", "x");
            s.set_permanent(true);
            200
        }
        "set user='y'" => {
            s.insert("user", "y");
            200
        }
        "set user='z'; raise" => {
            s.insert("user", "z");
            500
        }
        "set user='z'; abort(403)" => {
            s.insert("user", "z");
            403
        }
        "session.clear()" => {
            s.clear();
            200
        }
        "session.get('a')" => {
            let _ = s.get("a");
            200
        }
        "session.new" => {
            let _ = s.state().is_new();
            200
        }
        "return dict(session)" => {
            let _ = s.dict();
            200
        }
        "session['a'] = session['a']" => {
            let a = s.get("a").cloned().unwrap_or(Value::Null);
            s.insert("a", a);
            200
        }
        "session.pop('nope', None)" => {
            let _ = s.remove("nope");
            200
        }
        "get_flashed_messages()" => {
            let _ = s.remove("_flashes");
            200
        }
        "session['l'].append(3)" => {
            if let Some(Value::List(l)) = s.get_mut("l") {
                l.push(Value::Int(3));
            }
            200
        }
        "session['x'] = 1 (error caught and returned)" => {
            s.insert("x", 1);
            200
        }
        "session['m'] = {'a': 1, 2: 'b'}" => {
            // Keys Python cannot sort against each other: Flask's save
            // fails (500). Here the map is refused when it is stored, so the
            // handler answers 500 with the session unchanged.
            #[derive(serde::Serialize)]
            #[serde(untagged)]
            enum Key {
                Str(&'static str),
                Int(i64),
            }
            let m = [
                (Key::Str("a"), Value::Int(1)),
                (Key::Int(2), Value::from("b")),
            ];
            let map = Pairs(&m);
            match s.insert_as("m", &map) {
                Err(sessionkit::codec::EncodeError::UnorderableKeys("str", "int")) => 500,
                other => panic!("a map of str and int keys was stored: {other:?}"),
            }
        }
        // Python sets have no Rust counterpart.
        "session['s'] = {1, 2}" => return None,
        other => panic!("unknown action {other:?}"),
    })
}

/// Serialises as a map of its pairs, in their order (keys of any type).
pub struct Pairs<'a, K, V>(pub &'a [(K, V)]);

impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for Pairs<'_, K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// The head of a request carrying `value` as its `session` cookie.
pub fn request_with_session(value: &str) -> http::request::Parts {
    let request = http::Request::builder().header("cookie", format!("session={value}"));
    request.body(()).unwrap().into_parts().0
}

/// Saves `session` through `interface`: the value of the `session` cookie
/// the response sets, if it sets one.
pub fn saved_value<S: SessionData>(
    interface: &impl SessionInterface<S>,
    session: &S,
) -> Option<String> {
    let mut headers = http::HeaderMap::new();
    interface.save_session(session, &mut headers).unwrap();
    let line = headers.get("set-cookie")?.to_str().ok()?;
    Some(line.strip_prefix("session=")?.split(';').next()?.to_owned())
}
