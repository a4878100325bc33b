//! Any `Cookie` header through the session interface (parsing, unquoting,
//! lookup, verification), with every log line the open writes formatted
//! (to a sink), so the `sessionkit` events' fields and error messages are
//! fuzzed too.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sessionkit::codec::SecretKey;
use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
use sessionkit::{DynamicSession, SessionConfig};

mod logging;

fuzz_target!(|data: &[u8]| {
    logging::format_every_event();
    let Ok(value) = http::HeaderValue::from_bytes(data) else {
        return;
    };
    let i = SecureCookieSessionInterface::new(
        SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    )
    .unwrap();
    let parts = http::Request::builder()
        .header("cookie", value)
        .body(())
        .unwrap()
        .into_parts()
        .0;
    let s: Option<DynamicSession> = i.open_session(&parts);
    assert!(s.is_some());
});
