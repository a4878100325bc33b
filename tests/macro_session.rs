//! The `#[session]` macro at run time: accessors, state tracking, presence,
//! unknown keys, configuration, and the round trip through cookies.

mod support;

use std::time::{Duration, SystemTime};

use sessionkit::codec::{Compression, SecretKey};
use sessionkit::codec::{Dict, SessionCodec, Value};
use sessionkit::config::SameSite;
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::{SessionData, session};

/// The issue's example session.
#[session(cookie = "session", lifetime = "31d", same_site = "lax", secure)]
#[derive(Debug, Clone)]
pub struct UserSession {
    /// Who is logged in.
    #[session(rename = "_user_id")]
    user: Option<String>,
    #[session(default = 1)]
    theme_version: u32,
    cart: Vec<(u64, u32)>,
}

#[test]
fn defaults_presence_and_state() {
    let mut s = UserSession::default();
    assert!(s.is_new() && s.is_empty() && !s.is_modified());
    assert_eq!(*s.theme_version(), 1);
    assert_eq!(*s.user(), None);
    s.set_user(Some("ada".into()));
    s.cart_mut().push((7, 2));
    assert!(s.is_modified() && !s.is_empty());
    let mut json = Vec::new();
    s.write_json(&mut json, 64).unwrap();
    // Only present keys are written; theme_version still holds its default.
    assert_eq!(
        String::from_utf8(json).unwrap(),
        r#"{"_user_id":"ada","cart":[{" t":[7,2]}]}"#
    );
    assert_eq!(s.take_cart(), vec![(7, 2)]);
    assert_eq!(*s.cart(), vec![]);
    s.clear();
    assert!(s.is_empty());
}

#[test]
fn container_options_become_the_default_config() {
    let c = UserSession::default_config();
    assert_eq!(c.cookie_name, "session");
    assert_eq!(
        c.permanent_session_lifetime,
        Duration::from_secs(31 * 86_400)
    );
    assert_eq!(c.cookie_same_site, Some(SameSite::Lax));
    assert!(c.cookie_secure && c.cookie_http_only);
}

#[session(same_site = "None", secure)]
struct CrossSite {
    n: u32,
}

#[session(same_site = "strict")]
struct StrictSite {
    n: u32,
}

#[test]
fn every_same_site_value_reaches_the_config() {
    // Case-insensitive, as Flask's `SESSION_COOKIE_SAMESITE` is rendered.
    assert_eq!(
        CrossSite::default_config().cookie_same_site,
        Some(SameSite::None)
    );
    assert_eq!(
        StrictSite::default_config().cookie_same_site,
        Some(SameSite::Strict)
    );
}

/// For Rust-only deployments: skip the zlib attempt.
#[session(compression = "never")]
struct Uncompressed {
    note: String,
}

/// The same choice written bare, as a word.
#[session(compression = never)]
struct UncompressedBare {
    note: String,
}

/// `auto` is Flask's rule, the default, and may be spelled out.
#[session(compression = auto, secure)]
struct CompressedBare {
    note: String,
}

/// Flask's rule only above 64 bytes of JSON.
#[session(compression = "above:64")]
struct CompressedAbove {
    note: String,
}

#[test]
fn compression_above_n_skips_the_attempt_for_small_payloads_only() {
    assert_eq!(
        CompressedAbove::default_config().compression,
        Compression::Above(64)
    );
    let key = SecretKey::from_text("k").unwrap();
    let encode = |config: sessionkit::SessionConfig, s: &CompressedAbove| {
        SecureCookieSessionInterface::new(config.with_secret_key(key.clone()))
            .unwrap()
            .encode_session(s)
            .unwrap()
    };
    let flask = || sessionkit::SessionConfig::default();
    let never = || sessionkit::SessionConfig::default().with_compression(Compression::Never);
    // `{"note":"…"}` is 11 bytes plus the note: 53 `a`s make 64 bytes, the
    // most that is never compressed; 54 make 65, compressed as Flask does.
    for (n, compressed) in [(20, false), (53, false), (54, true), (500, true)] {
        let mut s = CompressedAbove::default();
        s.set_note("a".repeat(n));
        let cookie = encode(CompressedAbove::default_config(), &s);
        assert_eq!(cookie.starts_with('.'), compressed, "{n}: {cookie}");
        let same_as = if compressed { flask() } else { never() };
        assert_eq!(cookie, encode(same_as, &s), "{n}");
    }
    // Flask itself would compress the 64-byte session; `above:64` leaves
    // it as `never` does (checked in the loop).
    let mut s = CompressedAbove::default();
    s.set_note("a".repeat(53));
    assert!(encode(flask(), &s).starts_with('.'));
}

