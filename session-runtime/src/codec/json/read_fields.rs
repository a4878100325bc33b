//! Reading a session straight into its declared fields: the top-level object
//! is scanned key by key; a declared key's value is deserialized from the
//! text into the field's Rust type, with no [`Value`] tree in between; every
//! other key is parsed into a [`Value`] and kept.
//!
//! The direct path is an optimisation that must never change a result, so
//! it only decides what it can decide exactly and otherwise *bails*: the
//! value is read again by the tree path (`json::read` + `from_value`), which
//! is the reference. It bails on
//!
//! - anything tagged except a tuple (`{" t": [...]}`): bytes, Markup, UUIDs,
//!   datetimes, escaped dicts, and any object whose first key starts with a
//!   space;
//! - strings with lone surrogates, integers outside `i64`, objects with an
//!   escaped or repeated key or more than [`MAX_KEYS`] keys, nesting at the
//!   depth limit, and any JSON error;
//! - sessionkit's own newtypes (`Value`, `Uuid`, `DateTime`, `Markup`, ...)
//!   and `deserialize_ignored_any`;
//! - any error the field type reports (the tree path then decides whether
//!   the value fits or is kept unchanged).
//!
//! The whole session goes to the tree path when the payload is not an
//! object, when its first key starts with a space (it may be a tag), or on
//! any JSON error (so errors are reported exactly as before).

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer as _, Visitor};

use crate::codec::json::read::{NumberToken, Parser};
use crate::codec::py::str::PyString;
use crate::codec::value::de::{KeyDeserializer, MAX_DESERIALIZE_DEPTH, forward_shapes};
use crate::codec::value::{Dict, Value};

/// Objects with more keys than this are left to the tree path (the direct
/// path checks for repeated keys on the stack).
const MAX_KEYS: usize = 16;

/// The direct path cannot decide this value: read it with the tree path.
#[derive(Debug)]
pub(crate) struct Bail;

impl fmt::Display for Bail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to the tree reader")
    }
}

impl std::error::Error for Bail {}

impl de::Error for Bail {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Bail
    }
}

/// What happened to a declared key's value.
enum Outcome {
    Pending,
    /// The field took it.
    Taken,
    /// It does not fit the field: kept as it is.
    Kept(Value),
    /// The value is not valid (the session takes the tree path, which
    /// reports the error).
    Failed,
}

/// A declared key's value, at the reader's position: the field reads it
/// with [`FieldInput::fast`], or [`FieldInput::tree`] and then
/// [`FieldInput::taken`] / [`FieldInput::keep`].
pub struct FieldInput<'p, 'a> {
    p: &'p mut Parser<'a>,
    outcome: Outcome,
}

impl fmt::Debug for FieldInput<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FieldInput")
    }
}

impl FieldInput<'_, '_> {
    /// Deserializes the value straight from the text; `None` (and the
    /// position back at the value) if the direct path bails.
    pub fn fast<T: DeserializeOwned>(&mut self) -> Option<T> {
        let start = self.p.pos;
        // Half `from_value`'s limit: deeper values take the tree path,
        // whose `from_value` then decides (the same verdict either way).
        let depth = self.p.max_depth.min(MAX_DESERIALIZE_DEPTH / 2);
        match T::deserialize(&mut Fast { p: self.p, depth }) {
            Ok(v) => Some(v),
            Err(Bail) => {
                self.p.pos = start;
                None
            }
        }
    }

    /// Parses the value as a tree; `None` if it is invalid (the session is
    /// then read by the tree path, which reports the error).
    pub fn tree(&mut self) -> Option<Value> {
        match self.p.value() {
            Ok(v) => Some(v),
            Err(_) => {
                self.outcome = Outcome::Failed;
                None
            }
        }
    }

    /// The field took the value.
    pub fn taken(&mut self) {
        self.outcome = Outcome::Taken;
    }

    /// The value does not fit the field: keep it unchanged.
    pub fn keep(&mut self, value: Value) {
        self.outcome = Outcome::Kept(value);
    }
}

