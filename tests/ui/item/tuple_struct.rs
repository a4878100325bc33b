use sessionkit::session;

#[session]
struct Session(String, u32);

fn main() {}
