//! Any cookie value through signature verification and payload decoding;
//! also signed garbage payloads (the key holder's side).
#![no_main]
use libfuzzer_sys::fuzz_target;
use session_runtime::codec::{SecretKey, SessionCodec};

fuzz_target!(|data: &[u8]| {
    let codec = SessionCodec::flask(SecretKey::from_text("fuzz-key").unwrap());
    let _ = codec.loads_session(data, 1_700_000_000, Some(2_678_400));
    let _ = SessionCodec::decode_unverified(data);
    // A validly signed arbitrary payload exercises base64, zlib and JSON.
    let signed = codec.sign_json(data, 1_700_000_000);
    if let Ok(s) = codec.loads_session(&signed, 1_700_000_000, None) {
        // What opens must write and reopen to the same value.
        let again = codec.dumps_session(&s.value, 5).unwrap();
        assert_eq!(codec.loads_session(&again, 5, None).unwrap().value, s.value);
    }
});
