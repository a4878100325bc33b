use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sessionkit::session;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Prefs {
    theme: String,
    font_size: u8,
    nested: Option<Box<Prefs>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
enum Role {
    #[default]
    Guest,
    Member { since: u32 },
    Admin(String),
}

#[session]
struct Session {
    prefs: Prefs,
    role: Role,
    counters: HashMap<String, u64>,
    by_id: BTreeMap<u32, String>,
    flashes: Vec<(String, String)>,
    pair: (u8, bool, String),
    maybe: Option<Vec<Option<i64>>>,
    big: u128,
    ratio: f64,
    id: sessionkit::codec::Uuid,
    any: sessionkit::codec::Value,
}

fn main() {
    let mut s = Session::default();
    s.set_role(Role::Member { since: 2024 });
    s.by_id_mut().insert(1, "one".into());
    s.flashes_mut().push(("message".into(), "hi".into()));
    assert_eq!(s.prefs().font_size, 0);
    assert!(!s.is_empty());
}
