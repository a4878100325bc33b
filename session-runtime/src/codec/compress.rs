//! zlib as Python's `zlib.compress` / `zlib.decompress` do it.
//!
//! Payloads up to [`deflate::MAX_INPUT`] bytes (every realistic cookie) are
//! compressed by [`deflate`], an exact re-implementation of zlib's level 6
//! that skips the per-stream setup. Longer ones go to real zlib (`flate2` on
//! its `zlib` backend). Every buffer and stream is kept per thread, never
//! allocated per cookie.

use std::cell::RefCell;
use std::fmt;

use flate2::{Compress, Compression as Level, Decompress, FlushCompress, FlushDecompress, Status};

use super::deflate;
use super::error::{CompressionParseError, PayloadError};

thread_local! {
    static COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(Level::new(6), true));
    /// The last input on this thread, whether it compressed, and its zlib
    /// bytes: a session re-saved unchanged (a permanent session refreshed
    /// on every request) is answered without compressing again.
    static LAST: RefCell<Last> = const { RefCell::new(Last { input: Vec::new(), smaller: false, output: Vec::new() }) };
    static DECOMPRESSOR: RefCell<Decompress> = RefCell::new(Decompress::new(true));
}

#[derive(Default)]
struct Last {
    input: Vec<u8>,
    smaller: bool,
    output: Vec<u8>,
}

/// itsdangerous' rule: calls `f` with `zlib.compress(data)` (level 6) when
/// that is at least 2 bytes shorter than `data`, else with `None`.
pub(crate) fn with_smaller<R>(data: &[u8], f: impl FnOnce(Option<&[u8]>) -> R) -> R {
    let run = |last: &mut Last| {
        if last.input != data || data.is_empty() {
            let out = &mut last.output;
            last.smaller = deflate::compress_if_smaller(data, out).unwrap_or_else(|| {
                zlib_compress(data, out);
                !out.is_empty() && out.len() + 1 < data.len()
            });
            last.input.clear();
            last.input.extend_from_slice(data);
        }
        f(last.smaller.then_some(&last.output[..]))
    };
    // Only cookie-sized inputs are remembered: a thread keeps no more than
    // twice `MAX_INPUT` for the memo.
    if data.len() <= deflate::MAX_INPUT {
        crate::scratch::with(&LAST, run)
    } else {
        run(&mut Last::default())
    }
}

/// `zlib.compress(data)` by real zlib; the stream is reset before use.
fn zlib_compress(data: &[u8], out: &mut Vec<u8>) {
    out.clear();
    // zlib's compressBound plus the header and trailer.
    out.reserve(data.len() + data.len() / 1000 + 64);
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        c.reset();
        loop {
            let consumed = usize::try_from(c.total_in()).unwrap_or(usize::MAX);
            let rest = data.get(consumed..).unwrap_or_default();
            match c.compress_vec(rest, out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => break,
                Ok(_) => out.reserve(out.capacity().max(64)),
                // Cannot happen with a finishing flush and spare room; fall
                // back to "no compression" by emptying the output.
                Err(_) => {
                    out.clear();
                    break;
                }
            }
        }
    });
}

/// `zlib.decompress(data)`, refusing output larger than `limit`. Like
/// Python, data after the end of the stream is ignored and a truncated
/// stream is an error.
pub(crate) fn decompress(data: &[u8], limit: usize) -> Result<Vec<u8>, PayloadError> {
    let mut out = Vec::new();
    decompress_into(data, limit, &mut out)?;
    Ok(out)
}