/// Reads a session payload, offering each top-level key's value to `field`
/// (which returns `false` for a key it does not declare). Returns the kept
/// keys, or `None` when the payload must be read by the tree path instead
/// (see the module docs; the result is then exactly the tree path's).
pub(crate) fn read_session(
    json: &[u8],
    max_depth: usize,
    field: &mut dyn FnMut(&str, &mut FieldInput<'_, '_>) -> bool,
) -> Option<Dict> {
    let text = std::str::from_utf8(json).ok()?;
    let mut p = Parser::new(text, max_depth.checked_sub(1)?);
    p.skip_ws();
    if p.peek() != Some(b'{') {
        return None;
    }
    p.pos += 1;
    p.skip_ws();
    let mut kept = Dict::new();
    if p.peek() == Some(b'}') {
        p.pos += 1;
    } else {
        let mut first = true;
        loop {
            // Keys without escapes are borrowed from the text; only kept
            // ones become strings.
            let start = p.pos;
            let key = match p.plain_key() {
                Some(k) => Key::Text(k),
                None => {
                    p.pos = start;
                    Key::Decoded(p.key().ok()?)
                }
            };
            let text = key.text();
            if first && key.starts_with_space() {
                return None;
            }
            first = false;
            let mut input = FieldInput {
                p: &mut p,
                outcome: Outcome::Pending,
            };
            let declared = text.is_some_and(|k| field(k, &mut input));
            if declared {
                match input.outcome {
                    Outcome::Taken => {
                        // A repeated key: the last value wins.
                        if let (false, Some(k)) = (kept.is_empty(), text) {
                            kept.remove(k);
                        }
                    }
                    Outcome::Kept(v) => {
                        kept.insert(key.into_py(), v);
                    }
                    Outcome::Pending | Outcome::Failed => return None,
                }
            } else {
                let v = p.value().ok()?;
                kept.insert(key.into_py(), v);
            }
            if !p.after_item(b'}')? {
                break;
            }
        }
    }
    p.skip_ws();
    p.at_end().then_some(kept)
}

/// A top-level key: borrowed from the text, or decoded (it had escapes).
enum Key<'a> {
    Text(&'a str),
    Decoded(PyString),
}

impl Key<'_> {
    fn text(&self) -> Option<&str> {
        match self {
            Key::Text(k) => Some(k),
            Key::Decoded(k) => k.as_str(),
        }
    }

    /// Whether it may be a tag key.
    fn starts_with_space(&self) -> bool {
        let bytes = match self {
            Key::Text(k) => k.as_bytes(),
            Key::Decoded(k) => k.as_bytes(),
        };
        bytes.first() == Some(&b' ')
    }

    fn into_py(self) -> PyString {
        match self {
            Key::Text(k) => PyString::from(k),
            Key::Decoded(k) => k,
        }
    }
}

/// The direct deserializer: the parser, and how many containers may still
/// be opened (the tree path's depth limit).
struct Fast<'p, 'a> {
    p: &'p mut Parser<'a>,
    depth: usize,
}

impl<'a> Fast<'_, 'a> {
    fn peek(&self) -> Result<u8, Bail> {
        self.p.peek().ok_or(Bail)
    }

    fn literal(&mut self, lit: &str) -> Result<(), Bail> {
        if self.p.eat_literal(lit) {
            Ok(())
        } else {
            Err(Bail)
        }
    }

    fn string(&mut self) -> Result<String, Bail> {
        if let Some(s) = self.p.plain_string() {
            return Ok(s.to_owned());
        }
        let s = self.p.string().map_err(|_| Bail)?;
        s.into_string().map_err(|_| Bail)
    }

    /// A key without escapes (so equal text means equal keys), its colon,
    /// and the whitespace before the value.
    fn plain_key(&mut self) -> Result<&'a str, Bail> {
        self.p.plain_key().ok_or(Bail)
    }

    fn open(&mut self) -> Result<(), Bail> {
        self.depth = self.depth.checked_sub(1).ok_or(Bail)?;
        self.p.pos += 1;
        self.p.skip_ws();
        Ok(())
    }

    fn close(&mut self, end: u8) -> Result<(), Bail> {
        self.p.skip_ws();
        if self.p.peek() != Some(end) {
            return Err(Bail);
        }
        self.p.pos += 1;
        self.depth += 1;
        Ok(())
    }

    fn number<'de, V: Visitor<'de>>(&mut self, v: V) -> Result<V::Value, Bail> {
        if self.p.eat_literal("-Infinity") {
            return v.visit_f64(f64::NEG_INFINITY);
        }
        let NumberToken { text, is_float, .. } = self.p.number_token().map_err(|_| Bail)?;
        if is_float {
            v.visit_f64(text.parse().map_err(|_| Bail)?)
        } else {
            // Beyond i64 the tree path makes a BigInt.
            v.visit_i64(text.parse().map_err(|_| Bail)?)
        }
    }

    /// A list, at its `[`; every element must be read.
    fn seq<'de, V: Visitor<'de>>(&mut self, v: V) -> Result<V::Value, Bail> {
        self.open()?;
        let mut access = Seq {
            fast: self,
            first: true,
            done: false,
        };
        let value = v.visit_seq(&mut access)?;
        if access.done {
            self.depth += 1;
        } else {
            self.close(b']')?;
        }
        Ok(value)
    }

    /// An object, at its `{`: a tuple tag is read as its list; any other
    /// key starting with a space bails.
    fn object<'de, V: Visitor<'de>>(&mut self, v: V, map: bool) -> Result<V::Value, Bail> {
        self.open()?;
        if self.p.peek() == Some(b'}') {
            if !map {
                return Err(Bail);
            }
            let value = v.visit_map(Map {
                fast: self,
                keys: [""; MAX_KEYS],
                count: 0,
                pending: None,
                done: true,
            })?;
            self.p.pos += 1;
            self.depth += 1;
            return Ok(value);
        }
        let key = self.plain_key()?;
        if key.starts_with(' ') {
            if key != " t" || self.p.peek() != Some(b'[') {
                return Err(Bail);
            }
            let value = self.seq(v)?;
            self.close(b'}')?;
            return Ok(value);
        }
        if !map {
            return Err(Bail);
        }
        let mut access = Map {
            fast: self,
            keys: [""; MAX_KEYS],
            count: 0,
            pending: Some(key),
            done: false,
        };
        let value = v.visit_map(&mut access)?;
        if !access.done {
            return Err(Bail);
        }
        self.depth += 1;
        Ok(value)
    }
}

