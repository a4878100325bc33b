//! The benches measure what they claim: each typed fixture struct opens its
//! fixture with every declared field read (none kept as "does not fit"),
//! and writes back exactly the JSON the dynamic session writes.

#![allow(missing_docs, unreachable_pub)]

#[path = "../benches/fixtures.rs"]
mod fixtures;

use fixtures::{Medium, Small, large, medium, small};
use sessionkit::SessionData;
use sessionkit::codec::{Dict, write_session_json};

fn check<S: SessionData>(dict: &Dict, declared: &[&str]) {
    let mut json = Vec::new();
    write_session_json(&mut json, dict, 64).unwrap();
    let s = S::from_json(&json, 64).unwrap();
    for key in declared {
        assert_eq!(s.get_key(key).as_ref(), dict.get(key), "{key}");
    }
    let mut out = Vec::new();
    s.write_json(&mut out, 64).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        String::from_utf8(json).unwrap()
    );
}

#[test]
fn typed_fixtures_read_every_declared_field() {
    check::<Small>(&small(), &["csrf_token", "user_id"]);
    let medium_keys = [
        "_user_id",
        "_fresh",
        "_flashes",
        "csrf_token",
        "user_id",
        "cart",
    ];
    check::<Medium>(&medium(), &medium_keys);
    let mut large_keys = medium_keys.to_vec();
    large_keys.push("recently_viewed");
    check::<Medium>(&large(), &large_keys);
    // Declared values really are in the fields (not kept as misfits).
    let mut json = Vec::new();
    write_session_json(&mut json, &large(), 64).unwrap();
    let s = Medium::from_json(&json, 64).unwrap();
    assert_eq!(s.recently_viewed().len(), 40);
    assert_eq!(s.recently_viewed()[3].sku, "SKU-10021");
    assert_eq!(s.cart().len(), 12);
}
