//! The value model: what a Flask session can hold, tags included.

use std::fmt;

use indexmap::IndexMap;

use super::py::datetime::DateTime;
use super::py::str::PyString;

pub(crate) mod de;
pub(crate) mod key;
pub(crate) mod ser;

/// A value in a Flask session, as Flask's `TaggedJSONSerializer` sees it.
///
/// JSON's types plus the tagged ones (`tuple`, `bytes`, `Markup`, `UUID`,
/// `datetime`), integers of any size and Python strings (which may hold lone
/// surrogates).
///
/// Equality is structural: floats are equal when their bits are (so `NaN`
/// equals `NaN` and `-0.0` differs from `0.0`), a tuple never equals a list,
/// dicts compare as maps (order ignored), datetimes compare field by field
/// including their UTC offset.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{Dict, Value};
///
/// let mut d = Dict::new();
/// d.insert("user", "ada");
/// d.insert("cart", Value::Tuple(vec![Value::Int(7), Value::Int(2)]));
/// let v = Value::Dict(d);
/// assert_eq!(v.to_flask_json().unwrap(), r#"{"cart":{" t":[7,2]},"user":"ada"}"#);
/// ```
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `None` / `null` (the default).
    #[default]
    Null,
    /// `True` / `False`.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// An integer outside the `i64` range (Python ints have no size limit).
    BigInt(BigInt),
    /// A float, including `NaN`, the infinities and `-0.0`.
    Float(f64),
    /// A string.
    Str(PyString),
    /// A list (JSON array).
    List(Vec<Value>),
    /// A dict with string keys (JSON object).
    Dict(Dict),
    /// A tuple (tag `" t"`).
    Tuple(Vec<Value>),
    /// Bytes (tag `" b"`).
    Bytes(Vec<u8>),
    /// A markupsafe `Markup` string (tag `" m"`).
    Markup(PyString),
    /// A `uuid.UUID` (tag `" u"`).
    Uuid(Uuid),
    /// A `datetime.datetime` (tag `" d"`), whole seconds, with a UTC offset.
    DateTime(DateTime),
}

impl Value {
    /// A short name of the value's kind, as Python would call it (`dict`,
    /// `list`, `str`, ...), for messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, Value};
    ///
    /// assert_eq!(Value::from("x").kind(), "str");
    /// assert_eq!(Value::Dict(Dict::new()).kind(), "dict");
    /// assert_eq!(Value::Tuple(vec![]).kind(), "tuple");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "None",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Tuple(_) => "tuple",
            Value::Bytes(_) => "bytes",
            Value::Markup(_) => "Markup",
            Value::Uuid(_) => "UUID",
            Value::DateTime(_) => "datetime",
        }
    }

    /// The dict, if this is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, Value};
    ///
    /// let mut d = Dict::new();
    /// d.insert("a", 1);
    /// assert_eq!(Value::Dict(d).as_dict().map(Dict::len), Some(1));
    /// assert!(Value::from(1).as_dict().is_none());
    /// ```
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// The string, if this is a `str` without lone surrogates.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{PyString, Value};
    ///
    /// assert_eq!(Value::from("ada").as_str(), Some("ada"));
    /// // A lone surrogate (valid in Python, not in Rust) has no `&str`.
    /// let lone = PyString::from_code_points([0xd800]).unwrap();
    /// assert_eq!(Value::Str(lone).as_str(), None);
    /// assert_eq!(Value::from(1).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => s.as_str(),
            _ => None,
        }
    }

    /// The integer, if this is an `int` that fits in `i64`.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Value;
    ///
    /// assert_eq!(Value::from(42).as_i64(), Some(42));
    /// assert_eq!(Value::int_from_decimal("99999999999999999999").unwrap().as_i64(), None);
    /// assert_eq!(Value::Float(1.0).as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Python truthiness (`bool(value)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, Value};
    ///
    /// assert!(!Value::Null.is_truthy());
    /// assert!(!Value::from(0).is_truthy());
    /// assert!(!Value::from("").is_truthy());
    /// assert!(!Value::Dict(Dict::new()).is_truthy());
    /// assert!(Value::from("False").is_truthy()); // a non-empty string
    /// assert!(Value::Float(f64::NAN).is_truthy()); // as in Python
    /// ```
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::BigInt(_) => true,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) | Value::Markup(s) => !s.is_empty(),
            Value::List(v) | Value::Tuple(v) => !v.is_empty(),
            Value::Dict(d) => !d.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::Uuid(_) | Value::DateTime(_) => true,
        }
    }

    /// An integer from decimal text (`-?[0-9]+`), of any size.
    ///
    /// ```
    /// use sessionkit::codec::Value;
    /// assert_eq!(Value::int_from_decimal("-007"), Some(Value::Int(-7)));
    /// let big = Value::int_from_decimal("18446744073709551616").unwrap();
    /// assert_eq!(big.to_string(), "18446744073709551616");
    /// ```
    pub fn int_from_decimal(text: &str) -> Option<Value> {
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let trimmed = digits.trim_start_matches('0');
        if trimmed.len() <= 18 {
            let magnitude: i64 = if trimmed.is_empty() {
                0
            } else {
                trimmed.parse().ok()?
            };
            return Some(Value::Int(if neg { -magnitude } else { magnitude }));
        }
        if let Ok(v) = text.parse::<i64>() {
            return Some(Value::Int(v));
        }
        let mut s = String::with_capacity(trimmed.len() + 1);
        if neg {
            s.push('-');
        }
        s.push_str(trimmed);
        Some(Value::BigInt(BigInt(s.into_boxed_str())))
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::BigInt(a), Value::BigInt(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => {
                (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
            }
            (Value::Str(a), Value::Str(b)) | (Value::Markup(a), Value::Markup(b)) => a == b,
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => a == b,
            (Value::Dict(a), Value::Dict(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::Uuid(a), Value::Uuid(b)) => a == b,
            (Value::DateTime(a), Value::DateTime(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    /// Flask's tagged JSON text; see [`Value::to_flask_json`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_flask_json() {
            Ok(s) => f.write_str(&s),
            Err(_) => f.write_str("<unencodable value>"),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $v:ident $(as $conv:ty)?),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Self {
                Value::$v(x $(as $conv)?)
            }
        }
    )*};
}

value_from! {
    bool => Bool,
    i8 => Int as i64, i16 => Int as i64, i32 => Int as i64, i64 => Int,
    u8 => Int as i64, u16 => Int as i64, u32 => Int as i64,
    f64 => Float, f32 => Float as f64,
    PyString => Str, Dict => Dict, Uuid => Uuid, DateTime => DateTime,
}

impl From<u64> for Value {
    fn from(x: u64) -> Self {
        Value::from(u128::from(x))
    }
}

impl From<i128> for Value {
    fn from(x: i128) -> Self {
        match i64::try_from(x) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt(BigInt(x.to_string().into_boxed_str())),
        }
    }
}

