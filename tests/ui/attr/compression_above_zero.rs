use sessionkit::session;

#[session(compression = "above:0")]
struct Session {
    n: u32,
}

fn main() {}
