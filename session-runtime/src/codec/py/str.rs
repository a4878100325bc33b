//! [`PyString`]: a Python `str`, which may hold lone surrogates.

use std::borrow::Borrow;
use std::fmt;

/// A Python string: a sequence of Unicode code points, including lone
/// surrogates (`U+D800`–`U+DFFF`), which Python strings may hold and Flask
/// writes and reads back unchanged (as a single `\udXXX` escape).
///
/// Storage is *generalized UTF-8*: ordinary characters are plain UTF-8 and a
/// lone surrogate is the 3-byte sequence UTF-8 would use for its code point.
/// A valid surrogate pair is always stored as the one supplementary character
/// it encodes (as Python's JSON reader combines it). Comparing the bytes
/// therefore compares code points, which is the order Flask sorts keys in.
///
/// Most strings are valid UTF-8: [`PyString::as_str`] gives a `&str` for them.
/// Short strings (up to 29 bytes, which covers most session keys) are
/// stored inline, without a heap allocation.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::PyString;
///
/// let s = PyString::from("café");
/// assert_eq!(s.as_str(), Some("café"));
///
/// let lone = PyString::from_code_points([0x61, 0xD800]).unwrap();
/// assert_eq!(lone.as_str(), None);
/// assert_eq!(lone.code_points().collect::<Vec<_>>(), vec![0x61, 0xD800]);
/// ```
#[derive(Clone)]
pub struct PyString(Repr);

/// Strings of up to this many bytes (session keys and most short values)
/// are stored inline, without a heap allocation; a `PyString` stays 32
/// bytes either way.
const INLINE: usize = 29;

/// The bytes are generalized UTF-8 (see [`PyString`]); `utf8` says whether
/// they are valid UTF-8 (hold no lone surrogate).
#[derive(Clone)]
enum Repr {
    Inline {
        len: u8,
        utf8: bool,
        buf: [u8; INLINE],
    },
    Heap {
        bytes: Vec<u8>,
        utf8: bool,
    },
}

impl Default for PyString {
    fn default() -> Self {
        PyString::new()
    }
}

impl PyString {
    /// An empty string.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::PyString;
    ///
    /// assert!(PyString::new().is_empty());
    /// assert_eq!(PyString::new(), PyString::default());
    /// ```
    pub const fn new() -> Self {
        PyString(Repr::Inline {
            len: 0,
            utf8: true,
            buf: [0; INLINE],
        })
    }

