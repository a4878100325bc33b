use sessionkit::session;

struct Connection;

#[session]
struct Session {
    n: u32,
    conn: Connection,
}

fn main() {}
