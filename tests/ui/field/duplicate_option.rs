use sessionkit::session;

#[session]
struct Session {
    #[session(rename = "a", rename = "b")]
    user: Option<String>,
}

fn main() {}
