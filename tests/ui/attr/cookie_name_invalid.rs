use sessionkit::session;

#[session(cookie = "my session;")]
struct Session {
    n: u32,
}

fn main() {}
