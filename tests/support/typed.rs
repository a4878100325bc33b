//! The vectors' "typed value" convention (`{"t": kind, ...}`), which is also
//! what the live Flask helper speaks, converted to and from [`Value`].

use serde_json::{Value as Json, json};
use sessionkit::codec::{DateTime, Dict, PyString, SecretKey, Uuid, Value};

/// The Flask vector file (`tests/data/flask-sessions.json`).
pub fn vectors() -> Json {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/flask-sessions.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("read vectors"))
        .expect("parse vectors")
}

/// A key object `{text, hex}`.
pub fn key(obj: &Json) -> SecretKey {
    SecretKey::from_hex(obj["hex"].as_str().expect("key hex")).expect("valid key")
}

pub fn parse_python_float(s: &str) -> f64 {
    match s {
        "nan" => f64::NAN,
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        other => other.parse().expect("python float repr"),
    }
}

fn string(t: &Json) -> PyString {
    match (t.get("v"), t.get("cps")) {
        (Some(v), _) => PyString::from(v.as_str().expect("str v")),
        (None, Some(cps)) => PyString::from_code_points(
            cps.as_array()
                .expect("cps")
                .iter()
                .map(|c| u32::try_from(c.as_u64().expect("cp")).expect("cp")),
        )
        .expect("code points"),
        _ => panic!("str without v or cps: {t}"),
    }
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The value, or `None` for what the model does not hold (a `date`, a
/// `Decimal`, a dict with non-string keys: Flask converts those on save).
pub fn to_value(t: &Json) -> Option<Value> {
    let v = &t["v"];
    Some(match t["t"].as_str().expect("kind") {
        "none" => Value::Null,
        "bool" => Value::Bool(v.as_bool().expect("bool")),
        "int" => Value::int_from_decimal(v.as_str().expect("int text")).expect("int"),
        "float" => Value::Float(parse_python_float(v.as_str().expect("float text"))),
        "str" => Value::Str(string(t)),
        "markup" => Value::Markup(string(t)),
        "bytes" => Value::Bytes(hex_bytes(t["hex"].as_str().expect("bytes hex"))),
        "list" => Value::List(v.as_array()?.iter().map(to_value).collect::<Option<_>>()?),
        "tuple" => Value::Tuple(v.as_array()?.iter().map(to_value).collect::<Option<_>>()?),
        "dict" => {
            let mut d = Dict::new();
            for pair in v.as_array()? {
                let Value::Str(k) = to_value(&pair[0])? else {
                    return None;
                };
                d.insert(k, to_value(&pair[1])?);
            }
            Value::Dict(d)
        }
        "uuid" => Value::Uuid(Uuid::parse_python(v.as_str()?)?),
        "datetime" => Value::DateTime(DateTime::parse_iso(v.as_str()?)?),
        _ => return None,
    })
}

fn string_typed(kind: &str, s: &PyString) -> Json {
    match s.as_str() {
        Some(text) => json!({"t": kind, "v": text}),
        None => json!({"t": kind, "cps": s.code_points().collect::<Vec<_>>()}),
    }
}

fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    // The codec writes Python's repr; reuse it through a one-element list.
    let json = Value::List(vec![Value::Float(f)])
        .to_flask_json()
        .expect("float");
    json.trim_matches(|c| c == '[' || c == ']').to_owned()
}

/// The typed form of a value, for the Flask helper.
pub fn from_value(v: &Value) -> Json {
    match v {
        Value::Null => json!({"t": "none"}),
        Value::Bool(b) => json!({"t": "bool", "v": b}),
        Value::Int(i) => json!({"t": "int", "v": i.to_string()}),
        Value::BigInt(b) => json!({"t": "int", "v": b.as_decimal()}),
        Value::Float(f) => json!({"t": "float", "v": float_repr(*f)}),
        Value::Str(s) => string_typed("str", s),
        Value::Markup(s) => string_typed("markup", s),
        Value::Bytes(b) => {
            json!({"t": "bytes", "hex": b.iter().map(|x| format!("{x:02x}")).collect::<String>()})
        }
        Value::List(items) => {
            json!({"t": "list", "v": items.iter().map(from_value).collect::<Vec<_>>()})
        }
        Value::Tuple(items) => {
            json!({"t": "tuple", "v": items.iter().map(from_value).collect::<Vec<_>>()})
        }
        Value::Dict(d) => {
            json!({"t": "dict", "v": d.iter().map(|(k, v)| json!([string_typed("str", k), from_value(v)])).collect::<Vec<_>>()})
        }
        Value::Uuid(u) => json!({"t": "uuid", "v": u.to_string()}),
        Value::DateTime(d) => json!({"t": "datetime", "v": d.to_string()}),
    }
}
