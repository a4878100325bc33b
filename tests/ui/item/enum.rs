use sessionkit::session;

#[session]
enum Session {
    LoggedOut,
}

fn main() {}
