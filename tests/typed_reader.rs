//! A `#[session]` struct opens by reading its declared fields straight from
//! the cookie's JSON text. That must give exactly what the tree path gives
//! (parse the payload into a `Dict`, then `from_dict`): the same fields, the
//! same kept keys, the same bytes written back, the same errors — for any
//! payload, in any JSON spelling, with repeated keys and values that do not
//! fit their fields.

mod support;

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use sessionkit::codec::{Markup, PyString, Value, parse_session_json, to_value};
use sessionkit::error::OpenError;
use sessionkit::{SessionData, session};
use support::strategies::{float, key, value};

#[derive(Serialize, Deserialize, Debug, PartialEq, Default, Clone)]
struct Rec {
    a: u8,
    b: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Default, Clone)]
enum Kind {
    #[default]
    A,
    B(u8),
    C {
        x: i32,
    },
}

#[session]
#[derive(Debug)]
struct Wide {
    n: u64,
    i: i32,
    s: String,
    o: Option<String>,
    b: bool,
    f: f64,
    bytes: Vec<u8>,
    flashes: Vec<(String, String)>,
    pair: (u8, u8),
    map: BTreeMap<String, u32>,
    imap: HashMap<u32, bool>,
    rec: Rec,
    kind: Kind,
    v: Value,
    list: Vec<Value>,
    c: char,
    unit: (),
    nested: Option<Vec<i64>>,
    opts: Vec<Option<bool>>,
    markup: Markup,
    big: u128,
    #[session(rename = "_user_id")]
    user: Option<String>,
}

/// The declared keys, and `_permanent` (kept, but held apart).
const DECLARED: [&str; 23] = [
    "n",
    "i",
    "s",
    "o",
    "b",
    "f",
    "bytes",
    "flashes",
    "pair",
    "map",
    "imap",
    "rec",
    "kind",
    "v",
    "list",
    "c",
    "unit",
    "nested",
    "opts",
    "markup",
    "big",
    "_user_id",
    "_permanent",
];

fn tv<T: Serialize>(v: T) -> Value {
    to_value(&v).expect("to_value")
}

/// A value of each declared field's own type, as a tree.
fn fitting() -> impl Strategy<Value = Vec<(&'static str, Value)>> {
    let a = (
        any::<u64>(),
        any::<i32>(),
        any::<String>(),
        any::<Option<String>>(),
        any::<bool>(),
        float(),
        proptest::collection::vec(any::<u8>(), 0..4),
        proptest::collection::vec(("[a-z]{0,5}", any::<String>()), 0..3),
        any::<(u8, u8)>(),
        proptest::collection::btree_map("[a-z\"\\\\]{0,3}", any::<u32>(), 0..4),
        proptest::collection::hash_map(any::<u32>(), any::<bool>(), 0..3),
    );
    let b = (
        (any::<u8>(), any::<Option<String>>()),
        prop_oneof![
            Just(Kind::A),
            any::<u8>().prop_map(Kind::B),
            any::<i32>().prop_map(|x| Kind::C { x })
        ],
        value(),
        proptest::collection::vec(value(), 0..3),
        any::<char>(),
        any::<Option<Vec<i64>>>(),
        proptest::collection::vec(any::<Option<bool>>(), 0..3),
        any::<String>(),
        any::<u128>(),
        any::<Option<String>>(),
    );
    (a, b).prop_map(
        |(
            (n, i, s, o, b, f, bytes, flashes, pair, map, imap),
            ((ra, rb), kind, v, list, c, nested, opts, markup, big, user),
        )| {
            vec![
                ("n", tv(n)),
                ("i", tv(i)),
                ("s", tv(s)),
                ("o", tv(o)),
                ("b", tv(b)),
                ("f", tv(f)),
                ("bytes", tv(bytes)),
                ("flashes", tv(flashes)),
                ("pair", tv(pair)),
                ("map", tv(map)),
                ("imap", tv(imap)),
                ("rec", tv(Rec { a: ra, b: rb })),
                ("kind", tv(kind)),
                ("v", v),
                ("list", tv(list)),
                ("c", tv(c)),
                ("unit", Value::Null),
                ("nested", tv(nested)),
                ("opts", tv(opts)),
                ("markup", tv(Markup(markup))),
                ("big", tv(big)),
                ("_user_id", tv(user)),
                ("_permanent", Value::Bool(true)),
            ]
        },
    )
}

