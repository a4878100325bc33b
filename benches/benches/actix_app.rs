//! The actix-web apps the actix benches measure (`benches/actix.rs`, the
//! criterion rows; `examples/actix_cpu.rs`, CPU per request): the small
//! fixture's session read and changed, through sessionkit and through
//! actix-session, with a browser's request headers.

use actix_web::dev::ServiceResponse;
use actix_web::test::TestRequest;
use sessionkit::actix::Session;

use crate::fixtures::{self, Small, next};

/// sessionkit: read the token, change `user_id`.
pub async fn with_session(session: Session<Small>) -> &'static str {
    let mut s = session.lock();
    assert!(s.csrf_token().is_some());
    s.set_user_id(next());
    "ok"
}

/// actix-session: the same read and change.
pub async fn with_actix_session(session: actix_session::Session) -> &'static str {
    let token: Option<String> = session.get("csrf_token").unwrap();
    assert!(token.is_some());
    session.insert("user_id", next()).unwrap();
    "ok"
}

pub async fn start_actix_session(session: actix_session::Session) -> &'static str {
    session.insert("_permanent", true).unwrap();
    session.insert("csrf_token", fixtures::TOKEN).unwrap();
    session.insert("user_id", 42).unwrap();
    "ok"
}

pub fn actix_session_key() -> actix_web::cookie::Key {
    actix_web::cookie::Key::from(&[7u8; 64])
}

/// What a browser sends with a page request besides the cookie (Chromium's
/// headers for a same-origin navigation), so the per-request cost of
/// reading the request head is counted.
pub const BROWSER_HEADERS: &[(&str, &str)] = &[
    ("host", "127.0.0.1:3000"),
    ("connection", "keep-alive"),
    ("upgrade-insecure-requests", "1"),
    (
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
    ),
    (
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    ),
    ("sec-fetch-site", "same-origin"),
    ("sec-fetch-mode", "navigate"),
    ("sec-fetch-user", "?1"),
    ("sec-fetch-dest", "document"),
    ("referer", "http://127.0.0.1:3000/"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("accept-language", "en-GB,en;q=0.9"),
];

/// `GET /` as a browser sends it, with `cookie` (none when empty).
pub fn browser_request(cookie: &str) -> TestRequest {
    let mut request = TestRequest::get().uri("/");
    for header in BROWSER_HEADERS {
        request = request.insert_header(*header);
    }
    if !cookie.is_empty() {
        request = request.insert_header(("cookie", cookie));
    }
    request
}

/// The session cookie a response set (`name=value`).
pub fn cookie_of<B>(response: &ServiceResponse<B>) -> String {
    let set = response
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .unwrap();
    set.split(';').next().unwrap().to_owned()
}
