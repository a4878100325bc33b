use sessionkit::session;

#[session]
struct Session<'a> {
    name: &'a str,
}

fn main() {}
