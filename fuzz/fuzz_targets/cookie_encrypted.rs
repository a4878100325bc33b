//! Any cookie value through decryption.
#![no_main]
use libfuzzer_sys::fuzz_target;
use session_runtime::codec::{EncryptedCodec, SecretKey, SecretKeys};

fuzz_target!(|data: &[u8]| {
    let codec = EncryptedCodec::new(&SecretKeys::new(SecretKey::from_text("fuzz-key").unwrap()), "cookie-session");
    let _ = codec.open(data, 1_700_000_000, Some(60));
    let mut prefixed = b"v1.".to_vec();
    prefixed.extend_from_slice(data);
    let _ = codec.open(&prefixed, 1_700_000_000, None);
});
