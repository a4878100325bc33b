//! Any text through the tagged-JSON reader; what parses must write and
//! re-read to an equal value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use session_runtime::codec::{SecretKey, SessionCodec};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let codec = SessionCodec::flask(SecretKey::from_text("k").unwrap());
    if let Ok(v) = codec.parse_json(text) {
        if let Ok(json) = v.to_flask_json() {
            let back = codec.parse_json(&json).expect("our own output parses");
            // Datetimes normalise to UTC and two-digit years; compare the
            // canonical text instead of the values.
            assert_eq!(back.to_flask_json().unwrap(), json);
        }
    }
});
