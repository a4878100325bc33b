use sessionkit::session;

#[session(compression = always)]
struct Session {
    n: u32,
}

fn main() {}
