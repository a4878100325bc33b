use sessionkit::session;

#[session(path = "app")]
struct Session {
    n: u32,
}

fn main() {}
