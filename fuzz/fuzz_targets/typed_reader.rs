//! Any payload through a `#[session]` struct's direct reader
//! (`SessionData::from_json`) and through the tree path (parse into a dict,
//! then `from_dict`): both must open or both fail, and what opens must hold
//! the same fields, keep the same keys and write the same bytes.
//!
//! `cargo fuzz run typed_reader -- -dict=fuzz/typed_reader.dict`
#![no_main]
use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};
use sessionkit::codec::{Markup, Value, parse_session_json};
use sessionkit::error::OpenError;
use sessionkit::{SessionData, session};

#[derive(Serialize, Deserialize, Debug, PartialEq, Default)]
struct Rec {
    a: u8,
    b: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Default)]
enum Kind {
    #[default]
    A,
    B(u8),
}

#[session]
struct Wide {
    n: u64,
    i: i32,
    s: String,
    o: Option<String>,
    f: f64,
    flashes: Vec<(String, String)>,
    pair: (u8, u8),
    map: BTreeMap<String, u32>,
    rec: Rec,
    kind: Kind,
    v: Value,
    list: Vec<Value>,
    markup: Markup,
    bytes: Vec<u8>,
}

const KEYS: [&str; 14] = [
    "n", "i", "s", "o", "f", "flashes", "pair", "map", "rec", "kind", "v", "list", "markup",
    "bytes",
];

fn written(s: &Wide) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    s.write_json(&mut out, 32).map_err(|e| e.to_string())?;
    Ok(out)
}

fuzz_target!(|data: &[u8]| {
    let direct = Wide::from_json(data, 32);
    let tree = parse_session_json(data, 32)
        .map_err(OpenError::from)
        .and_then(|d| Wide::from_dict(d).map_err(OpenError::from));
    match (direct, tree) {
        (Ok(d), Ok(t)) => {
            assert_eq!(written(&d), written(&t));
            for k in KEYS {
                assert_eq!(d.get_key(k), t.get_key(k), "{k}");
            }
            assert_eq!(d.is_permanent_session(), t.is_permanent_session());
        }
        (Err(_), Err(_)) => {}
        (d, t) => panic!("direct {:?} vs tree {:?}", d.is_ok(), t.is_ok()),
    }
});