/// The top-level entries of a payload, in document order: declared keys
/// with fitting or arbitrary values (some repeated), and other keys.
fn entries() -> impl Strategy<Value = Vec<(PyString, Value)>> {
    (
        fitting(),
        proptest::collection::vec((0usize..4, value()), DECLARED.len()),
        proptest::collection::vec((key(), value()), 0..4),
        any::<u64>(),
    )
        .prop_map(|(fit, choices, extra, seed)| {
            let mut out = Vec::new();
            for ((name, good), (choice, any)) in fit.into_iter().zip(choices) {
                match choice {
                    0 => {}
                    1 => out.push((PyString::from(name), good)),
                    2 => out.push((PyString::from(name), any)),
                    _ => {
                        out.push((PyString::from(name), any));
                        out.push((PyString::from(name), good));
                    }
                }
            }
            out.extend(extra);
            // Any order: Flask sorts, but any JSON object must read the same.
            let mut s = seed;
            for i in (1..out.len()).rev() {
                s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                out.swap(i, (s >> 33) as usize % (i + 1));
            }
            out
        })
}

/// Writes the entries as one JSON object, then respells it: whitespace
/// after structural characters and `\u` escapes for some ASCII characters
/// inside strings.
fn payload(entries: &[(PyString, Value)], seed: u64) -> String {
    let mut compact = String::from("{");
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            compact.push(',');
        }
        compact.push_str(&Value::Str(k.clone()).to_flask_json().expect("key"));
        compact.push(':');
        compact.push_str(&v.to_flask_json().expect("value"));
    }
    compact.push('}');
    let mut s = seed;
    let mut roll = |n: u64| {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1442695040888963407);
        (s >> 33).is_multiple_of(n)
    };
    let mut out = String::new();
    let (mut in_string, mut escaped) = (false, false);
    // Characters still to copy verbatim (the hex digits of a `\u` escape).
    let mut verbatim = 0;
    for c in compact.chars() {
        if verbatim > 0 {
            out.push(c);
            verbatim -= 1;
        } else if !in_string {
            out.push(c);
            if c == '"' {
                in_string = true;
            } else if matches!(c, '{' | '[' | ',' | ':') && roll(3) {
                out.push_str(if roll(2) { " " } else { "\n\t " });
            }
        } else if escaped {
            out.push(c);
            escaped = false;
            if c == 'u' {
                verbatim = 4;
            }
        } else if c == '\\' {
            out.push(c);
            escaped = true;
        } else if c == '"' {
            out.push(c);
            in_string = false;
        } else if c.is_ascii_alphanumeric() && roll(4) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Deletes, replaces or inserts a few characters (JSON punctuation mostly).
fn mangle(json: &str, seed: u64) -> String {
    let mut chars: Vec<char> = json.chars().collect();
    let mut s = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (s >> 33) as usize % n.max(1)
    };
    for _ in 0..=next(3) {
        let at = next(chars.len() + 1);
        let c = [
            '"', '{', '}', '[', ']', ',', ':', ' ', '\\', 'a', '1', '\u{8}',
        ][next(12)];
        match next(3) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 if at < chars.len() => chars[at] = c,
            _ => chars.insert(at, c),
        }
    }
    chars.into_iter().collect()
}

fn tree_path(json: &[u8]) -> Result<Wide, OpenError> {
    Ok(Wide::from_dict(parse_session_json(json, 64)?)?)
}

fn written(s: &Wide) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    s.write_json(&mut out, 64).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Checks one payload; whether it opened.
fn check(json: &str) -> bool {
    let direct = Wide::from_json(json.as_bytes(), 64);
    let tree = tree_path(json.as_bytes());
    match (direct, tree) {
        (Ok(d), Ok(t)) => {
            assert_eq!(written(&d), written(&t), "{json}");
            // The kept keys themselves (the macro's hidden metadata field),
            // including any a declared field would supersede on writing.
            assert_eq!(d.__sessionkit, t.__sessionkit, "{json}");
            for k in DECLARED {
                assert_eq!(d.get_key(k), t.get_key(k), "{k} in {json}");
            }
            assert_eq!(d.is_permanent_session(), t.is_permanent_session());
            assert_eq!(d.is_empty_session(), t.is_empty_session());
            true
        }
        (Err(_), Err(_)) => false,
        (d, t) => panic!("{json}: direct {d:?}, tree {t:?}"),
    }
}

#[test]
fn direct_reading_equals_the_tree_path() {
    use proptest::test_runner::{Config, TestRunner};
    let opened = std::cell::Cell::new(0);
    let cases = 600;
    TestRunner::new(support::seeded(
        "direct_reading_equals_the_tree_path",
        Config::with_cases(cases),
    ))
    .run(&(entries(), any::<u64>()), |(e, seed)| {
        let json = payload(&e, seed);
        if check(&json) {
            opened.set(opened.get() + 1);
        }
        // The same payload with a few characters deleted, replaced or
        // inserted: mostly invalid, and both paths must say so.
        check(&mangle(&json, seed));
        Ok(())
    })
    .unwrap();
    // Most generated payloads are sessions (a few are tag objects or too
    // deep), so the comparison is mostly between two successes.
    assert!(
        opened.get() > cases * 3 / 4,
        "{} of {cases} opened",
        opened.get()
    );
}

