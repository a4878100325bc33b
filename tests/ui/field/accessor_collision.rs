use sessionkit::session;

#[session]
struct Session {
    theme: String,
    set_theme: bool,
}

fn main() {}
