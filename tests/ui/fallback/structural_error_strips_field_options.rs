use sessionkit::session;

// On a structural error the struct is emitted as written, less the
// fields' `#[session(...)]` options (a macro attribute on a field would be
// an error of its own); their other attributes stay.
#[session]
struct Session {
    /// The colour scheme.
    #[session(rename = "t")]
    #[allow(dead_code)]
    theme: String,
    set_theme: bool,
}

fn main() {
    let _s: Option<Session> = None;
}
