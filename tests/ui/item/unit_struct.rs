use sessionkit::session;

#[session]
struct Session;

fn main() {}