#[test]
fn direct_reading_keeps_what_does_not_fit() {
    let json = r#"{"_permanent":true,"n":"not a number","pair":[1,2,3],"map":{"a":1,"a":2},
        "flashes":[{" t":["message","hi"]}],"zz":{" b":"AQI="},"n":"still not"}"#;
    check(json);
    let s = Wide::from_json(json.as_bytes(), 64).expect("opens");
    assert!(s.is_permanent_session());
    assert_eq!(*s.n(), 0);
    assert_eq!(*s.pair(), (0, 0));
    assert_eq!(s.map().get("a"), Some(&2));
    assert_eq!(*s.flashes(), [("message".to_owned(), "hi".to_owned())]);
    let out = String::from_utf8(written(&s).expect("writes")).expect("utf-8");
    assert_eq!(
        out,
        r#"{"_permanent":true,"flashes":[{" t":["message","hi"]}],"map":{"a":2},"n":"still not","pair":[1,2,3],"zz":{" b":"AQI="}}"#
    );
}

#[test]
fn errors_and_odd_payloads_open_as_the_tree_path_does() {
    for json in [
        "null",
        "[]",
        "{}",
        r#"{" t":[1]}"#,
        r#"{" di":{"n":1}}"#,
        r#"{"n":1,}"#,
        r#"{"n":1} x"#,
        r#"{"n":{" d":"garbage"}}"#,
        r#"{"v":[1,]}"#,
        r#"{"n":"\ud800"}"#,
        "\u{feff}{}",
        r#"{"n":18446744073709551616}"#,
        // Found by the typed_reader fuzz target: a key without its opening
        // quote, after other keys and inside a nested object.
        "{\"n\":5,\u{8}s\":\"str\"}",
        "{\"map\":{\"a\":1,b\":2}}",
        "{\"rec\":{\"a\":1,b\":\"x\"}}",
    ] {
        check(json);
    }
    // Python's json.loads keeps a repeated key's last value before Flask
    // untags anything, so a bad tag in a dropped value is no error.
    for json in [
        r#"{"n":{" b":"\u00e9"},"n":7,"zz":[{"k":{" u":"no"},"k":1}]}"#,
        r#"{"zz":{" t":{" d":[1]}},"n":7,"zz":{" b":"AQI="}}"#,
    ] {
        assert!(check(json), "{json} opens");
        let s = Wide::from_json(json.as_bytes(), 64).expect("opens");
        assert_eq!(*s.n(), 7);
    }
    // A bad tag that survives still fails, on both paths.
    assert!(!check(r#"{"n":7,"zz":{" b":"\u00e9"},"n":8}"#));
    let deep = format!(r#"{{"list":{}1{}}}"#, "[".repeat(70), "]".repeat(70));
    check(&deep);
    assert!(Wide::from_json(deep.as_bytes(), 64).is_err());
}

/// A list of lists, as deep as the cookie says.
#[derive(Serialize, Deserialize, Debug, PartialEq, Default, Clone)]
struct Nest(Vec<Nest>);

fn nest_depth(mut n: &Nest) -> usize {
    let mut depth = 0;
    while let Some(inner) = n.0.first() {
        depth += 1;
        n = inner;
    }
    depth
}

#[session]
struct Deep {
    t: Nest,
    n: u8,
}

/// The reader takes 512 levels by default, but a field's value is read
/// into its type only up to `from_value`'s 128: a deeper one does not fit
/// (the field reads its default and the key is written back unchanged),
/// whichever path reads it. The direct path hands deep values to the tree
/// path early, so it must never decide one the tree path would refuse.
#[test]
fn values_deeper_than_from_value_reads_do_not_fit_on_either_path() {
    for (levels, fits) in [(10, true), (100, true), (150, false), (300, false)] {
        let json = format!(
            r#"{{"n":1,"t":{}{}}}"#,
            "[".repeat(levels + 1),
            "]".repeat(levels + 1)
        );
        let direct = Deep::from_json(json.as_bytes(), 512).expect("opens");
        let tree = Deep::from_dict(parse_session_json(json.as_bytes(), 512).expect("parses"))
            .expect("opens");
        let depth = |s: &Deep| (nest_depth(s.t()), *s.n());
        assert_eq!(depth(&direct), depth(&tree), "{levels} levels");
        let expected = if fits { levels } else { 0 };
        assert_eq!(depth(&direct), (expected, 1), "{levels} levels");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        direct.write_json(&mut a, 512).expect("writes");
        tree.write_json(&mut b, 512).expect("writes");
        assert_eq!(a, b, "{levels} levels");
        assert_eq!(
            a,
            json.as_bytes(),
            "{levels} levels: written back unchanged"
        );
    }
}
