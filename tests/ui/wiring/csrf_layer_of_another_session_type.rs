// The CSRF layer's session type comes from the session layer: a layer for
// another session type cannot be written.
use sessionkit::tower::{CsrfLayer, SessionLayer};
use sessionkit::codec::SecretKey;
use sessionkit::csrf::{Csrf, CsrfConfig};
use sessionkit::{DynamicSession, session};

#[session]
struct Cart {
    n: u32,
}

fn main() {
    let key = SecretKey::from_text("k").unwrap();
    let session = SessionLayer::<Cart>::with_key(key.clone()).unwrap();
    let csrf = CsrfLayer::<DynamicSession>::new(Csrf::new(CsrfConfig::new(key)));
    let mismatched: CsrfLayer<DynamicSession> = session.csrf_layer().unwrap();
    let _ = (csrf, mismatched);
}
