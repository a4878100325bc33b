use sessionkit::session;

#[session]
struct Session {
    #[session(rename = "user")]
    name: String,
    user: Option<String>,
}

fn main() {}