impl<'de> de::Deserializer<'de> for &mut Fast<'_, '_> {
    type Error = Bail;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Bail> {
        match self.peek()? {
            b'"' => {
                let s = self.string()?;
                v.visit_string(s)
            }
            b'[' => self.seq(v),
            b'{' => self.object(v, true),
            b'-' | b'0'..=b'9' => self.number(v),
            b'n' => {
                self.literal("null")?;
                v.visit_unit()
            }
            b't' => {
                self.literal("true")?;
                v.visit_bool(true)
            }
            b'f' => {
                self.literal("false")?;
                v.visit_bool(false)
            }
            b'N' => {
                self.literal("NaN")?;
                v.visit_f64(f64::NAN)
            }
            b'I' => {
                self.literal("Infinity")?;
                v.visit_f64(f64::INFINITY)
            }
            _ => Err(Bail),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Bail> {
        if self.p.eat_literal("null") {
            v.visit_none()
        } else {
            v.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, Bail> {
        if name.starts_with("$sessionkit::") {
            return Err(Bail);
        }
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Bail> {
        match self.peek()? {
            b'[' => self.seq(v),
            b'{' => self.object(v, false),
            _ => Err(Bail),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Bail> {
        self.literal("null")?;
        v.visit_unit()
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Bail> {
        if self.peek()? == b'{' {
            return Err(Bail);
        }
        self.deserialize_any(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Bail> {
        if self.peek()? != b'"' {
            return Err(Bail);
        }
        let s = self.string()?;
        v.visit_enum(s.into_deserializer())
    }

    forward_shapes!(Bail);

    fn deserialize_ignored_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Bail> {
        Err(Bail)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        map struct identifier
    }
}

struct Seq<'f, 'p, 'a> {
    fast: &'f mut Fast<'p, 'a>,
    first: bool,
    done: bool,
}

impl<'de> de::SeqAccess<'de> for Seq<'_, '_, '_> {
    type Error = Bail;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Bail> {
        if self.done {
            return Ok(None);
        }
        let p = &mut *self.fast.p;
        if !self.first {
            if !p.after_item(b']').ok_or(Bail)? {
                self.done = true;
                return Ok(None);
            }
        } else if p.peek() == Some(b']') {
            p.pos += 1;
            self.done = true;
            return Ok(None);
        }
        self.first = false;
        seed.deserialize(&mut *self.fast).map(Some)
    }
}

struct Map<'f, 'p, 'a> {
    fast: &'f mut Fast<'p, 'a>,
    /// The keys read so far (no escapes, so text equality is key equality).
    keys: [&'a str; MAX_KEYS],
    count: usize,
    /// The first key, read before the map was handed to the visitor.
    pending: Option<&'a str>,
    done: bool,
}

impl<'a> Map<'_, '_, 'a> {
    fn remember(&mut self, key: &'a str) -> Result<(), Bail> {
        if self.count == MAX_KEYS || self.keys[..self.count].contains(&key) {
            return Err(Bail);
        }
        self.keys[self.count] = key;
        self.count += 1;
        Ok(())
    }
}

impl<'de, 'a> de::MapAccess<'de> for Map<'_, '_, 'a> {
    type Error = Bail;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Bail> {
        if self.done {
            return Ok(None);
        }
        let key = match self.pending.take() {
            Some(key) => key,
            None => {
                if !self.fast.p.after_item(b'}').ok_or(Bail)? {
                    self.done = true;
                    return Ok(None);
                }
                self.fast.plain_key()?
            }
        };
        self.remember(key)?;
        seed.deserialize(KeyDeserializer(PyString::from(key)))
            .map(Some)
            .map_err(|_| Bail)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Bail> {
        seed.deserialize(&mut *self.fast)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::Deserialize;

    use super::*;
    use crate::codec::json::read::parse_tagged;
    use crate::codec::{Markup, from_value};

    /// The direct reader on `text`: `None` if it bails. A success must
    /// consume exactly the value.
    fn fast<T: DeserializeOwned>(text: &str) -> Option<T> {
        let mut p = Parser::new(text, 8);
        let mut input = FieldInput {
            p: &mut p,
            outcome: Outcome::Pending,
        };
        let v = input.fast::<T>();
        if v.is_some() {
            assert_eq!(p.pos, text.len(), "{text}: consumed {}", p.pos);
        } else {
            assert_eq!(p.pos, 0, "{text}: position restored");
        }
        v
    }

    /// The reference: parse the tree, then convert.
    fn tree<T: DeserializeOwned>(text: &str) -> Option<T> {
        from_value(parse_tagged(text, 9).ok()?).ok()
    }

    /// The direct reader takes `text` and agrees with the tree path.
    fn taken<T: DeserializeOwned + PartialEq + fmt::Debug>(text: &str) -> T {
        let direct = fast::<T>(text).unwrap_or_else(|| panic!("{text}: bailed"));
        assert_eq!(Some(&direct), tree::<T>(text).as_ref(), "{text}");
        direct
    }

    /// The direct reader leaves `text` to the tree path.
    fn bails<T: DeserializeOwned + fmt::Debug>(text: &str) {
        assert!(fast::<T>(text).is_none(), "{text}: should bail");
    }

    #[derive(Deserialize, Debug, PartialEq, Default)]
    struct Rec {
        a: u8,
        b: Option<String>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    enum Kind {
        A,
        B(u8),
    }

    #[test]
    fn session_shapes_are_read_directly() {
        assert_eq!(taken::<u64>("42"), 42);
        assert_eq!(taken::<i32>("-7"), -7);
        assert_eq!(taken::<f64>("2.5e1"), 25.0);
        assert!(fast::<f64>("NaN").is_some_and(f64::is_nan));
        assert_eq!(taken::<f64>("-Infinity"), f64::NEG_INFINITY);
        assert!(taken::<bool>("true"));
        assert_eq!(taken::<String>(r#""plain""#), "plain");
        assert_eq!(taken::<String>(r#""caf\u00e9 \"q\"""#), "café \"q\"");
        assert_eq!(taken::<Option<String>>("null"), None);
        assert_eq!(taken::<Option<String>>(r#""x""#), Some("x".into()));
        assert_eq!(taken::<char>(r#""é""#), 'é');
        taken::<()>("null");
        assert_eq!(
            taken::<Vec<(String, String)>>(r#"[{" t": ["message", "Hi"]}, {" t":["error","No"]}]"#),
            [
                ("message".into(), "Hi".into()),
                ("error".into(), "No".into())
            ]
        );
        assert_eq!(taken::<(u8, u8)>(r#"[1, 2]"#), (1, 2));
        assert_eq!(taken::<Vec<u8>>("[]"), Vec::<u8>::new());
        assert_eq!(
            taken::<Vec<Option<bool>>>("[true,null]"),
            [Some(true), None]
        );
        assert_eq!(
            taken::<BTreeMap<String, u32>>(r#"{"b": 2, "a": 1}"#),
            BTreeMap::from([("a".into(), 1), ("b".into(), 2)])
        );
        assert_eq!(
            taken::<HashMap<u32, bool>>(r#"{"1":true,"22":false}"#),
            HashMap::from([(1, true), (22, false)])
        );
        assert_eq!(taken::<BTreeMap<String, u32>>("{}"), BTreeMap::new());
        assert_eq!(
            taken::<Rec>(r#"{"b":"x","a":3}"#),
            Rec {
                a: 3,
                b: Some("x".into())
            }
        );
        assert_eq!(taken::<Kind>(r#""A""#), Kind::A);
        assert_eq!(taken::<Vec<Vec<i64>>>("[[1],[2,3]]"), [vec![1], vec![2, 3]]);
    }

    /// Each container gives its nesting level back when it closes, so
    /// many siblings read directly however low the limit (8 here): a leak
    /// would make long lists bail.
    #[test]
    fn depth_is_given_back_after_each_container() {
        for item in ["{}", r#"{"a":1}"#, "[]", "[1]", r#"{" t":[1]}"#] {
            let text = format!("[{}]", vec![item; 40].join(","));
            match item {
                "{}" | r#"{"a":1}"# => {
                    assert_eq!(
                        taken::<Vec<BTreeMap<String, u8>>>(&text).len(),
                        40,
                        "{text}"
                    );
                }
                "[]" | "[1]" => assert_eq!(taken::<Vec<Vec<u8>>>(&text).len(), 40, "{text}"),
                _ => assert_eq!(taken::<Vec<(u8,)>>(&text), vec![(1,); 40], "{text}"),
            }
        }
        // Seven levels inside the list fit the limit of 8; eight do not.
        let nested =
            |levels: usize| format!("[{}1{}]", r#"{"a":"#.repeat(levels), "}".repeat(levels));
        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(untagged)]
        enum Tree {
            Leaf(u8),
            Node(BTreeMap<String, Tree>),
        }
        taken::<Vec<Tree>>(&nested(7));
        bails::<Vec<Tree>>(&nested(8));
    }

    /// Types that ask for "any" value (untagged enums, `serde_json`-like
    /// values) get lists, maps and scalars directly too.
    #[test]
    fn self_describing_types_read_every_shape_directly() {
        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(untagged)]
        enum Any {
            B(bool),
            N(i64),
            S(String),
            L(Vec<Any>),
            F(f64),
            M(BTreeMap<String, Any>),
            Z(()),
        }
        assert_eq!(
            taken::<Any>(r#"[1,"x",true,null,{"k":[]}]"#),
            Any::L(vec![
                Any::N(1),
                Any::S("x".into()),
                Any::B(true),
                Any::Z(()),
                Any::M(BTreeMap::from([("k".into(), Any::L(vec![]))])),
            ])
        );
        assert_eq!(
            taken::<Any>("[Infinity,-Infinity,2.5]"),
            Any::L(vec![
                Any::F(f64::INFINITY),
                Any::F(f64::NEG_INFINITY),
                Any::F(2.5)
            ])
        );
        assert!(matches!(fast::<Any>("NaN"), Some(Any::F(f)) if f.is_nan()));
    }

    /// A type reading bytes (`deserialize_bytes`) gets a list directly; a
    /// bytes tag is left to the tree path.
    #[test]
    fn byte_readers_take_lists_directly() {
        #[derive(Debug, PartialEq)]
        struct Raw(Vec<u8>);
        impl<'de> Deserialize<'de> for Raw {
            fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Raw;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("bytes")
                    }
                    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Raw, E> {
                        Ok(Raw(b.to_vec()))
                    }
                    fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                        let mut out = Vec::new();
                        while let Some(b) = a.next_element()? {
                            out.push(b);
                        }
                        Ok(Raw(out))
                    }
                }
                d.deserialize_bytes(V)
            }
        }
        assert_eq!(taken::<Raw>("[1, 2]"), Raw(vec![1, 2]));
        bails::<Raw>(r#"{" b":"AQI="}"#);
    }

    #[test]
    fn what_it_cannot_decide_is_left_to_the_tree_path() {
        // Tags other than tuples, and sessionkit's own types.
        bails::<Vec<u8>>(r#"{" b":"AQI="}"#);
        bails::<String>(r#"{" m":"<b>"}"#);
        assert_eq!(taken::<Markup>(r#""<b>""#), Markup("<b>".into()));
        bails::<Markup>(r#"{" m":"<b>"}"#);
        bails::<crate::codec::Uuid>(r#""00000000000000000000000000000000""#);
        bails::<String>(r#"{" u":"00000000000000000000000000000000"}"#);
        bails::<Value>("1");
        bails::<BTreeMap<String, u8>>(r#"{" di":{"a":1}}"#);
        // A tuple tag with more keys is a plain dict.
        bails::<(u8, u8)>(r#"{" t":[1,2],"x":1}"#);
        // Other keys starting with a space, even holding a list (not a
        // tuple: a dict, or another tag), and a tuple tag without a list.
        bails::<Vec<u8>>(r#"{" l":[1,2]}"#);
        bails::<Vec<u8>>(r#"{" b":[1,2]}"#);
        bails::<(u8,)>(r#"{" t":1}"#);
        // Lone surrogates, integers beyond i64.
        bails::<String>(r#""\ud800""#);
        bails::<u64>("18446744073709551615");
        // Repeated or escaped keys (Python keeps the last value).
        bails::<BTreeMap<String, u8>>(r#"{"a":1,"a":2}"#);
        bails::<BTreeMap<String, u8>>(r#"{"a":1,"\u0062":2}"#);
        // Too many keys to check for repeats on the stack.
        let wide = (0..=MAX_KEYS)
            .map(|i| format!("\"k{i}\":{i}"))
            .collect::<Vec<_>>()
            .join(",");
        bails::<BTreeMap<String, usize>>(&format!("{{{wide}}}"));
        // A key without its opening quote (found by fuzzing).
        bails::<BTreeMap<String, u8>>(r#"{"a":1,b":2}"#);
        // Items the type does not read, unknown struct fields.
        bails::<(u8, u8)>("[1,2,3]");
        bails::<Rec>(r#"{"a":1,"zzz":2}"#);
        // Type mismatches and invalid JSON.
        bails::<u64>(r#""1""#);
        bails::<u64>("-1");
        bails::<Vec<u8>>("[1,]");
        bails::<Kind>(r#"{"B":1}"#);
        // The depth limit (8 here).
        bails::<Value>(&format!("{}{}", "[".repeat(9), "]".repeat(9)));
        let deep = format!("{}1{}", "[".repeat(8), "]".repeat(8));
        assert!(fast::<Vec<Vec<Vec<Vec<Vec<Vec<Vec<Vec<u8>>>>>>>>>(&deep).is_some());
        bails::<Vec<Vec<Vec<Vec<Vec<Vec<Vec<Vec<Vec<u8>>>>>>>>>>(&format!(
            "{}1{}",
            "[".repeat(9),
            "]".repeat(9)
        ));
    }

    #[test]
    fn the_tree_path_keeps_lists_longer_than_the_tuple() {
        // Reading a 3-item list as a pair used to drop the third item.
        assert_eq!(tree::<(u8, u8)>("[1,2,3]"), None);
        assert_eq!(tree::<(u8, u8)>(r#"{" t":[1,2]}"#), Some((1, 2)));
    }

    #[test]
    fn sessions_read_directly_or_not_at_all() {
        let read = |json: &str| {
            let mut n = None;
            let kept = read_session(json.as_bytes(), 8, &mut |k, input| {
                if k != "n" {
                    return false;
                }
                match input.fast::<u8>() {
                    Some(v) => {
                        n = Some(v);
                        input.taken();
                    }
                    None => {
                        let v = input.tree();
                        input.keep(v.unwrap_or(Value::Null));
                    }
                }
                true
            });
            (kept.map(|d| Value::Dict(d).to_flask_json().unwrap()), n)
        };
        assert_eq!(
            read(r#" {"z": [1], "n": 5, "a": {" t": [1]}} "#),
            (Some(r#"{"a":{" t":[1]},"z":[1]}"#.into()), Some(5))
        );
        // A repeated key: the last value wins.
        assert_eq!(read(r#"{"n":"x","n":7}"#), (Some("{}".into()), Some(7)));
        assert_eq!(read(r#"{"n":300}"#), (Some(r#"{"n":300}"#.into()), None));
        // Left whole to the tree path: not an object, a possible tag, JSON
        // errors, trailing data.
        for json in [
            "null",
            "[]",
            r#"{" t":[1]}"#,
            r#"{"n":1,}"#,
            r#"{"n":1} x"#,
            r#"{"a":[}"#,
            "\u{feff}{}",
        ] {
            assert_eq!(read(json).0, None, "{json}");
        }
        assert_eq!(read("{}").0, Some("{}".into()));
    }
}
