//! Any cookie value through signature verification and payload decoding;
//! also signed garbage payloads (the key holder's side).
#![no_main]
use libfuzzer_sys::fuzz_target;
use sessionkit::codec::{DecodeError, PayloadError, SecretKey, SessionCodec};

fuzz_target!(|data: &[u8]| {
    let codec = SessionCodec::flask(SecretKey::from_text("fuzz-key").unwrap());
    // Error messages are written into log lines and the CLI's output:
    // formatting them must not panic whatever the input.
    if let Err(e) = codec.loads_session(data, 1_700_000_000, Some(2_678_400)) {
        let _ = (e.to_string(), format!("{e:?}"));
    }
    if let Err(e) = SessionCodec::decode_unverified(data) {
        let _ = (e.to_string(), format!("{e:?}"));
    }
    // A validly signed arbitrary payload exercises base64, zlib and JSON.
    let signed = codec.sign_json(data, 1_700_000_000);
    let opened = codec.loads_session(&signed, 1_700_000_000, None);
    if let Err(e) = &opened {
        let _ = (e.to_string(), format!("{e:?}"));
    }
    if let Ok(s) = &opened {
        // What opens must write and reopen to the same value.
        let again = codec.dumps_session(&s.value, 5).unwrap();
        assert_eq!(codec.loads_session(&again, 5, None).unwrap().value, s.value);
    }
    // Any payload limit, small ones included: the same verdict as the
    // default limit for payloads within it, "too large" past it, and never
    // a panic (a limit below 63 bytes once panicked on compressed cookies).
    let limit = usize::from(data.first().copied().unwrap_or(0));
    let small = SessionCodec::builder(SecretKey::from_text("fuzz-key").unwrap())
        .max_payload(limit)
        .build();
    let limited = small.loads_session(&signed, 1_700_000_000, None);
    match codec.unsign(&signed, 1_700_000_000, None) {
        Ok(json) if json.value.len() <= limit => assert_eq!(limited, opened),
        Ok(_) => assert!(matches!(
            limited,
            Err(DecodeError::Payload(PayloadError::TooLarge { .. }))
        )),
        Err(_) => assert!(limited.is_err()),
    }
});
