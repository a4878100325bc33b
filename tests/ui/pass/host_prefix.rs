use sessionkit::{SessionData, session};

// The name recommended for HTTPS deployments: `__Host-` with `secure`.
#[session(cookie = "__Host-session", secure)]
struct Session {
    user: Option<String>,
}

fn main() {
    let config = Session::default_config();
    assert_eq!(config.cookie_name, "__Host-session");
    assert!(config.cookie_secure);
}
