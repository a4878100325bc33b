use sessionkit::session;

#[session(cokie = "sid")]
struct Session {
    n: u32,
}

fn main() {}
