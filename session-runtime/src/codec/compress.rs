//! zlib as Python's `zlib.compress` / `zlib.decompress` do it.
//!
//! Byte-identical output needs real zlib (level 6, window 15, memLevel 8):
//! `flate2` on its `zlib` backend. The compressor and decompressor states are
//! kept per thread and reset, never allocated per cookie.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::error::PayloadError;

thread_local! {
    static COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(6), true));
    /// The last input compressed on this thread and its output: a session
    /// re-saved unchanged (a permanent session refreshed on every request)
    /// gets the same bytes without running zlib again.
    static LAST: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
    static DECOMPRESSOR: RefCell<Decompress> = RefCell::new(Decompress::new(true));
}

/// `zlib.compress(data)` (level 6) into `out`, which is cleared first. The
/// stream is reset before use (one reset per call: it clears zlib's 64 KiB
/// hash table, most of the cost for small payloads). The same input as the
/// previous call on this thread reuses that call's output (identical bytes).
pub(crate) fn compress_into(data: &[u8], out: &mut Vec<u8>) {
    let reused = LAST.with(|last| {
        let last = last.borrow();
        (last.0 == data && !data.is_empty()).then(|| {
            out.clear();
            out.extend_from_slice(&last.1);
        })
    });
    if reused.is_some() {
        return;
    }
    zlib_compress(data, out);
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        last.0.clear();
        last.0.extend_from_slice(data);
        last.1.clear();
        last.1.extend_from_slice(out);
    });
}

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
    DECOMPRESSOR.with(|d| {
        let mut d = d.borrow_mut();
        d.reset(true);
        let result = inflate(&mut d, data, limit);
        d.reset(true);
        result
    })
}

fn inflate(d: &mut Decompress, data: &[u8], limit: usize) -> Result<Vec<u8>, PayloadError> {
    let mut out = Vec::with_capacity((data.len() * 4).clamp(64, limit.saturating_add(1)));
    loop {
        let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
        let rest = data.get(consumed..).unwrap_or_default();
        let before_out = out.len();
        let status = d
            .decompress_vec(rest, &mut out, FlushDecompress::None)
            .map_err(|e| PayloadError::Decompress(e.to_string()))?;
        if out.len() > limit {
            return Err(PayloadError::TooLarge { limit });
        }
        match status {
            Status::StreamEnd => return Ok(out),
            _ => {
                let progressed = out.len() > before_out
                    || usize::try_from(d.total_in()).unwrap_or(usize::MAX) > consumed;
                if out.len() == out.capacity() {
                    // Grow, but never past the limit (+1 to detect overflow).
                    let target = (out.capacity() * 2).min(limit.saturating_add(1));
                    if target <= out.capacity() {
                        return Err(PayloadError::TooLarge { limit });
                    }
                    out.reserve_exact(target - out.len());
                } else if !progressed {
                    return Err(PayloadError::Decompress(
                        "incomplete or truncated stream".into(),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_python_bytes() {
        let mut z = Vec::new();
        compress_into(br#"{"a":1}"#, &mut z);
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
    fn memoised_output_is_identical() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let mut fresh = Vec::new();
        let data = br#"{"_permanent":true,"user":"ada","user2":"ada"}"#;
        compress_into(data, &mut a);
        compress_into(data, &mut b);
        zlib_compress(data, &mut fresh);
        assert_eq!(a, fresh);
        assert_eq!(b, fresh);
        compress_into(b"other", &mut b);
        zlib_compress(b"other", &mut fresh);
        assert_eq!(b, fresh);
    }

    #[test]
    fn inflation_is_bounded() {
        let big = vec![b'a'; 100_000];
        let mut z = Vec::new();
        compress_into(&big, &mut z);
        assert!(z.len() < 200);
        assert_eq!(
            decompress(&z, 65_536),
            Err(PayloadError::TooLarge { limit: 65_536 })
        );
        assert_eq!(decompress(&z, 100_000).unwrap().len(), 100_000);
    }
}
