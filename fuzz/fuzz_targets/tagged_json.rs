//! Any text through the tagged-JSON reader; what parses must write and
//! re-read to an equal value, signed with `ensure_ascii` on and off.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sessionkit::codec::{EncodeError, SecretKey, SessionCodec};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = || SecretKey::from_text("k").unwrap();
    let codec = SessionCodec::flask(key());
    if let Ok(v) = codec.parse_json(text) {
        if let Ok(json) = v.to_flask_json() {
            let back = codec.parse_json(&json).expect("our own output parses");
            // Datetimes normalise to UTC and two-digit years; compare the
            // canonical text instead of the values.
            assert_eq!(back.to_flask_json().unwrap(), json);
            // The UTF-8 form reads back to the same canonical text, unless
            // a lone surrogate (escaped in the ASCII form) forbids it.
            let utf8 = SessionCodec::builder(key()).ensure_ascii(false).build();
            match utf8.dumps(&v, 0) {
                Ok(cookie) => {
                    let opened = utf8.loads(&cookie, 0, None).expect("our own cookie opens");
                    assert_eq!(opened.value.to_flask_json().unwrap(), json);
                }
                Err(EncodeError::LoneSurrogate(u)) => {
                    assert!((0xD800..=0xDFFF).contains(&u));
                    assert!(json.contains(&format!("\\u{u:04x}")));
                }
                Err(e) => panic!("{e}: {json}"),
            }
        }
    }
});