    /// A copy of `bytes`, inline when it fits.
    fn copied(bytes: &[u8], utf8: bool) -> Self {
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= INLINE => {
                let mut buf = [0; INLINE];
                buf[..bytes.len()].copy_from_slice(bytes);
                PyString(Repr::Inline { len, utf8, buf })
            }
            _ => PyString(Repr::Heap {
                bytes: bytes.to_vec(),
                utf8,
            }),
        }
    }

    /// Takes `bytes` over (its allocation is already made, so it is kept).
    fn owned(bytes: Vec<u8>, utf8: bool) -> Self {
        PyString(Repr::Heap { bytes, utf8 })
    }

    fn bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf, .. } => &buf[..usize::from(*len)],
            Repr::Heap { bytes, .. } => bytes,
        }
    }

    fn into_bytes(self) -> Vec<u8> {
        match self.0 {
            Repr::Inline { len, buf, .. } => buf[..usize::from(len)].to_vec(),
            Repr::Heap { bytes, .. } => bytes,
        }
    }

    /// Builds a string from code points; `None` if one is above `U+10FFFF`.
    ///
    /// Adjacent high and low surrogates are kept as two code points only if
    /// they do not form a pair; a valid pair becomes one character.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::PyString;
    ///
    /// // A surrogate pair becomes the one character it encodes (as Python's JSON reader does).
    /// let pair = PyString::from_code_points([0xD83D, 0xDE00]).unwrap();
    /// assert_eq!(pair.as_str(), Some("😀"));
    /// assert!(PyString::from_code_points([0x11_0000]).is_none());
    /// ```
    pub fn from_code_points<I: IntoIterator<Item = u32>>(cps: I) -> Option<Self> {
        let mut b = PyStringBuilder::default();
        for cp in cps {
            if cp > 0x10FFFF {
                return None;
            }
            b.push_code_point(cp);
        }
        Some(b.finish())
    }

    /// The string as `&str`, or `None` if it holds a lone surrogate.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::PyString;
    ///
    /// assert_eq!(PyString::from("ok").as_str(), Some("ok"));
    /// assert_eq!(PyString::from_code_points([0xDFFF]).unwrap().as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        if self.is_utf8() {
            std::str::from_utf8(self.bytes()).ok()
        } else {
            None
        }
    }

    /// The string as a Rust `String`, or itself back if it holds a lone
    /// surrogate.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::PyString;
    ///
    /// assert_eq!(PyString::from("ok").into_string(), Ok("ok".to_owned()));
    /// let lone = PyString::from_code_points([0xD800]).unwrap();
    /// assert_eq!(lone.clone().into_string(), Err(lone));
    /// ```
    pub fn into_string(self) -> Result<String, PyString> {
        if self.is_utf8() {
            String::from_utf8(self.into_bytes()).map_err(|e| PyString::owned(e.into_bytes(), false))
        } else {
            Err(self)
        }
    }

    /// The string with each lone surrogate replaced by `U+FFFD`.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::PyString;
    ///
    /// let s = PyString::from_code_points([0x61, 0xD800, 0x62]).unwrap();
    /// assert_eq!(s.to_string_lossy(), "a\u{FFFD}b");
    /// ```
    pub fn to_string_lossy(&self) -> String {
        match self.as_str() {
            Some(s) => s.to_owned(),
            None => self
                .code_points()
                .map(|cp| char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect(),
        }
    }

    /// Whether every code point is a Unicode scalar value (no lone surrogate).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::PyString;
    ///
    /// assert!(PyString::from("plain").is_utf8());
    /// assert!(!PyString::from_code_points([0xD800]).unwrap().is_utf8());
    /// ```
    pub fn is_utf8(&self) -> bool {
        match self.0 {
            Repr::Inline { utf8, .. } | Repr::Heap { utf8, .. } => utf8,
        }
    }

    /// The generalized UTF-8 bytes (see the type's docs).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::PyString;
    ///
    /// assert_eq!(PyString::from("é").as_bytes(), "é".as_bytes());
    /// // A lone surrogate is the 3 bytes UTF-8 would use for its code point.
    /// assert_eq!(PyString::from_code_points([0xD800]).unwrap().as_bytes(), [0xED, 0xA0, 0x80]);
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes()
    }

    /// Number of code points (Python's `len()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::PyString;
    ///
    /// assert_eq!(PyString::from("café").len(), 4); // code points, like Python
    /// assert_eq!(PyString::from("café").as_bytes().len(), 5);
    /// ```
    pub fn len(&self) -> usize {
        self.bytes().iter().filter(|&&b| (b & 0xC0) != 0x80).count()
    }

    /// Whether the string is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::PyString;
    ///
    /// assert!(PyString::from("").is_empty());
    /// assert!(!PyString::from(" ").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// The code points, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::PyString;
    ///
    /// let cps: Vec<u32> = PyString::from("aé😀").code_points().collect();
    /// assert_eq!(cps, [0x61, 0xE9, 0x1F600]);
    /// ```
    pub fn code_points(&self) -> CodePoints<'_> {
        CodePoints { rest: self.bytes() }
    }

    /// The string without its last `n` code points (Python's `s[:-n]`).
    pub(crate) fn drop_last(&self, n: usize) -> PyString {
        let all = self.bytes();
        let mut end = all.len();
        let mut dropped = 0;
        while dropped < n && end > 0 {
            end -= 1;
            while end > 0 && all.get(end).is_some_and(|b| (b & 0xC0) == 0x80) {
                end -= 1;
            }
            dropped += 1;
        }
        let bytes = all.get(..end).unwrap_or_default();
        let utf8 = self.is_utf8() || std::str::from_utf8(bytes).is_ok();
        PyString::copied(bytes, utf8)
    }
}

/// Iterator over the code points of a [`PyString`].
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{CodePoints, PyString};
///
/// let s = PyString::from("hi");
/// let mut it: CodePoints<'_> = s.code_points();
/// assert_eq!(it.next(), Some(u32::from('h')));
/// assert_eq!(it.next(), Some(u32::from('i')));
/// assert_eq!(it.next(), None);
/// ```
#[derive(Debug, Clone)]
pub struct CodePoints<'a> {
    rest: &'a [u8],
}

impl Iterator for CodePoints<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let (&first, tail) = self.rest.split_first()?;
        let (len, init) = match first {
            0x00..=0x7F => (1, u32::from(first)),
            0xC0..=0xDF => (2, u32::from(first & 0x1F)),
            0xE0..=0xEF => (3, u32::from(first & 0x0F)),
            _ => (4, u32::from(first & 0x07)),
        };
        let (cont, rest) = tail.split_at(len.min(tail.len() + 1) - 1);
        self.rest = rest;
        Some(
            cont.iter()
                .fold(init, |acc, &b| (acc << 6) | u32::from(b & 0x3F)),
        )
    }
}

