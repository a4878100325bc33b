//! Any form body, content type and token header through the CSRF check.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sessionkit::DynamicSession;
use sessionkit::codec::SecretKey;
use sessionkit::csrf::{Csrf, CsrfConfig};
use sessionkit::lifecycle::SessionHandle;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let (header, body) = rest.split_at(split);
    let content_type = match selector % 4 {
        0 => "application/x-www-form-urlencoded".to_owned(),
        1 => format!(
            "multipart/form-data; boundary={}",
            String::from_utf8_lossy(header)
        ),
        2 => "multipart/form-data; boundary=X".to_owned(),
        _ => String::from_utf8_lossy(header).into_owned(),
    };
    let mut config =
        CsrfConfig::new(SecretKey::from_text("k").unwrap()).with_assume_https(selector & 4 != 0);
    if selector & 8 != 0 {
        // Limits lifted: the parsers themselves on bodies past Flask's limits.
        config = config.with_form_limits(usize::MAX, usize::MAX, usize::MAX);
        config.max_header_params = usize::MAX;
    }
    let csrf = Csrf::new(config);
    let mut b = http::Request::builder()
        .method("POST")
        .header("host", "localhost");
    if let Ok(v) = http::HeaderValue::from_str(&content_type) {
        b = b.header("content-type", v);
    }
    if let Ok(v) = http::HeaderValue::from_bytes(header) {
        b = b
            .header("x-csrftoken", v.clone())
            .header("origin", v.clone())
            .header("referer", v);
    }
    let parts = b.body(()).unwrap().into_parts().0;
    let mut session = DynamicSession::default();
    let _ = csrf.token(&mut session);
    let handle = SessionHandle::new(session);
    let _ = csrf.protect(&parts, body, &handle);
});
