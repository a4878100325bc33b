use sessionkit::session;

#[session(cookie = "a", cookie = "b")]
struct Session {
    n: u32,
}

fn main() {}
