use sessionkit::session;

// A choice option written as a bare flag, then another option.
#[session(compression, secure)]
struct Session {
    n: u32,
}

fn main() {}
