use sessionkit::session;

// Field options that do not parse are errors, never silently dropped.
#[session]
struct Session {
    #[session(default = , rename = "")]
    count: u32,
    #[session(rename "_user_id")]
    user: String,
    #[session(rename = "_id" default = 1)]
    id: u32,
    #[session(unknown = )]
    other: u32,
}

fn main() {}