/// Builds a [`PyString`] code point by code point.
#[derive(Debug, Default)]
pub(crate) struct PyStringBuilder {
    bytes: Vec<u8>,
    has_surrogate: bool,
    /// The last code point pushed was a high surrogate (at the end of `bytes`).
    pending_high: Option<u32>,
}

impl PyStringBuilder {
    pub(crate) fn with_capacity(n: usize) -> Self {
        PyStringBuilder {
            bytes: Vec::with_capacity(n),
            ..Self::default()
        }
    }

    pub(crate) fn push_str(&mut self, s: &str) {
        if !s.is_empty() {
            self.pending_high = None;
            self.bytes.extend_from_slice(s.as_bytes());
        }
    }

    pub(crate) fn push_code_point(&mut self, cp: u32) {
        if let (Some(high), 0xDC00..=0xDFFF) = (self.pending_high, cp) {
            // Combine with the high surrogate just written.
            self.bytes.truncate(self.bytes.len() - 3);
            let combined = 0x10000 + ((high - 0xD800) << 10) + (cp - 0xDC00);
            self.pending_high = None;
            push_generalized_utf8(&mut self.bytes, combined);
            return;
        }
        self.pending_high = None;
        if (0xD800..=0xDFFF).contains(&cp) {
            self.has_surrogate = true;
            if cp <= 0xDBFF {
                self.pending_high = Some(cp);
            }
        }
        push_generalized_utf8(&mut self.bytes, cp);
    }

    pub(crate) fn finish(self) -> PyString {
        let utf8 = !self.has_surrogate || std::str::from_utf8(&self.bytes).is_ok();
        PyString::owned(self.bytes, utf8)
    }
}

fn push_generalized_utf8(out: &mut Vec<u8>, cp: u32) {
    // Truncating casts are intended: each byte keeps the bits it encodes.
    match cp {
        0..=0x7F => out.push(cp as u8),
        0x80..=0x7FF => out.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]),
        0x800..=0xFFFF => out.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]),
        _ => out.extend_from_slice(&[
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]),
    }
}

impl From<&str> for PyString {
    fn from(s: &str) -> Self {
        PyString::copied(s.as_bytes(), true)
    }
}

impl From<String> for PyString {
    fn from(s: String) -> Self {
        PyString::owned(s.into_bytes(), true)
    }
}

impl From<char> for PyString {
    fn from(c: char) -> Self {
        PyString::from(c.encode_utf8(&mut [0; 4]) as &str)
    }
}

// Equality, order and hash look at the bytes only (`utf8` is derived from
// them), and hash exactly like `[u8]` so `Borrow<[u8]>` lookups work.
impl PartialEq for PyString {
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for PyString {}

impl PartialOrd for PyString {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PyString {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.bytes().cmp(other.bytes())
    }
}

impl std::hash::Hash for PyString {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bytes().hash(state);
    }
}

impl PartialEq<str> for PyString {
    fn eq(&self, other: &str) -> bool {
        self.bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for PyString {
    fn eq(&self, other: &&str) -> bool {
        self.bytes() == other.as_bytes()
    }
}

impl Borrow<[u8]> for PyString {
    fn borrow(&self) -> &[u8] {
        self.bytes()
    }
}

impl fmt::Debug for PyString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => fmt::Debug::fmt(s, f),
            None => {
                f.write_str("\"")?;
                for cp in self.code_points() {
                    match char::from_u32(cp) {
                        Some(c) => write!(f, "{}", c.escape_debug())?,
                        None => write!(f, "\\u{{{cp:x}}}")?,
                    }
                }
                f.write_str("\"")
            }
        }
    }
}

