use sessionkit::session;

#[session(same_site = "none")]
struct Session {
    n: u32,
}

fn main() {}
