//! Any cookie value through decryption.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sessionkit::codec::{DecodeError, EncryptedCodec, PayloadError, SecretKey, SecretKeys};

fuzz_target!(|data: &[u8]| {
    let codec = EncryptedCodec::new(
        &SecretKeys::new(SecretKey::from_text("fuzz-key").unwrap()),
        "cookie-session",
    );
    let _ = codec.open(data, 1_700_000_000, Some(60));
    let mut prefixed = b"v1.".to_vec();
    prefixed.extend_from_slice(data);
    let _ = codec.open(&prefixed, 1_700_000_000, None);
    // Sealed under any payload limit: opens within it, "too large" past it.
    let limit = usize::from(data.first().copied().unwrap_or(0));
    let small = codec.clone().with_max_payload(limit);
    let sealed = codec.seal(data, 1_700_000_000).unwrap();
    let opened = small.open(&sealed, 1_700_000_000, None);
    if data.len() <= limit {
        assert_eq!(opened.unwrap().value, data);
    } else {
        assert!(matches!(
            opened,
            Err(DecodeError::Payload(PayloadError::TooLarge { .. }))
        ));
    }
});
