use std::time::Duration;

use sessionkit::codec::Compression;
use sessionkit::config::{Protection, SameSite};
use sessionkit::{SessionData, session};

#[session(
    cookie = "sid",
    lifetime = "1d12h",
    same_site = "strict",
    secure = true,
    http_only = false,
    domain = "example.com",
    path = "/app",
    partitioned,
    refresh_each_request = false,
    encrypted,
    compression = "never",
    crate = "::sessionkit"
)]
/// Doc comments and derives keep working.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// The user.
    #[session(rename = "_user_id")]
    user: Option<String>,
    #[session(default = 7)]
    n: u32,
    r#type: String,
}

fn main() {
    let c = Session::default_config();
    assert_eq!(c.cookie_name, "sid");
    assert_eq!(c.permanent_session_lifetime, Duration::from_secs(36 * 3600));
    assert_eq!(c.cookie_same_site, Some(SameSite::Strict));
    assert!(c.cookie_secure && !c.cookie_http_only && c.cookie_partitioned && !c.refresh_each_request);
    assert_eq!(c.cookie_domain.as_deref(), Some("example.com"));
    assert_eq!(c.cookie_path, "/app");
    assert_eq!(c.protection, Protection::Encrypted);
    assert_eq!(c.compression, Compression::Never);
    let mut s = Session::default();
    assert_eq!(*s.n(), 7);
    s.set_type("admin".into());
    assert_eq!(s.r#type(), "admin");
    let copy = s.clone();
    println!("{copy:?}");
}
