use sessionkit::session;

#[session(same_site = "none", cokie = "sid")]
struct Session {
    #[session(rename = "")]
    user: Option<String>,
    visits: u32,
}

fn main() {
    // Only the attribute errors above are reported: the type and its
    // accessors still exist.
    let mut s = Session::default();
    s.set_visits(*s.visits() + 1);
    let _ = s.take_user();
}
