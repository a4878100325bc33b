use sessionkit::session;

#[session]
struct Session {
    __sessionkit: u32,
}

fn main() {
    // The struct is emitted as written, so its uses add no errors.
    let _s: Option<Session> = None;
}
