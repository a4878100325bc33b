use sessionkit::session;

#[session(compression = "above:4k")]
struct Session {
    n: u32,
}

fn main() {}
