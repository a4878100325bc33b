use sessionkit as sk;

#[sk::session(crate = "sk", cookie = "sid")]
pub struct Session {
    n: u32,
}

fn main() {
    use sk::SessionData as _;
    let mut s = Session::default();
    s.set_n(1);
    assert_eq!(Session::default_config().cookie_name, "sid");
}