impl From<u128> for Value {
    fn from(x: u128) -> Self {
        match i64::try_from(x) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt(BigInt(x.to_string().into_boxed_str())),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(PyString::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(PyString::from(s))
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// An integer outside the `i64` range, kept exactly as decimal digits.
///
/// Values inside the `i64` range are always [`Value::Int`], so equality of
/// values is equality of numbers.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::Value;
///
/// let Some(Value::BigInt(big)) = Value::int_from_decimal("-18446744073709551616") else {
///     panic!("beyond i64");
/// };
/// assert_eq!(big.as_decimal(), "-18446744073709551616");
/// assert_eq!(big.to_i128(), Some(-18_446_744_073_709_551_616));
/// assert_eq!(big.to_u128(), None);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BigInt(Box<str>);

impl BigInt {
    /// The decimal text: an optional `-`, then digits without leading zeros.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Value;
    ///
    /// let Some(Value::BigInt(big)) = Value::int_from_decimal("0009223372036854775808") else {
    ///     panic!("beyond i64");
    /// };
    /// assert_eq!(big.as_decimal(), "9223372036854775808"); // no leading zeros
    /// ```
    pub fn as_decimal(&self) -> &str {
        &self.0
    }

    /// The value as `i128`, if it fits.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Value;
    ///
    /// let Some(Value::BigInt(big)) = Value::int_from_decimal("9223372036854775808") else {
    ///     panic!("beyond i64");
    /// };
    /// assert_eq!(big.to_i128(), Some(i128::from(i64::MAX) + 1));
    /// ```
    pub fn to_i128(&self) -> Option<i128> {
        self.0.parse().ok()
    }

    /// The value as `u128`, if it fits.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Value;
    ///
    /// let text = "340282366920938463463374607431768211456"; // u128::MAX + 1
    /// let Some(Value::BigInt(big)) = Value::int_from_decimal(text) else { panic!() };
    /// assert_eq!(big.to_u128(), None);
    /// assert_eq!(big.as_decimal(), text);
    /// ```
    pub fn to_u128(&self) -> Option<u128> {
        self.0.parse().ok()
    }
}

impl fmt::Debug for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A UUID (Python's `uuid.UUID`), written by Flask as 32 lowercase hex digits.
///
/// ```
/// use sessionkit::codec::Uuid;
/// let u = Uuid::from_u128(0x12345678_1234_5678_1234_567812345678);
/// assert_eq!(u.to_string(), "12345678-1234-5678-1234-567812345678");
/// assert_eq!(u.simple(), "12345678123456781234567812345678");
/// ```
/// The default is the nil UUID (all zeros).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Uuid(u128);

impl Uuid {
    /// From its 128-bit integer value.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Uuid;
    ///
    /// assert_eq!(Uuid::from_u128(1).to_string(), "00000000-0000-0000-0000-000000000001");
    /// ```
    pub const fn from_u128(v: u128) -> Self {
        Uuid(v)
    }

    /// From its 16 bytes, big-endian (Python's `UUID(bytes=...)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Uuid;
    ///
    /// let mut bytes = [0u8; 16];
    /// bytes[15] = 1;
    /// assert_eq!(Uuid::from_bytes(bytes), Uuid::from_u128(1));
    /// ```
    pub const fn from_bytes(b: [u8; 16]) -> Self {
        Uuid(u128::from_be_bytes(b))
    }

    /// The 128-bit integer value (Python's `uuid.int`).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Uuid;
    ///
    /// assert_eq!(Uuid::from_u128(7).as_u128(), 7);
    /// ```
    pub const fn as_u128(&self) -> u128 {
        self.0
    }

    /// The 16 bytes, big-endian.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Uuid;
    ///
    /// assert_eq!(Uuid::from_u128(1).as_bytes()[15], 1);
    /// ```
    pub const fn as_bytes(&self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// 32 lowercase hex digits, no dashes (what Flask writes).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Uuid, Value};
    ///
    /// let u = Uuid::from_u128(0xff);
    /// assert_eq!(u.simple(), "000000000000000000000000000000ff");
    /// assert_eq!(Value::Uuid(u).to_flask_json()?, r#"{" u":"000000000000000000000000000000ff"}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn simple(&self) -> String {
        format!("{:032x}", self.0)
    }

    /// Parses a UUID as Python's `uuid.UUID(text)` does: `urn:` and `uuid:`
    /// removed, surrounding braces stripped, dashes removed, then exactly 32
    /// characters read as a hexadecimal integer (Python's `int(x, 16)`, which
    /// also allows surrounding whitespace, a `+` sign and `_` between digits).
    ///
    /// ```
    /// use sessionkit::codec::Uuid;
    /// let u = Uuid::parse_python("{12345678-1234-5678-1234-567812345678}").unwrap();
    /// assert_eq!(u.simple(), "12345678123456781234567812345678");
    /// assert!(Uuid::parse_python("nope").is_none());
    /// ```
    pub fn parse_python(text: &str) -> Option<Uuid> {
        let s = text.replace("urn:", "").replace("uuid:", "");
        let s = s.trim_matches(|c| c == '{' || c == '}').replace('-', "");
        if s.chars().count() != 32 {
            return None;
        }
        super::py::int::int16(&s).map(Uuid)
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({self})")
    }
}

impl fmt::Display for Uuid {
    /// The canonical dashed form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = format!("{:032x}", self.0);
        let (a, rest) = h.split_at(8);
        let (b, rest) = rest.split_at(4);
        let (c, rest) = rest.split_at(4);
        let (d, e) = rest.split_at(4);
        write!(f, "{a}-{b}-{c}-{d}-{e}")
    }
}

/// Dicts up to this many entries are a plain vector searched linearly (no
/// hash table to allocate or hash into); larger ones are an `IndexMap`.
const SMALL_DICT: usize = 8;

/// A dict with string keys, in insertion order (like a Python dict).
///
/// Flask writes keys sorted by code point whatever the insertion order; the
/// order is kept because Flask's tag decoding depends on it in rare cases
/// (`{" t": {"b":1,"a":2}}` reads as the tuple `("b", "a")`). Inserting an
/// existing key keeps its position and replaces the value, like Python.
/// Equality ignores the order, like Python's.
///
/// ```
/// use sessionkit::codec::Dict;
/// let mut d: Dict = [("b", 1), ("a", 2)].into_iter().collect();
/// d.insert("b", 3);
/// assert_eq!(d.keys().map(|k| k.to_string()).collect::<Vec<_>>(), ["b", "a"]);
/// assert_eq!(d, [("a", 2), ("b", 3)].into_iter().collect());
/// ```
#[derive(Clone, Default)]
pub struct Dict(Repr, Order);

/// The order a [`Dict`] is written in.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
enum Order {
    /// Sorted by key code point (string keys: every dict Flask reads).
    #[default]
    CodePoint,
    /// As the entries stand: a map whose original keys were not strings,
    /// already in the order Python sorts those keys in (see `value::key`).
    Given,
}

#[derive(Clone)]
enum Repr {
    Small(Vec<(PyString, Value)>),
    Map(IndexMap<PyString, Value>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Small(Vec::new())
    }
}

impl Dict {
    /// An empty dict.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Dict;
    ///
    /// assert!(Dict::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Dict(Repr::Small(Vec::new()), Order::CodePoint)
    }

    /// An empty dict with room for `n` entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Dict;
    ///
    /// let mut d = Dict::with_capacity(4);
    /// d.insert("a", 1);
    /// assert_eq!(d.len(), 1);
    /// ```
    pub fn with_capacity(n: usize) -> Self {
        if n <= SMALL_DICT {
            Dict(Repr::Small(Vec::with_capacity(n)), Order::CodePoint)
        } else {
            Dict(Repr::Map(IndexMap::with_capacity(n)), Order::CodePoint)
        }
    }

    /// Number of entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Dict;
    ///
    /// let d: Dict = [("a", 1), ("b", 2), ("a", 3)].into_iter().collect();
    /// assert_eq!(d.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Small(v) => v.len(),
            Repr::Map(m) => m.len(),
        }
    }

