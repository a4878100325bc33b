use sessionkit::session;

#[session(encrypted, ensure_ascii = false)]
struct Session {
    n: u32,
}

fn main() {}
