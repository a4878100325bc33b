use sessionkit::session;

#[session]
struct Session {
    theme: String,
    set_theme: bool,
}

fn main() {
    // The struct still exists (with stub trait impls), so using it as a type
    // adds no error of its own.
    let _s: Option<Session> = None;
}
