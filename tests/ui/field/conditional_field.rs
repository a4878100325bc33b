use sessionkit::session;

#[session]
struct Session {
    #[cfg(any())]
    gone: String,
    #[cfg_attr(all(), doc = "visits")]
    visits: u32,
}

fn main() {
    // Only the two attributes are reported: the field stays declared.
    let s = Session::default();
    let _ = s.gone();
}
