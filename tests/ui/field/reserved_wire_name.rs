use sessionkit::session;

#[session]
struct Session {
    #[session(rename = "_permanent")]
    keep: bool,
}

fn main() {}
