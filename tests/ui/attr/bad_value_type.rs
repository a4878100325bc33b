use sessionkit::session;

#[session(cookie = 5, secure = "yes")]
struct Session {
    n: u32,
}

fn main() {}
