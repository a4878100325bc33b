use sessionkit::session;

#[session]
struct Session {
    #[session(renam = "_user_id")]
    user: Option<String>,
}

fn main() {}
