use sessionkit::session;

#[session(domain = "")]
struct Empty {
    n: u32,
}

#[session(domain = "example.com; Secure")]
struct Injected {
    n: u32,
}

fn main() {}
