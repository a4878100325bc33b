//! Map keys that are not strings, ordered as Flask's JSON orders them.
//!
//! Python's `json.dumps(..., sort_keys=True)` sorts a dict's items by their
//! **original** keys and only then turns each key into text. So the integer
//! keys of a dict sort numerically (`"-1","9","10","100"`), not as text, and
//! a dict mixing keys that Python cannot compare (a string and a number,
//! `None` and anything) fails to save: a `TypeError`, which Flask answers
//! with a 500. A serde map with non-string keys is the Rust side of such a
//! dict; this module gives its keys their text and Python's order.

use std::cmp::Ordering;

use crate::codec::error::EncodeError;
use crate::codec::py::float::json_float_str;
use crate::codec::py::str::PyString;
use crate::codec::value::Value;

/// A map key as Python holds it before JSON turns it into text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PyKey {
    /// A string: ordered by code point.
    Str,
    /// `None`: comparable with nothing.
    None,
    /// An integer (`bool` included, as in Python) or a float.
    Num(Num),
}

/// A number key, compared exactly as Python compares `int` and `float`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

impl PyKey {
    /// Python's name of the key's type, for the error.
    fn type_name(self) -> &'static str {
        match self {
            PyKey::Str => "str",
            PyKey::None => "NoneType",
            PyKey::Num(Num::Int(_)) => "int",
            PyKey::Num(Num::Float(_)) => "float",
        }
    }

    fn is_num(self) -> bool {
        matches!(self, PyKey::Num(_))
    }
}

/// A serialised map key: its JSON text (as Python's `json` writes a key of
/// that type) and its [`PyKey`].
///
/// # Errors
///
/// [`EncodeError::KeyMustBeString`] for keys JSON cannot write (lists,
/// dicts, bytes, ...).
pub(crate) fn py_key(v: Value) -> Result<(PyString, PyKey), EncodeError> {
    Ok(match v {
        Value::Str(s) => (s, PyKey::Str),
        Value::Int(i) => (i.to_string().into(), PyKey::Num(Num::Int(i128::from(i)))),
        Value::BigInt(b) => {
            let text = b.as_decimal();
            // Beyond i128 (a custom `Serialize`), the float is near enough.
            let num = match text.parse::<i128>() {
                Ok(i) => Num::Int(i),
                Err(_) => Num::Float(text.parse().unwrap_or(f64::NAN)),
            };
            (text.into(), PyKey::Num(num))
        }
        Value::Bool(b) => (
            if b { "true" } else { "false" }.into(),
            PyKey::Num(Num::Int(i128::from(b))),
        ),
        Value::Null => ("null".into(), PyKey::None),
        Value::Float(f) => {
            let mut s = String::new();
            json_float_str(f, &mut s);
            (s.into(), PyKey::Num(Num::Float(f)))
        }
        _ => return Err(EncodeError::KeyMustBeString),
    })
}

/// Python's `a < b` for numbers: exact between `int` and `float`, and
/// false whenever a NaN takes part.
fn num_lt(a: Num, b: Num) -> bool {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x < y,
        (Num::Float(x), Num::Float(y)) => x < y,
        (Num::Int(x), Num::Float(y)) => int_cmp_float(x, y) == Some(Ordering::Less),
        (Num::Float(x), Num::Int(y)) => int_cmp_float(y, x) == Some(Ordering::Greater),
    }
}

/// `i` against `f` without rounding either (`None` for NaN).
fn int_cmp_float(i: i128, f: f64) -> Option<Ordering> {
    const TWO_127: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    if f.is_nan() {
        return None;
    }
    if f >= TWO_127 {
        return Some(Ordering::Less);
    }
    if f < -TWO_127 {
        return Some(Ordering::Greater);
    }
    let floor = f.floor();
    // In range, so the conversion is exact.
    let whole = floor as i128;
    Some(match i.cmp(&whole) {
        Ordering::Equal if f > floor => Ordering::Less,
        other => other,
    })
}

