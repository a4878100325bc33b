use sessionkit::session;

#[session(cookie = "__Host-session")]
struct Session {
    n: u32,
}

#[session(cookie = "__Host-session", secure, domain = "example.com", path = "/app")]
struct Scoped {
    n: u32,
}

fn main() {}