#[test]
fn compression_never_is_a_container_option() {
    assert_eq!(
        Uncompressed::default_config().compression,
        Compression::Never
    );
    assert_eq!(
        UncompressedBare::default_config().compression,
        Compression::Never
    );
    let bare = CompressedBare::default_config();
    assert_eq!(bare.compression, Compression::Auto);
    assert!(bare.cookie_secure, "options after a bare word still parse");
    assert_eq!(UserSession::default_config().compression, Compression::Auto);
    let key = SecretKey::from_text("k").unwrap();
    let mut s = Uncompressed::default();
    s.set_note("a".repeat(200));
    let encode = |config: sessionkit::SessionConfig| {
        SecureCookieSessionInterface::new(config.with_secret_key(key.clone()))
            .unwrap()
            .encode_session(&s)
            .unwrap()
    };
    // The same compressible session: Flask's rule compresses it, `never`
    // does not, and the uncompressed cookie still opens (Flask reads it too).
    assert!(encode(sessionkit::SessionConfig::default()).starts_with('.'));
    let plain = encode(Uncompressed::default_config());
    assert!(!plain.starts_with('.') && plain.len() > 200);
    let opened = SessionCodec::flask(key.clone())
        .loads_session(&plain, u64::MAX / 2, None)
        .unwrap();
    assert_eq!(
        opened.value.get("note"),
        Some(&Value::from("a".repeat(200)))
    );

    // `never` only governs writing: a compressed cookie (as Flask writes
    // it) still opens, and is written back uncompressed.
    let compressed = encode(sessionkit::SessionConfig::default());
    let never = SecureCookieSessionInterface::new(
        UncompressedBare::default_config().with_secret_key(key.clone()),
    )
    .unwrap();
    let mut reopened: UncompressedBare = never
        .open_session(&request_with(Some(&compressed)))
        .unwrap();
    assert!(!reopened.is_new(), "the compressed cookie was accepted");
    assert_eq!(reopened.note(), &"a".repeat(200));
    reopened.set_note("b".repeat(200));
    let rewritten = never.encode_session(&reopened).unwrap();
    assert!(!rewritten.starts_with('.'));
}

#[test]
fn unknown_keys_survive_a_round_trip() {
    let key = SecretKey::from_text("k").unwrap();
    let flask: Dict = [
        ("_user_id", Value::from("42")),
        ("_fresh", Value::Bool(true)),
        ("_id", Value::from("abc")),
        ("theme_version", Value::from("not-a-number")),
    ]
    .into_iter()
    .collect();
    let cookie = SessionCodec::flask(key.clone())
        .dumps_session(&flask, 100)
        .unwrap();
    let i = SecureCookieSessionInterface::new(
        UserSession::default_config().with_secret_key(key.clone()),
    )
    .unwrap()
    .with_clock(|| SystemTime::UNIX_EPOCH + Duration::from_secs(200));
    let mut s: UserSession = i.open_session(&request_with(Some(&cookie))).unwrap();
    assert!(!s.is_new());
    assert_eq!(s.user().as_deref(), Some("42"));
    assert_eq!(
        *s.theme_version(),
        1,
        "a value that does not fit reads as the default"
    );
    s.cart_mut().push((1, 1));
    let mut h = http::HeaderMap::new();
    i.save_session(&s, &mut h).unwrap();
    let set = h["set-cookie"].to_str().unwrap();
    let value = set
        .trim_start_matches("session=")
        .split(';')
        .next()
        .unwrap();
    let back = SessionCodec::flask(key)
        .loads_session(value, 200, None)
        .unwrap()
        .value;
    assert_eq!(back.get("_fresh"), Some(&Value::Bool(true)));
    assert_eq!(back.get("_id"), Some(&Value::from("abc")));
    assert_eq!(
        back.get("theme_version"),
        Some(&Value::from("not-a-number")),
        "kept unchanged"
    );
    assert_eq!(back.get("_user_id"), Some(&Value::from("42")));
    assert_eq!(back.len(), 5);
}

