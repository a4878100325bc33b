//! Flask-Login helpers on any input: the session identifier of any
//! `X-Forwarded-For`/`User-Agent` bytes (always 128 hex digits), the
//! remember-me cookie read from any `Cookie` header, and any user id
//! written and read back; every log line written is formatted (to a sink).
#![no_main]
use libfuzzer_sys::fuzz_target;
use sessionkit::flask_login::{RememberCookie, session_identifier};
use std::time::{Duration, UNIX_EPOCH};

mod logging;

fuzz_target!(|data: &[u8]| {
    logging::format_every_event();
    let split = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let (a, b) = data.split_at(split);
    let mut headers = http::HeaderMap::new();
    for (name, bytes) in [("x-forwarded-for", a), ("user-agent", b), ("cookie", data)] {
        if let Ok(v) = http::HeaderValue::from_bytes(bytes) {
            headers.append(name, v);
        }
    }
    let id = session_identifier(std::str::from_utf8(a).ok(), &headers);
    assert!(id.len() == 128 && id.bytes().all(|c| c.is_ascii_hexdigit()));

    let remember = RememberCookie::new(b"k");
    let _ = remember.user_from_request(&headers);
    if let Ok(user_id) = std::str::from_utf8(b) {
        let expires = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        if let Ok(header) = remember.set_cookie(user_id, expires) {
            let pair = header.split("; ").next().unwrap();
            let mut request = http::HeaderMap::new();
            request.insert("cookie", http::HeaderValue::from_str(pair).unwrap());
            assert_eq!(
                remember.user_from_request(&request).as_deref(),
                Some(user_id)
            );
        }
    }
});
