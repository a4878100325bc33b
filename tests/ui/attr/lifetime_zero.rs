use sessionkit::session;

#[session(lifetime = "0d")]
struct Session {
    n: u32,
}

fn main() {}