    /// Whether there are no entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Dict;
    ///
    /// let mut d = Dict::new();
    /// d.insert("a", 1);
    /// d.remove("a");
    /// assert!(d.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get_bytes(&self, key: &[u8]) -> Option<&Value> {
        match &self.0 {
            Repr::Small(v) => v.iter().find(|(k, _)| k.as_bytes() == key).map(|(_, v)| v),
            Repr::Map(m) => m.get(key),
        }
    }

    /// The value under `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, Value};
    ///
    /// let d: Dict = [("a", 1)].into_iter().collect();
    /// assert_eq!(d.get("a"), Some(&Value::Int(1)));
    /// assert_eq!(d.get("b"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.get_bytes(key.as_bytes())
    }

    /// The value under `key`, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, Value};
    ///
    /// let mut d: Dict = [("n", 1)].into_iter().collect();
    /// if let Some(v) = d.get_mut("n") {
    ///     *v = Value::Int(2);
    /// }
    /// assert_eq!(d.get("n"), Some(&Value::Int(2)));
    /// ```
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let key = key.as_bytes();
        match &mut self.0 {
            Repr::Small(v) => v
                .iter_mut()
                .find(|(k, _)| k.as_bytes() == key)
                .map(|(_, v)| v),
            Repr::Map(m) => m.get_mut(key),
        }
    }

    /// The value under a key that may hold lone surrogates.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, PyString, Value};
    ///
    /// // A key with a lone surrogate, which a `&str` cannot name.
    /// let key = PyString::from_code_points([0x61, 0xdc80]).unwrap();
    /// let mut d = Dict::new();
    /// d.insert(key.clone(), 1);
    /// assert_eq!(d.get_py(&key), Some(&Value::Int(1)));
    /// ```
    pub fn get_py(&self, key: &PyString) -> Option<&Value> {
        self.get_bytes(key.as_bytes())
    }

    /// Whether `key` is present.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Dict;
    ///
    /// let d: Dict = [("a", 1)].into_iter().collect();
    /// assert!(d.contains_key("a") && !d.contains_key("A"));
    /// ```
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Inserts, returning the previous value; an existing key keeps its place.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, Value};
    ///
    /// let mut d = Dict::new();
    /// d.insert("b", 1);
    /// d.insert("a", 2);
    /// assert_eq!(d.insert("b", 3), Some(Value::Int(1)));
    /// // "b" kept its place.
    /// assert_eq!(d.keys().map(|k| k.to_string()).collect::<Vec<_>>(), ["b", "a"]);
    /// ```
    pub fn insert(&mut self, key: impl Into<PyString>, value: impl Into<Value>) -> Option<Value> {
        let (key, value) = (key.into(), value.into());
        if self.1 == Order::Given && self.get_py(&key).is_none() {
            // A new key is a string key: the keys are Flask's strings now.
            self.1 = Order::CodePoint;
        }
        match &mut self.0 {
            Repr::Small(v) => {
                if let Some((_, old)) = v.iter_mut().find(|(k, _)| *k == key) {
                    return Some(std::mem::replace(old, value));
                }
                if v.len() < SMALL_DICT {
                    v.push((key, value));
                    return None;
                }
                let mut m = IndexMap::with_capacity(v.len() + 1);
                m.extend(v.drain(..));
                m.insert(key, value);
                self.0 = Repr::Map(m);
                None
            }
            Repr::Map(m) => m.insert(key, value),
        }
    }

    /// Removes `key`, keeping the order of the others (Python's `pop`).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, Value};
    ///
    /// let mut d: Dict = [("a", 1), ("b", 2), ("c", 3)].into_iter().collect();
    /// assert_eq!(d.remove("a"), Some(Value::Int(1)));
    /// assert_eq!(d.keys().map(|k| k.to_string()).collect::<Vec<_>>(), ["b", "c"]);
    /// assert_eq!(d.remove("a"), None);
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let key = key.as_bytes();
        match &mut self.0 {
            Repr::Small(v) => {
                let at = v.iter().position(|(k, _)| k.as_bytes() == key)?;
                Some(v.remove(at).1)
            }
            Repr::Map(m) => m.shift_remove(key),
        }
    }

    /// Removes every entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Dict;
    ///
    /// let mut d: Dict = [("a", 1)].into_iter().collect();
    /// d.clear();
    /// assert!(d.is_empty());
    /// ```
    pub fn clear(&mut self) {
        *self = Dict::new();
    }

    /// The entries in insertion order.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Dict;
    ///
    /// let d: Dict = [("a", 1), ("b", 2)].into_iter().collect();
    /// let total: i64 = d.iter().filter_map(|(_, v)| v.as_i64()).sum();
    /// assert_eq!(total, 3);
    /// ```
    pub fn iter(&self) -> DictIter<'_> {
        DictIter(match &self.0 {
            Repr::Small(v) => IterRepr::Small(v.iter()),
            Repr::Map(m) => IterRepr::Map(m.iter()),
        })
    }

    /// The keys in insertion order.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Dict;
    ///
    /// let d: Dict = [("z", 1), ("a", 2)].into_iter().collect();
    /// assert_eq!(d.keys().len(), 2);
    /// assert_eq!(d.keys().next().unwrap().as_str(), Some("z"));
    /// ```
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &PyString> {
        self.iter().map(|(k, _)| k)
    }

    /// The entries in the order Flask writes them in: sorted by key code
    /// point, except for a dict made by [`to_value`](super::to_value) from a
    /// map whose keys were not strings (integers, floats, booleans), which
    /// keeps the order Python sorts those original keys in (`9` before
    /// `10`) until it gains a key.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Dict;
    ///
    /// // Code point order: uppercase before lowercase, `_` between them.
    /// let d: Dict = [("b", 1), ("_a", 2), ("B", 3)].into_iter().collect();
    /// let keys: Vec<String> = d.sorted().iter().map(|(k, _)| k.to_string()).collect();
    /// assert_eq!(keys, ["B", "_a", "b"]);
    /// ```
    pub fn sorted(&self) -> Vec<(&PyString, &Value)> {
        let mut v: Vec<_> = self.iter().collect();
        if self.1 == Order::CodePoint {
            v.sort_unstable_by(|a, b| a.0.cmp(b.0));
        }
        v
    }

    /// Whether the entries already stand in the order they are written in
    /// (as a dict read from a Flask cookie does), so writing needs no
    /// sorted copy.
    pub(crate) fn is_key_sorted(&self) -> bool {
        self.1 == Order::Given || self.keys().is_sorted()
    }

    /// A dict written in the order of `entries`: a map whose keys were not
    /// strings, already in Python's order of the original keys.
    pub(crate) fn in_given_order(entries: Vec<(PyString, Value)>) -> Dict {
        let mut d: Dict = entries.into_iter().collect();
        d.1 = Order::Given;
        d
    }

    /// The first entry in insertion order.
    pub(crate) fn first(&self) -> Option<(&PyString, &Value)> {
        self.iter().next()
    }

    /// Takes the single entry of a one-entry dict.
    pub(crate) fn into_single(self) -> Option<(PyString, Value)> {
        if self.len() == 1 {
            self.into_iter().next()
        } else {
            None
        }
    }
}

