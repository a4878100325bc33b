use sessionkit::session;

#[session]
struct Session {
    theme: String,
    set_theme: bool,
}

fn needs_session_data<S: sessionkit::SessionData>() {}

fn main() {
    // The struct still exists, with stub `Default` and `SessionData` impls,
    // so using it as a type, building it or passing it where a session is
    // expected adds no error of its own.
    let _s: Option<Session> = None;
    let _ = Session::default;
    needs_session_data::<Session>();
}
