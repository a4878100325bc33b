//! Base64 as itsdangerous and Flask's `" b"` tag use it.
//!
//! Writing is canonical (the `base64` crate). Reading is exactly as lenient as
//! Python's `binascii.a2b_base64` in non-strict mode, so every cookie Flask
//! accepts is accepted here: characters outside the alphabet are skipped, a
//! complete pad ends the input, unused low bits of the last character are
//! ignored. Canonical input takes the `base64` crate's fast path.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// Input bytes per step of [`encode_url`]; their 256 characters fit its
/// stack buffer.
const ENCODE_STEP: usize = 192;

/// Unpadded URL-safe base64 (itsdangerous' `base64_encode`), appended to
/// `out`.
///
/// The `base64` crate's `encode_string` zeroes a 1 KiB buffer on every call;
/// a cookie value is one or two calls of 20 to a few hundred bytes, so a
/// buffer of the step's size is enough, and the cost of clearing it stays
/// below that of encoding.
pub(crate) fn encode_url(bytes: &[u8], out: &mut String) {
    let mut buf = [0u8; ENCODE_STEP / 3 * 4];
    out.reserve(bytes.len().div_ceil(3) * 4);
    for step in bytes.chunks(ENCODE_STEP) {
        let n = URL_SAFE_NO_PAD
            .encode_slice(step, &mut buf)
            .expect("192 bytes encode to 256 characters");
        out.push_str(std::str::from_utf8(&buf[..n]).expect("base64 is ASCII"));
    }
}

/// Standard base64 with padding (the `" b"` tag).
pub(crate) fn encode_std(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The input is not base64 that Python's non-strict decoder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidBase64;

/// itsdangerous' `base64_decode` on bytes: pad to a multiple of 4 with `=`,
/// map `-`→`+` and `_`→`/`, then `a2b_base64` leniently.
pub(crate) fn decode_itsdangerous(input: &[u8]) -> Result<Vec<u8>, InvalidBase64> {
    if let Ok(v) = URL_SAFE_NO_PAD.decode(input) {
        return Ok(v);
    }
    let pad = (4 - input.len() % 4) % 4;
    let padded = input.iter().copied().chain(std::iter::repeat_n(b'=', pad));
    a2b_base64(padded.map(|b| match b {
        b'-' => b'+',
        b'_' => b'/',
        other => other,
    }))
}

/// Canonical unpadded URL-safe base64 into `out`; `None` if not canonical
/// or too long (the caller then takes the lenient path).
pub(crate) fn decode_url_into(input: &[u8], out: &mut [u8]) -> Option<usize> {
    URL_SAFE_NO_PAD.decode_slice(input, out).ok()
}

/// Canonical unpadded URL-safe base64 appended to `out`; `false` if not
/// canonical (the caller then takes the lenient path).
pub(crate) fn decode_url_vec(input: &[u8], out: &mut Vec<u8>) -> bool {
    URL_SAFE_NO_PAD.decode_vec(input, out).is_ok()
}

/// Python's `base64.b64decode(s)` (non-strict `binascii.a2b_base64`).
pub(crate) fn decode_python_std(input: &[u8]) -> Result<Vec<u8>, InvalidBase64> {
    if let Ok(v) = STANDARD.decode(input) {
        return Ok(v);
    }
    a2b_base64(input.iter().copied())
}

fn sextet(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// CPython's `binascii.a2b_base64(data, strict_mode=False)`.
fn a2b_base64(input: impl Iterator<Item = u8>) -> Result<Vec<u8>, InvalidBase64> {
    let (lower, _) = input.size_hint();
    let mut out = Vec::with_capacity(lower / 4 * 3 + 3);
    let mut quad_pos = 0u8;
    let mut left = 0u8;
    let mut pads = 0u8;
    for b in input {
        if b == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return Ok(out);
                }
            }
            continue;
        }
        let Some(v) = sextet(b) else { continue };
        pads = 0;
        match quad_pos {
            0 => {
                left = v;
                quad_pos = 1;
            }
            1 => {
                out.push((left << 2) | (v >> 4));
                left = v & 0x0F;
                quad_pos = 2;
            }
            2 => {
                out.push((left << 4) | (v >> 2));
                left = v & 0x03;
                quad_pos = 3;
            }
            _ => {
                out.push((left << 6) | v);
                quad_pos = 0;
            }
        }
    }
    if quad_pos == 0 {
        Ok(out)
    } else {
        Err(InvalidBase64)
    }
}

/// Lowercase hex of `bytes` (digests, keys, tokens).
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_like_python() {
        // Values checked against CPython 3.11's base64 module.
        assert_eq!(decode_python_std(b"YW=Jj").unwrap(), b"abc");
        assert!(decode_python_std(b"YQ").is_err());
        assert_eq!(decode_python_std(b"YQ==").unwrap(), b"a");
        assert_eq!(decode_python_std(b"YQ==junk").unwrap(), b"a");
        assert_eq!(decode_python_std(b"Y!Q=\n=").unwrap(), b"a");
        assert!(decode_python_std(b"Y").is_err());
        assert_eq!(decode_itsdangerous(b"YWJj\xc3\xa9").unwrap(), b"abc");
        assert!(decode_itsdangerous(b"YWJjZ\xc3\xa9").is_err());
        assert_eq!(decode_itsdangerous(b"-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(decode_itsdangerous(b"+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
        // Non-zero unused bits are ignored.
        assert_eq!(decode_itsdangerous(b"YR").unwrap(), b"a");
        assert_eq!(decode_itsdangerous(b"").unwrap(), b"");
        // The padding is counted from the whole input, junk and non-ASCII
        // bytes included (itsdangerous pads the bytes it is given), so junk
        // can leave a quad short of its `=`.
        assert_eq!(decode_itsdangerous(b"YWJjYQ!!!").unwrap(), b"abca");
        assert!(decode_itsdangerous(b"YWJjYQ!").is_err());
        assert!(decode_itsdangerous(b"YWJjY!!").is_err());
        assert!(decode_itsdangerous(b"YWJjYQ\xc3\xa9").is_err());
    }

    #[test]
    fn encode_url_is_unpadded_url_safe_base64_at_every_length() {
        let mut out = String::new();
        for (input, want) in [
            (&b""[..], ""),
            (b"a", "YQ"),
            (b"ab", "YWI"),
            (b"abc", "YWJj"),
            (&[0xfb, 0xff, 0xbf], "-_-_"),
        ] {
            out.clear();
            encode_url(input, &mut out);
            assert_eq!(out, want);
        }
        // Across the step boundaries (192, 384, 576 bytes), appended after
        // existing text, and against the crate's own `encode_string`.
        let data: Vec<u8> = (0..700u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for n in 0..=data.len() {
            let mut out = String::from("prefix.");
            encode_url(&data[..n], &mut out);
            let mut want = String::from("prefix.");
            URL_SAFE_NO_PAD.encode_string(&data[..n], &mut want);
            assert_eq!(out, want, "length {n}");
            assert_eq!(
                decode_itsdangerous(&out.as_bytes()[7..]).unwrap(),
                &data[..n]
            );
        }
    }
}