fn interface_for<S: SessionData>() -> SecureCookieSessionInterface {
    SecureCookieSessionInterface::new(
        S::default_config().with_secret_key(SecretKey::from_text("k").unwrap()),
    )
    .unwrap()
    .with_clock(|| SystemTime::UNIX_EPOCH + Duration::from_secs(1_000))
}

/// A request carrying `cookie` as its `session` cookie, if any.
fn request_with(cookie: Option<&str>) -> http::request::Parts {
    let mut b = http::Request::builder();
    if let Some(c) = cookie {
        b = b.header("cookie", format!("session={c}"));
    }
    b.body(()).unwrap().into_parts().0
}

fn open<S: SessionData>(cookie: Option<&str>) -> S {
    interface_for::<S>()
        .open_session(&request_with(cookie))
        .unwrap()
}

fn save<S: SessionData>(s: &S) -> (Option<String>, Option<String>) {
    let mut h = http::HeaderMap::new();
    interface_for::<S>().save_session(s, &mut h).unwrap();
    let get = |n: &str| h.get(n).map(|v| v.to_str().unwrap().to_owned());
    (get("set-cookie"), get("vary"))
}

/// A plain session (no container options) for the state tests.
#[session]
pub struct Plain {
    /// A counter.
    n: u32,
    /// A list.
    items: Vec<String>,
}

#[test]
fn accessors_mark_exactly_what_the_save_rules_need() {
    // Untouched new session: nothing at all.
    let s: Plain = open(None);
    assert_eq!(save(&s), (None, None));
    // Read only: Vary, no cookie.
    let s: Plain = open(None);
    let _ = s.n();
    assert_eq!(save(&s), (None, Some("Cookie".into())));
    // Take of an absent key (Flask's pop): accessed, not modified.
    let mut s: Plain = open(None);
    assert_eq!(s.take_items(), Vec::<String>::new());
    assert!(!s.is_modified());
    assert_eq!(save(&s), (None, Some("Cookie".into())));
    // Each writer marks modified and makes the key present.
    for write in [
        (|s: &mut Plain| s.set_n(0)) as fn(&mut Plain),
        |s| *s.n_mut() += 1,
        |s| s.items_mut().push("x".into()),
    ] {
        let mut s: Plain = open(None);
        write(&mut s);
        assert!(s.is_modified());
        let (set, vary) = save(&s);
        assert!(set.unwrap().starts_with("session=eyJ"), "a cookie is set");
        assert_eq!(vary.as_deref(), Some("Cookie"));
    }
    // Loaded session: take of a present key removes it; emptied -> deleted.
    let cookie = SessionCodec::flask(SecretKey::from_text("k").unwrap())
        .dumps_session(&[("n", 5)].into_iter().collect(), 990)
        .unwrap();
    let mut s: Plain = open(Some(&cookie));
    assert!(!s.is_new() && !s.is_modified());
    assert_eq!(s.take_n(), 5);
    assert!(s.is_modified() && s.is_empty());
    let (set, _) = save(&s);
    assert!(
        set.unwrap()
            .starts_with("session=; Expires=Thu, 01 Jan 1970"),
        "emptied: deleted"
    );
    // clear() on a loaded session deletes it too; is_permanent reads _permanent.
    let mut s: Plain = open(Some(&cookie));
    s.clear();
    assert!(save(&s).0.unwrap().starts_with("session=;"));
    let mut s: Plain = open(None);
    s.set_permanent(true);
    assert!(s.is_permanent());
    assert!(save(&s).0.unwrap().contains("; Expires="));
}

#[test]
fn null_typed_session_refuses_writes_loudly() {
    use sessionkit::lifecycle::SessionHandle;
    use sessionkit::lifecycle::SessionLifecycle;
    let app = SessionLifecycle::<Plain>::new(
        SecureCookieSessionInterface::new(Plain::default_config()).unwrap(),
    );
    let r = app.run_sync(http::Request::new(()), |req| {
        let h = SessionHandle::<Plain>::from_request(&req).unwrap();
        let mut s = h.lock();
        assert_eq!(*s.n(), 0);
        s.set_n(3);
        assert_eq!(*s.n(), 0, "the write was refused");
        http::Response::new(Vec::new())
    });
    assert_eq!(r.status(), 500);
    assert!(r.headers().get("set-cookie").is_none());
}

mod generated_writer {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use sessionkit::codec::{Dict, to_value, write_session_json};
    use sessionkit::{SessionData, session};

