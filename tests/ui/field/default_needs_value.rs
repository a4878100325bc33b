use sessionkit::session;

#[session]
struct Session {
    #[session(default)]
    n: u32,
}

fn main() {}
