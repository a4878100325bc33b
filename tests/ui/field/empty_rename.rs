use sessionkit::session;

#[session]
struct Session {
    #[session(rename = "")]
    user: Option<String>,
}

fn main() {}
