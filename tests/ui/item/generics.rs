use sessionkit::session;

#[session]
struct Session<T> {
    value: T,
}

fn main() {}