impl fmt::Display for PyString {
    /// Lone surrogates are shown as `U+FFFD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => f.write_str(s),
            None => f.write_str(&self.to_string_lossy()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_combine_lone_surrogates_stay() {
        let s = PyString::from_code_points([0xD83D, 0xDE00]).unwrap();
        assert_eq!(s.as_str(), Some("😀"));
        let s = PyString::from_code_points([0xDE00, 0xD83D]).unwrap();
        assert_eq!(s.as_str(), None);
        assert_eq!(s.code_points().collect::<Vec<_>>(), [0xDE00, 0xD83D]);
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn byte_order_is_code_point_order() {
        let a = PyString::from("\u{FFFF}");
        let b = PyString::from("😀");
        let lone = PyString::from_code_points([0xDFFF]).unwrap();
        assert!(a < b);
        assert!(lone < a);
        let below = PyString::from("\u{D7FF}");
        assert!(below < lone);
    }

    /// Every UTF-8 length and its edges, lone surrogates and the last code
    /// point: built from code points, read back as the same code points,
    /// stored as UTF-8 would store them, shown with `U+FFFD` for the lone.
    #[test]
    fn code_points_round_trip_at_every_edge() {
        let edges = [
            0, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xDC00, 0xDFFF, 0xD800, 0xDBFF, 0xE000, 0xFFFF,
            0x1_0000, 0x10_FFFF,
        ];
        for &cp in &edges {
            let s = PyString::from_code_points([0x61, cp, 0x62]).expect("a code point");
            assert_eq!(
                s.code_points().collect::<Vec<_>>(),
                [0x61, cp, 0x62],
                "{cp:#x}"
            );
            match char::from_u32(cp) {
                Some(c) => {
                    let text = format!("a{c}b");
                    assert_eq!(s.as_str(), Some(text.as_str()), "{cp:#x}");
                    assert_eq!(s.to_string_lossy(), text, "{cp:#x}");
                }
                None => {
                    assert_eq!(s.as_str(), None, "{cp:#x}");
                    assert_eq!(s.to_string_lossy(), "a\u{FFFD}b", "{cp:#x}");
                    assert_eq!(s.bytes().len(), 5, "{cp:#x}: 3 bytes for a lone surrogate");
                }
            }
        }
        // In this order no high surrogate precedes a low one, so none pair.
        let all = PyString::from_code_points(edges).expect("code points");
        assert_eq!(all.code_points().collect::<Vec<_>>(), edges);
        // Comparing with Rust strings compares the text.
        let a = PyString::from("a");
        assert!(a == *"a" && a == "a");
        assert!(a != *"b" && a != "b" && a != "ab");
        let lone = PyString::from_code_points([0xD800]).expect("a lone surrogate");
        assert!(lone != "\u{FFFD}");
        let pair = PyString::from_code_points([0xDBFF, 0xDC00]).expect("a pair");
        assert_eq!(pair.code_points().collect::<Vec<_>>(), [0x10_FC00]);
        for beyond in [0x11_0000, 0x11_0001, u32::MAX] {
            assert!(
                PyString::from_code_points([0x61, beyond]).is_none(),
                "{beyond:#x}"
            );
        }
    }

    #[test]
    fn drop_last_counts_code_points() {
        let s = PyString::from("aé😀");
        assert_eq!(s.drop_last(2), PyString::from("a"));
        assert_eq!(PyString::from("x").drop_last(2), PyString::new());
    }

    fn hash_of(s: &PyString) -> u64 {
        use std::hash::{BuildHasher as _, BuildHasherDefault};
        BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(s)
    }

    /// Inline and heap storage are invisible: every way of making a string
    /// gives the same bytes, equality, order, hash and conversions, on both
    /// sides of the inline limit.
    #[test]
    fn inline_and_heap_strings_behave_the_same() {
        assert!(size_of::<PyString>() <= 32);
        for len in [0, 1, INLINE - 1, INLINE, INLINE + 1, 100] {
            let text: String = "aé".chars().cycle().take(len).collect();
            let copied = PyString::from(text.as_str());
            let owned = PyString::from(text.clone());
            let built = PyString::from_code_points(text.chars().map(u32::from)).unwrap();
            assert_eq!(
                matches!(copied.0, Repr::Inline { .. }),
                text.len() <= INLINE,
                "{len}"
            );
            for s in [&copied, &owned, &built] {
                assert_eq!(s.as_bytes(), text.as_bytes());
                assert_eq!(s.as_str(), Some(text.as_str()));
                assert_eq!(*s, copied);
                assert_eq!(*s, *text.as_str());
                assert_eq!(hash_of(s), hash_of(&copied));
                assert_eq!(s.len(), text.chars().count());
                assert_eq!(s.clone().into_string().as_deref(), Ok(text.as_str()));
                let borrowed: &[u8] = s.borrow();
                assert_eq!(borrowed, text.as_bytes());
            }
            let longer = PyString::from(format!("{text}b"));
            assert!(copied < longer && longer > owned);
            assert_eq!(longer.drop_last(1), copied);
        }
        // A lone surrogate, stored inline, stays a lone surrogate.
        let lone = PyString::from_code_points([0x61, 0xD800]).unwrap();
        let short = lone.drop_last(0);
        assert!(matches!(short.0, Repr::Inline { utf8: false, .. }));
        assert_eq!(short, lone);
        assert_eq!(short.as_str(), None);
        assert_eq!(short.into_string().unwrap_err(), lone);
        assert_eq!(lone.drop_last(1).as_str(), Some("a"));
    }
}
