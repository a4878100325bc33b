//! Any bytes as a payload: the compressed form in the cookie must be exactly
//! real zlib's (a fresh level-6 stream, as Python's `zlib.compress`), and it
//! must be used exactly when itsdangerous would use it (saves 2+ bytes).
#![no_main]
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::{Compress, Compression, FlushCompress, Status};
use libfuzzer_sys::fuzz_target;
use sessionkit::codec::{SecretKey, SessionCodec};

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut c = Compress::new(Compression::new(6), true);
    let mut out = Vec::with_capacity(data.len() + data.len() / 1000 + 64);
    let status = c
        .compress_vec(data, &mut out, FlushCompress::Finish)
        .unwrap();
    assert_eq!(status, Status::StreamEnd);
    out
}

fuzz_target!(|data: &[u8]| {
    let codec = SessionCodec::flask(SecretKey::from_text("k").unwrap());
    let cookie = codec.sign_json(data, 1_700_000_000);
    let expected = zlib(data);
    let smaller = expected.len() + 1 < data.len();
    // `payload.timestamp.signature`, with a leading `.` when compressed
    // (an empty payload also starts with `.`, but has one part less).
    let parts: Vec<&str> = cookie.split('.').collect();
    if parts.len() == 4 {
        assert!(smaller, "compressed although zlib saves nothing");
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[1]).unwrap(), expected);
    } else {
        assert!(!smaller, "not compressed although zlib saves 2+ bytes");
    }
});