    /// Wire names chosen to interleave with the kept keys below.
    #[session]
    pub struct Mixed {
        #[session(rename = "b")]
        b: u32,
        #[session(rename = "d")]
        d: String,
        #[session(rename = "f")]
        f: Vec<(u8, String)>,
        #[session(rename = "é")]
        accent: Option<f64>,
        #[session(rename = "_a")]
        a: BTreeMap<String, i64>,
    }

    fn extra_key() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["a", "c", "e", "g", "_", "z", "é2", " t", "_permanent"])
            .prop_map(str::to_owned)
    }

    proptest! {
        #![proptest_config(crate::support::seeded("macro_session", ProptestConfig::default()))]

        #[test]
        fn streaming_write_equals_the_tree_write(
            set in proptest::collection::vec(any::<bool>(), 5),
            b in any::<u32>(),
            d in ".{0,6}",
            f in proptest::collection::vec((any::<u8>(), "[a-z]{0,3}"), 0..3),
            accent in proptest::option::of(any::<f64>()),
            a in proptest::collection::btree_map("[a-c]{1,2}", any::<i64>(), 0..3),
            extras in proptest::collection::vec((extra_key(), any::<i64>()), 0..4),
        ) {
            let dict: Dict = extras.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            let mut s = Mixed::from_dict(dict.clone()).unwrap();
            let mut expected = dict;
            macro_rules! maybe {
                ($i:expr, $setter:ident, $key:expr, $v:expr) => {
                    if set[$i] {
                        s.$setter($v.clone());
                        expected.insert($key, to_value(&$v).unwrap());
                    }
                };
            }
            maybe!(0, set_b, "b", b);
            maybe!(1, set_d, "d", d);
            maybe!(2, set_f, "f", f);
            maybe!(3, set_accent, "é", accent);
            maybe!(4, set_a, "_a", a);
            let mut ours = Vec::new();
            s.write_json(&mut ours, 512).unwrap();
            let mut tree = Vec::new();
            write_session_json(&mut tree, &expected, 512).unwrap();
            prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(tree).unwrap());
            prop_assert_eq!(s.is_empty_session(), expected.is_empty());
        }
    }
}

/// Maps with integer keys, typed and dynamic: written as Flask writes the
/// Python dict `{"by_id": {100: ..., -1: ..., 10: ..., 9: ...}}` (its `json`
/// sorts the integers, then writes them as text; the expected text is
/// Flask 3.1.3's), and read back into the same map.
#[test]
fn integer_keys_are_written_in_number_order() {
    use std::collections::{BTreeMap, HashMap};

    #[session]
    #[derive(Debug, Clone)]
    pub struct ById {
        by_id: HashMap<i64, String>,
    }

    let map: HashMap<i64, String> = [100, -1, 10, 9]
        .into_iter()
        .map(|k| (k, k.to_string()))
        .collect();
    let flask = r#"{"by_id":{"-1":"-1","9":"9","10":"10","100":"100"}}"#;

    let mut typed = ById::default();
    typed.set_by_id(map.clone());
    let mut json = Vec::new();
    typed.write_json(&mut json, 64).unwrap();
    assert_eq!(String::from_utf8(json).unwrap(), flask);

    let mut dynamic = sessionkit::DynamicSession::default();
    dynamic.insert_as("by_id", &map).unwrap();
    let mut json = Vec::new();
    dynamic.write_json(&mut json, 64).unwrap();
    assert_eq!(String::from_utf8(json).unwrap(), flask);

    // Read back (the keys are strings in the cookie, numbers in the map).
    let cookie =
        SessionCodec::flask(SecretKey::from_text("k").unwrap()).sign_json(flask.as_bytes(), 1_000);
    let opened: ById = open(Some(&cookie));
    assert_eq!(*opened.by_id(), map);
    let sorted: BTreeMap<i64, String> = opened.by_id().clone().into_iter().collect();
    assert_eq!(sorted.keys().copied().collect::<Vec<_>>(), [-1, 9, 10, 100]);
}

/// The same keys as `dict`, written by a dynamic session: the reference.
fn dynamic_json(dict: &Dict, max_depth: usize) -> Result<String, sessionkit::codec::EncodeError> {
    let mut s = sessionkit::DynamicSession::default();
    for (k, v) in dict.iter() {
        s.set_key(&k.to_string(), v.clone()).unwrap();
    }
    let mut out = Vec::new();
    s.write_json(&mut out, max_depth)?;
    Ok(String::from_utf8(out).unwrap())
}

