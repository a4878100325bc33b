use sessionkit::session;

#[session(same_site = "relaxed")]
struct Session {
    n: u32,
}

fn main() {}
