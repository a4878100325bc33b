//! Any `Cookie` header through the session interface (parsing, unquoting,
//! lookup, verification).
#![no_main]
use libfuzzer_sys::fuzz_target;
use session_runtime::codec::SecretKey;
use session_runtime::{DynamicSession, SecureCookieSessionInterface, SessionConfig, SessionInterface};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = http::HeaderValue::from_bytes(data) else { return };
    let i = SecureCookieSessionInterface::new(SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()))
        .unwrap();
    let parts = http::Request::builder().header("cookie", value).body(()).unwrap().into_parts().0;
    let s: Option<DynamicSession> = i.open_session(&parts);
    assert!(s.is_some());
});