fn typed_json<S: SessionData>(
    s: &S,
    max_depth: usize,
) -> Result<String, sessionkit::codec::EncodeError> {
    let mut out = Vec::new();
    s.write_json(&mut out, max_depth)?;
    Ok(String::from_utf8(out).unwrap())
}

#[test]
fn keys_by_name_reach_fields_kept_keys_and_permanent() {
    let mut s = UserSession::default();
    // Absent everywhere.
    for key in ["_user_id", "cart", "_permanent", "other"] {
        assert_eq!(s.get_key(key), None, "{key}");
    }
    // A declared field, by its wire name.
    s.set_key("_user_id", Value::from("ada")).unwrap();
    assert_eq!(s.user().as_deref(), Some("ada"));
    assert_eq!(s.get_key("_user_id"), Some(Value::from("ada")));
    assert!(
        s.set_key("theme_version", Value::from("not a number"))
            .is_err(),
        "a declared field takes only its type"
    );
    // A kept key, and `_permanent` in its own slot.
    s.set_key("other", Value::Int(3)).unwrap();
    assert_eq!(s.get_key("other"), Some(Value::Int(3)));
    assert!(!s.is_permanent_session());
    s.set_key("_permanent", Value::Bool(true)).unwrap();
    assert!(s.is_permanent_session());
    assert_eq!(s.get_key("_permanent"), Some(Value::Bool(true)));
    assert_eq!(s.get_key("missing"), None);
    assert_eq!(
        typed_json(&s, 64).unwrap(),
        r#"{"_permanent":true,"_user_id":"ada","other":3}"#
    );
}