/// Whether `keys` need Python's order rather than code point order: `false`
/// when every key is a string.
///
/// # Errors
///
/// [`EncodeError::UnorderableKeys`] when two keys are of types Python cannot
/// compare (any two keys with different kinds among string, number and
/// `None`): sorting them always compares such a pair, so Flask's save fails.
pub(crate) fn needs_python_order(keys: impl Iterator<Item = PyKey>) -> Result<bool, EncodeError> {
    let mut first: Option<PyKey> = None;
    let mut all_str = true;
    for k in keys {
        all_str &= k == PyKey::Str;
        match first {
            None => first = Some(k),
            Some(f) if f.is_num() && k.is_num() => {}
            Some(f) if f == PyKey::Str && k == PyKey::Str => {}
            Some(f) => {
                return Err(EncodeError::UnorderableKeys(f.type_name(), k.type_name()));
            }
        }
    }
    Ok(!all_str)
}

/// Sorts `items` as CPython's `list.sort` orders them by the numbers
/// `num(item)`: stable, and for fewer than 64 items exactly its algorithm
/// (the first run, reversed if strictly descending, then binary insertion),
/// so even NaN keys, which compare false both ways, land where Python puts
/// them. (For 64 items or more Python merges runs; the order differs from
/// this one only when a NaN key is among them.)
/// Keys that are not numbers (a lone `None`: [`needs_python_order`] lets
/// nothing else through) compare as equal.
pub(crate) fn sort_like_python<T>(items: &mut [T], key: impl Fn(&T) -> PyKey) {
    let n = items.len();
    if n < 2 {
        return;
    }
    let num = |item: &T| match key(item) {
        PyKey::Num(n) => n,
        _ => Num::Int(0),
    };
    let lt = |a: &T, b: &T| num_lt(num(a), num(b));
    // count_run
    let mut run = 2;
    if lt(&items[1], &items[0]) {
        while run < n && lt(&items[run], &items[run - 1]) {
            run += 1;
        }
        items[..run].reverse();
    } else {
        while run < n && !lt(&items[run], &items[run - 1]) {
            run += 1;
        }
    }
    // binarysort
    for start in run..n {
        let (mut l, mut r) = (0, start);
        while l < r {
            let p = l + ((r - l) >> 1);
            if lt(&items[start], &items[p]) {
                r = p;
            } else {
                l = p + 1;
            }
        }
        items[l..=start].rotate_right(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(keys: &[Num]) -> Vec<Num> {
        let mut v = keys.to_vec();
        sort_like_python(&mut v, |&n| PyKey::Num(n));
        v
    }

    #[test]
    fn numbers_sort_as_python_sorts_them() {
        use Num::{Float as F, Int as I};
        assert_eq!(
            order(&[I(100), I(9), I(-1), I(10)]),
            [I(-1), I(9), I(10), I(100)]
        );
        // int and float compare exactly: 2^53 + 1 is above the float 2^53.
        let big = (1i128 << 53) + 1;
        assert_eq!(
            order(&[I(big), F(9007199254740992.0), F(1.5), I(1)]),
            [I(1), F(1.5), F(9007199254740992.0), I(big)]
        );
        assert_eq!(
            order(&[F(f64::INFINITY), F(0.5), F(f64::NEG_INFINITY)]),
            [F(f64::NEG_INFINITY), F(0.5), F(f64::INFINITY)]
        );
        // Values from CPython 3.11: sorted([...]) with NaN among them.
        let nan = F(f64::NAN);
        let same = |a: &[Num], b: &[Num]| {
            a.len() == b.len()
                && a.iter().zip(b).all(|(x, y)| match (x, y) {
                    (F(x), F(y)) => x.to_bits() == y.to_bits(),
                    _ => x == y,
                })
        };
        // sorted([nan, 1]) == [nan, 1]; sorted([3, nan, 1, 2]) == [3, nan, 1, 2];
        // sorted([3, 2, nan, 1]) == [1, 2, 3, nan]; sorted([2, 1, nan, 0, -1]) ==
        // [-1, 0, 1, 2, nan].
        for (input, want) in [
            (vec![nan, I(1)], vec![nan, I(1)]),
            (vec![I(3), nan, I(1), I(2)], vec![I(3), nan, I(1), I(2)]),
            // sorted([5, 6, nan, 1]) == [5, 6, nan, 1]: one ascending run,
            // which binary insertion alone would reorder.
            (vec![I(5), I(6), nan, I(1)], vec![I(5), I(6), nan, I(1)]),
            (vec![I(3), I(2), nan, I(1)], vec![I(1), I(2), I(3), nan]),
            (
                vec![I(2), I(1), nan, I(0), I(-1)],
                vec![I(-1), I(0), I(1), I(2), nan],
            ),
        ] {
            let got = order(&input);
            assert!(same(&got, &want), "{input:?}: {got:?}");
        }
    }

    #[test]
    fn int_against_float_is_exact() {
        assert_eq!(int_cmp_float(3, 2.5), Some(Ordering::Greater));
        assert_eq!(int_cmp_float(2, 2.5), Some(Ordering::Less));
        assert_eq!(int_cmp_float(-3, -2.5), Some(Ordering::Less));
        assert_eq!(int_cmp_float(2, 2.0), Some(Ordering::Equal));
        assert_eq!(int_cmp_float(i128::MAX, 1e39), Some(Ordering::Less));
        assert_eq!(int_cmp_float(i128::MIN, -1e39), Some(Ordering::Greater));
        assert_eq!(int_cmp_float(0, f64::NAN), None);
    }

    #[test]
    fn keys_of_every_scalar_kind_get_their_json_text() {
        let key = |v| py_key(v).map(|(text, k)| (text.to_string(), k));
        assert_eq!(
            key(Value::Bool(true)),
            Ok(("true".into(), PyKey::Num(Num::Int(1))))
        );
        assert_eq!(
            key(Value::Bool(false)),
            Ok(("false".into(), PyKey::Num(Num::Int(0))))
        );
        assert_eq!(
            key(Value::Float(1.5)),
            Ok(("1.5".into(), PyKey::Num(Num::Float(1.5))))
        );
        assert_eq!(
            key(Value::Int(-7)),
            Ok(("-7".into(), PyKey::Num(Num::Int(-7))))
        );
        assert_eq!(key(Value::Null), Ok(("null".into(), PyKey::None)));
        // Integers past i64 are Python ints too: exact up to i128, then
        // compared through the nearest float (CPython 3.11 sorts
        // {10**40: 1, 7: 2, 2**64: 3, -1.5: 4} as -1.5, 7, 2**64, 10**40).
        assert_eq!(
            key(Value::from(u128::from(u64::MAX) + 1)),
            Ok(("18446744073709551616".into(), PyKey::Num(Num::Int(1 << 64))))
        );
        let huge = Value::int_from_decimal(&format!("1{}", "0".repeat(40))).unwrap();
        assert_eq!(
            key(huge),
            Ok((format!("1{}", "0".repeat(40)), PyKey::Num(Num::Float(1e40))))
        );
        assert_eq!(key(Value::List(vec![])), Err(EncodeError::KeyMustBeString));
    }

    #[test]
    fn equal_keys_keep_their_order() {
        // Python's sort is stable: sorted([0.0, -0.0]) == [0.0, -0.0] and
        // sorted([-0.0, 0.0]) == [-0.0, 0.0].
        for input in [[0.0, -0.0], [-0.0, 0.0]] {
            let got = order(&input.map(Num::Float));
            let bits = |n: &Num| match n {
                Num::Float(f) => f.to_bits(),
                Num::Int(_) => unreachable!(),
            };
            assert_eq!(
                got.iter().map(bits).collect::<Vec<_>>(),
                input.map(f64::to_bits)
            );
        }
        // Equal integers too (keys a Rust map can hold apart: `true` and `1`).
        let mut items = [("true", Num::Int(1)), ("1", Num::Int(1))];
        for _ in 0..2 {
            let before = items;
            sort_like_python(&mut items, |&(_, n)| PyKey::Num(n));
            assert_eq!(items, before);
            items.reverse();
        }
        // -2^127 is exactly i128::MIN.
        assert_eq!(
            int_cmp_float(i128::MIN, -(2f64.powi(127))),
            Some(Ordering::Equal)
        );
        assert_eq!(
            int_cmp_float(i128::MIN + 1, -(2f64.powi(127))),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn mixed_kinds_cannot_be_sorted() {
        let n = PyKey::Num(Num::Int(1));
        let f = PyKey::Num(Num::Float(1.5));
        assert_eq!(needs_python_order([PyKey::Str; 3].into_iter()), Ok(false));
        assert_eq!(needs_python_order([n, f].into_iter()), Ok(true));
        assert_eq!(needs_python_order([PyKey::None].into_iter()), Ok(true));
        assert_eq!(
            needs_python_order([PyKey::Str, n].into_iter()),
            Err(EncodeError::UnorderableKeys("str", "int"))
        );
        assert_eq!(
            needs_python_order([f, PyKey::None].into_iter()),
            Err(EncodeError::UnorderableKeys("float", "NoneType"))
        );
    }
}
