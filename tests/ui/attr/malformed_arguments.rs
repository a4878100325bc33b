use sessionkit::session;

// Arguments that do not parse are errors, never silently dropped; the
// options after a missing value are still checked.
#[session(cookie = , lifetime = "1y")]
struct MissingValue {
    n: u32,
}

#[session(secure = )]
struct MissingBool {
    n: u32,
}

#[session(cookie "sid")]
struct MissingEquals {
    n: u32,
}

#[session(cookie = "sid" lifetime = "1d")]
struct MissingComma {
    n: u32,
}

fn main() {}