/// [`decompress`] into `out` (emptied first), a buffer the caller reuses.
pub(crate) fn decompress_into(
    data: &[u8],
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<(), PayloadError> {
    out.clear();
    DECOMPRESSOR.with(|d| {
        let mut d = d.borrow_mut();
        d.reset(true);
        let result = inflate(&mut d, data, limit, out);
        d.reset(true);
        result
    })
}

fn inflate(
    d: &mut Decompress,
    data: &[u8],
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<(), PayloadError> {
    // The room offered to zlib grows the same way whatever `out` already
    // holds (a reused buffer may be larger), so the outcome never depends
    // on an earlier call: never past the limit (+1 to detect overflow),
    // also when the limit is below the usual first size (`clamp` would
    // panic there).
    let mut room = (data.len() * 4).max(64).min(limit.saturating_add(1));
    loop {
        let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
        let rest = data.get(consumed..).unwrap_or_default();
        let before_out = out.len();
        let total_out = d.total_out();
        out.resize(room.max(before_out), 0);
        let status = d.decompress(
            rest,
            out.get_mut(before_out..).unwrap_or_default(),
            FlushDecompress::None,
        );
        let produced = usize::try_from(d.total_out() - total_out).unwrap_or(usize::MAX);
        out.truncate(before_out.saturating_add(produced));
        let status = status.map_err(|e| PayloadError::Decompress(e.to_string()))?;
        if out.len() > limit {
            return Err(PayloadError::TooLarge { limit });
        }
        match status {
            Status::StreamEnd => return Ok(()),
            _ => {
                let progressed = out.len() > before_out
                    || usize::try_from(d.total_in()).unwrap_or(usize::MAX) > consumed;
                if out.len() == room {
                    let target = (room * 2).min(limit.saturating_add(1));
                    if target <= room {
                        return Err(PayloadError::TooLarge { limit });
                    }
                    room = target;
                } else if !progressed {
                    return Err(PayloadError::Decompress(
                        "incomplete or truncated stream".into(),
                    ));
                }
            }
        }
    }
}

/// Whether payloads may be compressed.
///
/// Flask reads a cookie whether its payload is compressed or not, so every
/// choice interoperates with Flask; only [`Compression::Auto`] is also
/// byte-identical to the cookies Flask writes. Its spelling in
/// `#[session(compression = ...)]` and on the command line is what
/// [`Display`](fmt::Display) writes and [`FromStr`](std::str::FromStr) reads:
///
/// ```
/// use sessionkit::codec::Compression;
///
/// assert_eq!("auto".parse(), Ok(Compression::Auto));
/// assert_eq!("never".parse(), Ok(Compression::Never));
/// assert_eq!("above:512".parse(), Ok(Compression::Above(512)));
/// assert_eq!(Compression::Above(512).to_string(), "above:512");
/// assert!("above:".parse::<Compression>().is_err());
///
/// // Whether a payload of so many JSON bytes gets itsdangerous' attempt:
/// assert!(Compression::Auto.attempts(90));
/// assert!(!Compression::Above(512).attempts(90));
/// assert!(Compression::Above(512).attempts(513));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Compression {
    /// As itsdangerous: compress with zlib when that saves at least 2 bytes.
    /// Byte-identical to Flask.
    #[default]
    Auto,
    /// Never compress (faster; Flask still reads such cookies, but its own
    /// cookies for the same session may differ in bytes).
    Never,
    /// Itsdangerous' rule for payloads of more than this many bytes of JSON;
    /// shorter ones are never compressed. Small sessions then skip the zlib
    /// attempt (which rarely pays for them: it must save 2 bytes) and cost
    /// what they cost under [`Compression::Never`], while larger ones are
    /// compressed, byte-identical to Flask, and stay well inside the cookie
    /// size limit. `Above(0)` is [`Compression::Auto`].
    Above(usize),
}

impl Compression {
    /// Whether a payload of `json_len` bytes gets itsdangerous' compression
    /// attempt (it is then compressed if that saves at least 2 bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Compression;
    ///
    /// assert!(Compression::Auto.attempts(1));
    /// assert!(!Compression::Never.attempts(10_000));
    /// // `above:N` attempts strictly more than N bytes.
    /// assert!(!Compression::Above(256).attempts(256));
    /// assert!(Compression::Above(256).attempts(257));
    /// ```
    pub fn attempts(self, json_len: usize) -> bool {
        match self {
            Compression::Auto => true,
            Compression::Never => false,
            Compression::Above(n) => json_len > n,
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Compression::Auto => f.write_str("auto"),
            Compression::Never => f.write_str("never"),
            Compression::Above(n) => write!(f, "above:{n}"),
        }
    }
}

impl std::str::FromStr for Compression {
    type Err = CompressionParseError;

    /// `auto`, `never` or `above:N` (N bytes of JSON, decimal ASCII digits).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || CompressionParseError(s.to_owned());
        match s {
            "auto" => Ok(Compression::Auto),
            "never" => Ok(Compression::Never),
            _ => {
                let n = s.strip_prefix("above:").ok_or_else(bad)?;
                if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                n.parse().map(Compression::Above).map_err(|_| bad())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compressed(data: &[u8]) -> Option<Vec<u8>> {
        with_smaller(data, |z| z.map(<[u8]>::to_vec))
    }

    #[test]
    fn round_trip_and_python_bytes() {
        let mut z = Vec::new();
        zlib_compress(br#"{"a":1}"#, &mut z);
        // zlib.compress(b'{"a":1}') in CPython 3.11 / zlib 1.2.13.
        assert_eq!(z, b"x\x9c\xabVJT\xb22\xac\x05\x00\x08*\x02\t");
        assert_eq!(decompress(&z, 100).unwrap(), br#"{"a":1}"#);
        let mut junk = z.clone();
        junk.extend_from_slice(b"junk");
        assert_eq!(decompress(&junk, 100).unwrap(), br#"{"a":1}"#);
        assert!(decompress(&z[..z.len() - 2], 100).is_err());
        assert!(decompress(b"not zlib", 100).is_err());
        assert!(decompress(b"", 100).is_err());
    }

    #[test]
    fn itsdangerous_rule_on_both_paths() {
        // Too short to gain: zlib's output is longer than the input.
        assert_eq!(compressed(br#"{"a":1}"#), None);
        for len in [100, deflate::MAX_INPUT, deflate::MAX_INPUT + 1, 100_000] {
            let data: Vec<u8> = (0..len).map(|i| b"abcab"[i % 5]).collect();
            let mut zlib = Vec::new();
            zlib_compress(&data, &mut zlib);
            assert_eq!(compressed(&data), Some(zlib), "length {len}");
        }
        // Nested use falls back to a private buffer and stays correct.
        let data = b"xyzxyzxyzxyzxyzxyzxyzxyz";
        let inner = with_smaller(data, |outer| (outer.map(<[u8]>::to_vec), compressed(data)));
        assert_eq!(inner.0, inner.1);
        assert!(inner.0.is_some());
    }

    /// Inputs past `deflate::MAX_INPUT` go to real zlib and the rule is
    /// applied to its output: kept only when at least 2 bytes shorter.
    /// Random bytes (which zlib cannot shrink) followed by a copy of their
    /// first `k` bytes save about `k` bytes less zlib's overhead, so some
    /// `k` lands on each side of the threshold.
    #[test]
    fn itsdangerous_rule_at_its_threshold_for_long_inputs() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let base: Vec<u8> = (0..deflate::MAX_INPUT + 200)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect();
        let mut saved_seen = std::collections::BTreeSet::new();
        for k in 0..120 {
            let mut data = base.clone();
            data.extend_from_slice(&base[..k]);
            let mut zlib = Vec::new();
            zlib_compress(&data, &mut zlib);
            let saved = data.len() as i64 - zlib.len() as i64;
            saved_seen.insert(saved);
            let expected = (saved >= 2).then_some(zlib);
            assert_eq!(compressed(&data), expected, "k = {k}, saved {saved}");
        }
        // Both sides of the rule were met, right at the edge.
        for saved in [0, 1, 2, 3] {
            assert!(
                saved_seen.contains(&saved),
                "saved {saved} not met: {saved_seen:?}"
            );
        }
        assert!(saved_seen.iter().any(|&s| s < 0), "{saved_seen:?}");
    }

    #[test]
    fn repeated_input_gets_the_same_answer() {
        // The per-thread memo must answer exactly as a fresh attempt, for a
        // compressible input, an incompressible one, and after switching.
        let yes: &[u8] = b"abcabcabcabcabcabcabcabcabcabcabcabc";
        let no: &[u8] = br#"{"a":1}"#;
        for data in [yes, yes, no, no, yes, no] {
            let mut zlib = Vec::new();
            zlib_compress(data, &mut zlib);
            let expected = (zlib.len() + 1 < data.len()).then_some(zlib);
            assert_eq!(compressed(data), expected);
        }
    }

    #[test]
    fn inflation_is_bounded() {
        let big = vec![b'a'; 100_000];
        let z = compressed(&big).unwrap();
        assert!(z.len() < 200);
        assert_eq!(
            decompress(&z, 65_536),
            Err(PayloadError::TooLarge { limit: 65_536 })
        );
        assert_eq!(decompress(&z, 100_000).unwrap().len(), 100_000);
    }
}