impl PartialEq for Dict {
    /// Equal keys with equal values, in any order (like Python's dicts).
    fn eq(&self, other: &Dict) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get_bytes(k.as_bytes()) == Some(v))
    }
}

impl std::fmt::Debug for Dict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Entries<'a>(&'a Dict);
        impl std::fmt::Debug for Entries<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_map().entries(self.0.iter()).finish()
            }
        }
        f.debug_tuple("Dict").field(&Entries(self)).finish()
    }
}

impl<K: Into<PyString>, V: Into<Value>> FromIterator<(K, V)> for Dict {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut d = Dict::with_capacity(iter.size_hint().0);
        for (k, v) in iter {
            d.insert(k, v);
        }
        d
    }
}

/// The entries of a [`Dict`], by reference, in insertion order.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{Dict, DictIter};
///
/// let d: Dict = [("a", 1)].into_iter().collect();
/// let mut it: DictIter<'_> = d.iter();
/// assert_eq!(it.len(), 1);
/// assert_eq!(it.next().map(|(k, _)| k.to_string()), Some("a".to_owned()));
/// ```
#[derive(Debug)]
pub struct DictIter<'a>(IterRepr<'a>);

#[derive(Debug)]
enum IterRepr<'a> {
    Small(std::slice::Iter<'a, (PyString, Value)>),
    Map(indexmap::map::Iter<'a, PyString, Value>),
}

impl<'a> Iterator for DictIter<'a> {
    type Item = (&'a PyString, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Small(it) => it.next().map(|(k, v)| (k, v)),
            IterRepr::Map(it) => it.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IterRepr::Small(it) => it.size_hint(),
            IterRepr::Map(it) => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for DictIter<'_> {}

/// The entries of a [`Dict`], owned, in insertion order.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{Dict, Value};
///
/// let d: Dict = [("a", 1), ("b", 2)].into_iter().collect();
/// let pairs: Vec<(String, Value)> = d.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
/// assert_eq!(pairs[1], ("b".to_owned(), Value::Int(2)));
/// ```
#[derive(Debug)]
pub struct DictIntoIter(IntoIterRepr);

#[derive(Debug)]
enum IntoIterRepr {
    Small(std::vec::IntoIter<(PyString, Value)>),
    Map(indexmap::map::IntoIter<PyString, Value>),
}

impl Iterator for DictIntoIter {
    type Item = (PyString, Value);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IntoIterRepr::Small(it) => it.next(),
            IntoIterRepr::Map(it) => it.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IntoIterRepr::Small(it) => it.size_hint(),
            IntoIterRepr::Map(it) => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for DictIntoIter {}

impl IntoIterator for Dict {
    type Item = (PyString, Value);
    type IntoIter = DictIntoIter;

    fn into_iter(self) -> Self::IntoIter {
        DictIntoIter(match self.0 {
            Repr::Small(v) => IntoIterRepr::Small(v.into_iter()),
            Repr::Map(m) => IntoIterRepr::Map(m.into_iter()),
        })
    }
}

impl<'a> IntoIterator for &'a Dict {
    type Item = (&'a PyString, &'a Value);
    type IntoIter = DictIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// A markupsafe `Markup` string: HTML that Flask stores with the `" m"` tag.
///
/// ```
/// use sessionkit::codec::{Markup, Value, to_value};
/// let v = to_value(&Markup("<b>hi</b>".into())).unwrap();
/// assert_eq!(v.to_flask_json().unwrap(), r#"{" m":"<b>hi</b>"}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Markup(pub String);

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{DateTime, Dict, PyString, Uuid, Value};

    /// The small conversions and spellings other code builds on.
    #[test]
    fn conversions_and_spellings() {
        assert_eq!(
            Value::from(vec![Value::Int(1)]),
            Value::List(vec![Value::Int(1)])
        );
        assert_eq!(Value::from(Some(3)), Value::Int(3));
        assert_eq!(Value::from(None::<i64>), Value::Null);
        let Value::BigInt(big) = Value::int_from_decimal("-18446744073709551616").unwrap() else {
            panic!("not a BigInt")
        };
        assert_eq!(big.to_string(), "-18446744073709551616");
        assert_eq!(format!("{big:?}"), "-18446744073709551616");
        let n = 0x0011_2233_4455_6677_8899_aabb_ccdd_eeff_u128;
        let u = Uuid::from_u128(n);
        assert_eq!(u.as_u128(), n);
        assert_eq!(u.as_bytes(), n.to_be_bytes());
        assert_eq!(Uuid::from_bytes(n.to_be_bytes()), u);
        assert_eq!(
            format!("{u:?}"),
            "Uuid(00112233-4455-6677-8899-aabbccddeeff)"
        );
        let d: Dict = [("b", 1), ("a", 2)].into_iter().collect();
        assert_eq!(format!("{d:?}"), r#"Dict({"b": Int(1), "a": Int(2)})"#);
    }

    /// `get_mut` and `get_py` find a key in both representations (a few
    /// keys in a vector, more in a hash map).
    #[test]
    fn lookups_in_small_and_large_dicts() {
        for n in [3, 40] {
            let mut d: Dict = (0..n).map(|i| (format!("k{i}"), i)).collect();
            for i in 0..n {
                let key = format!("k{i}");
                assert_eq!(
                    d.get_py(&PyString::from(key.as_str())),
                    Some(&Value::Int(i))
                );
                *d.get_mut(&key).unwrap() = Value::Int(-i);
            }
            assert!(d.get_mut("absent").is_none());
            assert!(d.get_py(&PyString::from("absent")).is_none());
            assert_eq!(d.get("k2"), Some(&Value::Int(-2)));
            assert_eq!(d.len(), n as usize);
            let mut it = d.iter();
            assert_eq!(it.size_hint(), (n as usize, Some(n as usize)));
            it.next();
            assert_eq!(it.len(), n as usize - 1);
            let n = n as usize;
            assert_eq!(d.clone().into_iter().size_hint(), (n, Some(n)));
        }
    }

    /// A dict made from a map with number keys keeps Python's order of
    /// those keys while its keys stay the same (a value changes, a key is
    /// removed), and falls back to code point order once it gains a key
    /// (a new key is a string) or is cleared.
    #[test]
    fn number_key_order_lasts_until_a_key_is_added() {
        let map: std::collections::BTreeMap<i64, i64> = [(9, 0), (10, 0), (100, 0)].into();
        let Value::Dict(mut d) = super::super::to_value(&map).unwrap() else {
            panic!("not a dict")
        };
        let json = |d: &Dict| Value::Dict(d.clone()).to_flask_json().unwrap();
        assert_eq!(json(&d), r#"{"9":0,"10":0,"100":0}"#);
        d.insert("10", 1);
        assert_eq!(json(&d), r#"{"9":0,"10":1,"100":0}"#);
        d.remove("100");
        assert_eq!(json(&d), r#"{"9":0,"10":1}"#);
        let keys = |d: &Dict| {
            d.sorted()
                .iter()
                .map(|(k, _)| k.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&d), ["9", "10"]);
        d.insert("8", 2);
        assert_eq!(json(&d), r#"{"10":1,"8":2,"9":0}"#);
        assert_eq!(keys(&d), ["10", "8", "9"]);
        let Value::Dict(mut d) = super::super::to_value(&map).unwrap() else {
            panic!("not a dict")
        };
        d.clear();
        d.insert("9", 0);
        d.insert("10", 0);
        assert_eq!(json(&d), r#"{"10":0,"9":0}"#);
    }

    /// `bool(x)` in Python for every kind of value.
    #[test]
    fn truthiness_is_pythons() {
        let falsy = [
            Value::Null,
            Value::Bool(false),
            Value::Int(0),
            Value::Float(0.0),
            Value::Float(-0.0),
            Value::from(""),
            Value::Markup(PyString::from("")),
            Value::List(vec![]),
            Value::Tuple(vec![]),
            Value::Dict(Dict::new()),
            Value::Bytes(vec![]),
        ];
        let truthy = [
            Value::Bool(true),
            Value::Int(-1),
            Value::int_from_decimal("18446744073709551616").unwrap(),
            Value::Float(f64::NAN),
            Value::Float(1e-300),
            Value::from("False"),
            Value::Markup(PyString::from("0")),
            Value::List(vec![Value::Null]),
            Value::Tuple(vec![Value::Null]),
            Value::Dict([("", 0)].into_iter().collect()),
            Value::Bytes(vec![0]),
            Value::Uuid(Uuid::from_u128(0)),
            Value::DateTime(DateTime::new(1, 1, 1, 0, 0, 0, 0).unwrap()),
        ];
        for v in &falsy {
            assert!(!v.is_truthy(), "{v:?}");
        }
        for v in &truthy {
            assert!(v.is_truthy(), "{v:?}");
        }
    }

    /// Equality is "the same value, written the same way": kinds never
    /// equal each other (`1`, `1.0`, `True`, a list and a tuple, a string
    /// and Markup), NaN equals NaN and `-0.0` is not `0.0` (they are
    /// written differently); dicts compare in any order.
    #[test]
    fn equality_is_by_kind_and_value() {
        let values = [
            Value::Null,
            Value::Bool(true),
            Value::Int(1),
            Value::int_from_decimal("18446744073709551616").unwrap(),
            Value::Float(1.0),
            Value::Float(-0.0),
            Value::Float(0.0),
            Value::from("1"),
            Value::Markup(PyString::from("1")),
            Value::List(vec![Value::Int(1)]),
            Value::Tuple(vec![Value::Int(1)]),
            Value::Dict([("1", 1)].into_iter().collect()),
            Value::Bytes(vec![1]),
            Value::Uuid(Uuid::from_u128(1)),
            Value::DateTime(DateTime::new(2024, 1, 1, 0, 0, 0, 0).unwrap()),
        ];
        for (i, a) in values.iter().enumerate() {
            for (j, b) in values.iter().enumerate() {
                assert_eq!(a == b, i == j, "{a:?} == {b:?}");
            }
        }
        assert_eq!(Value::Float(f64::NAN), Value::Float(-f64::NAN));
        assert_ne!(Value::Float(f64::NAN), Value::Float(1.0));
        assert_ne!(Value::Float(1.0), Value::Float(f64::NAN));
        assert_ne!(Value::Int(1), Value::Int(2));
        assert_ne!(Value::from("a"), Value::from("b"));
        let ab: Dict = [("a", 1), ("b", 2)].into_iter().collect();
        let ba: Dict = [("b", 2), ("a", 1)].into_iter().collect();
        assert_eq!(Value::Dict(ab.clone()), Value::Dict(ba));
        let other: Dict = [("a", 1), ("b", 3)].into_iter().collect();
        assert_ne!(Value::Dict(ab), Value::Dict(other));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, i64),
        Remove(u8),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u8..14, any::<i64>()).prop_map(|(k, v)| Op::Insert(k, v)),
            3 => (0u8..14).prop_map(Op::Remove),
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        #![proptest_config(crate::seeded_proptest("dict_matches_an_index_map"))]

        /// The small-vector and map forms behave as one insertion-ordered
        /// map (checked against `IndexMap` itself), across the switch.
        #[test]
        fn dict_matches_an_index_map(ops in proptest::collection::vec(op(), 0..80)) {
            let mut dict = Dict::new();
            let mut model: IndexMap<String, i64> = IndexMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        let key = format!("k{k}");
                        let old = dict.insert(key.as_str(), v);
                        prop_assert_eq!(old, model.insert(key, v).map(Value::Int));
                    }
                    Op::Remove(k) => {
                        let key = format!("k{k}");
                        prop_assert_eq!(dict.remove(&key), model.shift_remove(&key).map(Value::Int));
                    }
                    Op::Clear => {
                        dict.clear();
                        model.clear();
                    }
                }
                prop_assert_eq!(dict.len(), model.len());
                let ours: Vec<_> = dict.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
                let theirs: Vec<_> = model.iter().map(|(k, v)| (k.clone(), Value::Int(*v))).collect();
                prop_assert_eq!(&ours, &theirs);
                for k in 0..14 {
                    let key = format!("k{k}");
                    let expected = model.get(&key).map(|v| Value::Int(*v));
                    prop_assert_eq!(dict.get(&key), expected.as_ref());
                }
                let rebuilt: Dict = theirs.into_iter().rev().collect();
                prop_assert_eq!(&rebuilt, &dict, "equality ignores order");
                let owned: Vec<_> = dict.clone().into_iter().map(|(k, _)| k.to_string()).collect();
                prop_assert_eq!(owned, model.keys().cloned().collect::<Vec<_>>());
            }
        }
    }

    use super::*;

    #[test]
    fn ints_normalise() {
        assert_eq!(Value::int_from_decimal("-0"), Some(Value::Int(0)));
        assert_eq!(
            Value::int_from_decimal("-9223372036854775808"),
            Some(Value::Int(i64::MIN))
        );
        match Value::int_from_decimal("-9223372036854775809") {
            Some(Value::BigInt(b)) => assert_eq!(b.as_decimal(), "-9223372036854775809"),
            other => panic!("{other:?}"),
        }
        match Value::int_from_decimal("000123456789012345678901234567890") {
            Some(Value::BigInt(b)) => assert_eq!(b.as_decimal(), "123456789012345678901234567890"),
            other => panic!("{other:?}"),
        }
        assert_eq!(Value::int_from_decimal("1.0"), None);
        assert_eq!(Value::int_from_decimal("-"), None);
        assert_eq!(Value::from(u64::MAX).to_string(), "18446744073709551615");
    }

    #[test]
    fn python_uuid_parsing() {
        let plain = "12345678123456781234567812345678";
        for ok in [
            plain,
            "12345678-1234-5678-1234-567812345678",
            "urn:uuid:12345678-1234-5678-1234-567812345678",
            "{{12345678123456781234567812345678}",
            "+2345678123456781234567812345678",
            "1_345678123456781234567812345678",
            " 2345678123456781234567812345678",
            "0x345678123456781234567812345678",
        ] {
            assert!(Uuid::parse_python(ok).is_some(), "{ok}");
        }
        for bad in [
            "1234567812345678123456781234567",
            "-2345678123456781234567812345678",
            "_2345678123456781234567812345678",
            "1__45678123456781234567812345678",
            "g2345678123456781234567812345678",
        ] {
            assert!(Uuid::parse_python(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn dict_keeps_first_position_last_value() {
        let mut d = Dict::new();
        d.insert("b", 1);
        d.insert("a", 2);
        d.insert("b", 3);
        let keys: Vec<_> = d.keys().map(|k| k.to_string()).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(d.get("b"), Some(&Value::Int(3)));
        let sorted: Vec<_> = d.sorted().iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(sorted, ["a", "b"]);
        assert!(!d.is_key_sorted());
        d.remove("b");
        assert!(d.is_key_sorted());
        d.insert("é", 4);
        d.insert("z", 5);
        assert!(
            !d.is_key_sorted(),
            "code point order: é (U+E9) sorts after z"
        );
        assert!(Dict::new().is_key_sorted());
    }
}
