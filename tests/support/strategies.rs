//! proptest strategies for sessions Flask can hold.

use proptest::prelude::*;
use sessionkit::codec::{DateTime, Dict, PyString, Uuid, Value};

pub fn py_string() -> impl Strategy<Value = PyString> {
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

pub fn key() -> impl Strategy<Value = PyString> {
    prop_oneof![
        4 => py_string(),
        1 => prop::sample::select(vec![" t", " di", " b", " m", " u", " d", "_user_id", "csrf_token", "é"])
            .prop_map(PyString::from),
    ]
}

pub fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0, 1e16, 1e15, 5e-324, 1e-5, 0.1]),
        2 => -1e6f64..1e6f64,
    ]
}

pub fn datetime() -> impl Strategy<Value = DateTime> {
    // Years 2..9998 so that any offset converts to UTC within Python's range.
    (
        -62_104_060_800i64..253_370_764_800i64,
        -86_399i64..86_400i64,
    )
        .prop_filter_map("in range", |(secs, off)| {
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

pub fn leaf() -> impl Strategy<Value = Value> {
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

pub fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::List),
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Tuple),
            proptest::collection::vec((key(), inner), 0..5)
                .prop_map(|kv| Value::Dict(kv.into_iter().collect::<Dict>())),
        ]
    })
}

pub fn session() -> impl Strategy<Value = Dict> {
    proptest::collection::vec((key(), value()), 0..6).prop_map(|kv| kv.into_iter().collect())
}
