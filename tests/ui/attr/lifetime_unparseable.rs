use sessionkit::session;

#[session(lifetime = "31 days")]
struct Session {
    n: u32,
}

fn main() {}