#[test]
fn a_lone_tag_key_is_escaped_as_flask_does() {
    // Flask escapes a dict whose only key is a tag key (`" di"`); a typed
    // session holding just such a key writes the same bytes.
    for key in [" t", " u", " d", " di", "_permanent", "other"] {
        for value in [Value::Int(1), Value::from("x")] {
            let mut s = Plain::default();
            s.set_key(key, value.clone()).unwrap();
            let dict: Dict = [(key, value.clone())].into_iter().collect();
            assert_eq!(typed_json(&s, 64), dynamic_json(&dict, 64), "{key}");
            // Beside a declared field nothing is escaped.
            s.set_n(2);
            let mut dict = dict;
            dict.insert("n", Value::Int(2));
            assert_eq!(typed_json(&s, 64), dynamic_json(&dict, 64), "{key} with n");
        }
    }
    let mut s = Plain::default();
    s.set_key(" t", Value::Int(1)).unwrap();
    assert_eq!(typed_json(&s, 64).unwrap(), r#"{" di":{" t__":1}}"#);
}

#[test]
fn the_depth_limit_counts_the_session_itself() {
    // A list nested `n` deep inside the session is `n + 1` levels: the
    // typed writer refuses exactly where the dynamic one does.
    for n in 1..6 {
        let mut nested = Value::Int(0);
        for _ in 0..n {
            nested = Value::List(vec![nested]);
        }
        let mut s = Plain::default();
        s.set_n(1);
        s.set_key("deep", nested.clone()).unwrap();
        let dict: Dict = [("deep", nested), ("n", Value::Int(1))]
            .into_iter()
            .collect();
        for max_depth in 0..8 {
            let typed = typed_json(&s, max_depth);
            assert_eq!(typed, dynamic_json(&dict, max_depth), "{n} in {max_depth}");
            assert_eq!(typed.is_ok(), n < max_depth, "{n} in {max_depth}");
        }
    }
}

/// A session with a nested declared field.
#[session]
pub struct Nested {
    /// Three lists deep.
    v: Vec<Vec<Vec<u32>>>,
}

#[test]
fn the_depth_limit_of_a_declared_field_names_the_session_limit() {
    let mut s = Nested::default();
    s.set_v(vec![vec![vec![1]]]);
    let v = Value::List(vec![Value::List(vec![Value::List(vec![Value::Int(1)])])]);
    let dict: Dict = [("v", v)].into_iter().collect();
    let mut other = dict.clone();
    other.insert("w", Value::Int(0));
    s.set_key("w", Value::Int(0)).unwrap();
    for max_depth in 0..7 {
        let typed = typed_json(&s, max_depth);
        assert_eq!(typed, dynamic_json(&other, max_depth), "{max_depth}");
        assert_eq!(typed.is_ok(), max_depth >= 4, "{max_depth}");
    }
}

/// A session compared with `==`.
#[session]
#[derive(Debug, PartialEq)]
pub struct Compared {
    /// A counter.
    n: u32,
}

#[test]
fn equality_compares_the_content_not_the_flags() {
    let a = Compared::default();
    let mut b = Compared::default();
    assert_eq!(a, b);
    let _ = b.n(); // accessed
    assert!(b.state().is_accessed());
    assert_eq!(a, b, "flags are not compared");
    b.set_key("other", Value::Int(1)).unwrap();
    assert_ne!(a, b, "a kept key differs");
    let mut c = Compared::default();
    c.set_key("_permanent", Value::Bool(true)).unwrap();
    assert_ne!(a, c, "_permanent differs");
    let mut d = Compared::default();
    d.set_key("other", Value::Int(1)).unwrap();
    assert_eq!(b, d);
    d.set_n(3);
    assert_ne!(b, d, "a field differs");
}

#[test]
fn whole_session_reads_mark_it_accessed() {
    // Like Flask, reading whether the session is empty or permanent
    // accesses it (so the response gets `Vary: Cookie`).
    let s = Plain::default();
    assert!(!s.state().is_accessed());
    assert!(s.is_empty());
    assert!(s.state().is_accessed());
    let s = Plain::default();
    assert!(!s.is_permanent());
    assert!(s.state().is_accessed());
    // The flags themselves do not.
    let s = Plain::default();
    assert!(s.is_new() && !s.is_modified());
    assert!(!s.state().is_accessed());
}

/// `SessionTester::open` reads a typed session back as the server would:
/// a value that does not fit its field reads as absent and is kept; a
/// cookie signed with another key is refused.
#[test]
fn the_tester_opens_typed_sessions_as_the_server_does() {
    use sessionkit::DynamicSession;
    use sessionkit::codec::DecodeError;
    use sessionkit::testing::SessionTester;
    let key = || SecretKey::from_text("tester-key").unwrap();
    let typed = SessionTester::<CrossSite>::new(key()).unwrap();
    let dynamic = SessionTester::<DynamicSession>::new(key()).unwrap();
    let value = |cookie: String| cookie["session=".len()..].to_owned();
    let cookie = |n: Value| {
        value(
            dynamic
                .cookie(|s| {
                    s.insert("n", n);
                })
                .unwrap(),
        )
    };

    assert_eq!(
        typed.open(&cookie(Value::Int(7))).map(|s| *s.n()).ok(),
        Some(7)
    );
    let Ok(misfit) = typed.open(&cookie(Value::from("seven"))) else {
        panic!("a value that does not fit is not an error");
    };
    assert_eq!(*misfit.n(), 0);
    let mut json = Vec::new();
    misfit.write_json(&mut json, 16).unwrap();
    assert_eq!(json, br#"{"n":"seven"}"#, "kept and written back unchanged");

    let theirs =
        SessionTester::<DynamicSession>::new(SecretKey::from_text("other").unwrap()).unwrap();
    let foreign = value(
        theirs
            .cookie(|s| {
                s.insert("n", 7);
            })
            .unwrap(),
    );
    assert_eq!(
        typed.open(&foreign).err(),
        Some(DecodeError::SignatureMismatch)
    );
}

/// For an app with `app.json.ensure_ascii = False`: its cookies byte for
/// byte.
#[session(ensure_ascii = false)]
struct Utf8Json {
    user: String,
}

#[test]
fn ensure_ascii_false_writes_the_json_as_utf8() {
    assert!(!Utf8Json::default_config().json_ensure_ascii);
    assert!(UserSession::default_config().json_ensure_ascii);
    let i = SecureCookieSessionInterface::new(
        Utf8Json::default_config().with_secret_key(SecretKey::from_text("k").unwrap()),
    )
    .unwrap()
    .with_clock(|| SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000));
    let mut s = Utf8Json::default();
    s.set_user("ü".into());
    let mut h = http::HeaderMap::new();
    i.save_session(&s, &mut h).unwrap();
    // Flask 3.1.3 with `app.json.ensure_ascii = False`, key "k", this time.
    assert_eq!(
        h["set-cookie"],
        "session=eyJ1c2VyIjoiw7wifQ.aSSBAA.QDlc1PKduNYdkLPgn356Ic0Yveo; HttpOnly; Path=/; SameSite=Lax"
    );
}
