use sessionkit::session;

#[session]
struct Session {
    permanent: bool,
}

fn main() {}
