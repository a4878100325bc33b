use sessionkit::session;

#[session(domain = "")]
struct Empty {
    n: u32,
}

#[session(domain = "example.com; Secure")]
struct Injected {
    n: u32,
}

// Each refused character on its own: a `;`, a space, a control character.
#[session(domain = "example.com;Secure")]
struct Semicolon {
    n: u32,
}

#[session(domain = "example .com")]
struct Space {
    n: u32,
}

#[session(domain = "example.com\x07")]
struct Control {
    n: u32,
}

fn main() {}
