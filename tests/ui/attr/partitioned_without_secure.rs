use sessionkit::session;

#[session(partitioned)]
struct Session {
    n: u32,
}

fn main() {}
