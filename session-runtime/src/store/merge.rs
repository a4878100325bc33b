//! The key-level three-way merge of a save that lost a compare-and-set (see
//! the [`store`](super) module docs for the rule).

use crate::codec::{Dict, Value};

/// What a merge did, for the debug log.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct MergeReport {
    /// Keys both requests changed: this save's value won.
    pub(super) contested: Vec<String>,
}

/// Merges `mine` (this request's session) onto `theirs` (the record now):
/// keys this request changed against `base` (the record it loaded) take
/// its value (or are removed, if it removed them); the others keep
/// `theirs`. The result keeps `theirs`' key order, keys only this request
/// added follow in its order.
pub(super) fn three_way(base: &Dict, mine: &Dict, theirs: &Dict) -> (Dict, MergeReport) {
    let changed = |key: &str| mine.get(key) != base.get(key);
    let mut report = MergeReport::default();
    let mut out = Dict::with_capacity(theirs.len().max(mine.len()));
    for (key, their_value) in theirs.iter() {
        let k = key.to_string_lossy();
        if changed(&k) {
            if their_value_changed(base, theirs, &k) && mine.get(&k) != Some(their_value) {
                report.contested.push(k.clone());
            }
            if let Some(my_value) = mine.get(&k) {
                out.insert(key.clone(), my_value.clone());
            }
        } else {
            out.insert(key.clone(), their_value.clone());
        }
    }
    for (key, my_value) in mine.iter() {
        let k = key.to_string_lossy();
        if theirs.get(&k).is_none() && changed(&k) {
            if base.get(&k).is_some() {
                // They removed a key this request changed: it wins.
                report.contested.push(k.clone());
            }
            out.insert(key.clone(), my_value.clone());
        }
    }
    (out, report)
}

fn their_value_changed(base: &Dict, theirs: &Dict, key: &str) -> bool {
    theirs.get(key) != base.get(key)
}

/// Whether a session dict holds nothing but `_permanent` (Flask-Session's
/// `bool(session)` is false then).
pub(super) fn is_empty(d: &Dict) -> bool {
    d.iter()
        .all(|(k, _)| k.as_str() == Some(crate::config::PERMANENT_KEY))
}

/// The string a session's user key holds (`_user_id` is a `str` in
/// Flask-Login; an integer id is accepted too).
pub(super) fn user_of(d: &Dict, user_key: &str) -> Option<String> {
    match d.get(user_key)? {
        Value::Str(s) => s.as_str().map(str::to_owned),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(pairs: &[(&str, i64)]) -> Dict {
        pairs.iter().map(|&(k, v)| (k, Value::Int(v))).collect()
    }

    fn keys(d: &Dict) -> Vec<String> {
        d.iter().map(|(k, _)| k.to_string_lossy()).collect()
    }

    #[test]
    fn different_keys_both_land() {
        let base = dict(&[("a", 1)]);
        let mine = dict(&[("a", 1), ("mine", 2)]);
        let theirs = dict(&[("a", 1), ("theirs", 3)]);
        let (out, report) = three_way(&base, &mine, &theirs);
        assert_eq!(out, dict(&[("a", 1), ("theirs", 3), ("mine", 2)]));
        assert_eq!(keys(&out), ["a", "theirs", "mine"]);
        assert!(report.contested.is_empty());
    }

    #[test]
    fn the_later_save_wins_a_contested_key() {
        let base = dict(&[("n", 1)]);
        let mine = dict(&[("n", 2)]);
        let theirs = dict(&[("n", 3)]);
        let (out, report) = three_way(&base, &mine, &theirs);
        assert_eq!(out, dict(&[("n", 2)]));
        assert_eq!(report.contested, ["n"]);
        // Both set the same value: no contest.
        let (out, report) = three_way(&base, &mine, &mine);
        assert_eq!(out, mine);
        assert!(report.contested.is_empty());
    }

    #[test]
    fn removals_are_changes() {
        let base = dict(&[("a", 1), ("b", 2), ("c", 3)]);
        // This request removed `a`; the other removed `b` and changed `c`.
        let mine = dict(&[("b", 2), ("c", 3)]);
        let theirs = dict(&[("a", 1), ("c", 4)]);
        let (out, report) = three_way(&base, &mine, &theirs);
        assert_eq!(out, dict(&[("c", 4)]));
        assert!(report.contested.is_empty());
        // The other removed a key this request changed: this one wins.
        let mine = dict(&[("a", 9), ("b", 2), ("c", 3)]);
        let theirs = dict(&[("b", 2), ("c", 3)]);
        let (out, report) = three_way(&base, &mine, &theirs);
        assert_eq!(out, dict(&[("b", 2), ("c", 3), ("a", 9)]));
        assert_eq!(report.contested, ["a"]);
    }

    #[test]
    fn an_untouched_session_takes_theirs() {
        let base = dict(&[("a", 1)]);
        let theirs = dict(&[("a", 5), ("z", 0)]);
        assert_eq!(three_way(&base, &base, &theirs).0, theirs);
    }

    #[test]
    fn emptiness_and_users() {
        assert!(is_empty(&Dict::new()));
        let mut d = Dict::new();
        d.insert("_permanent", true);
        assert!(is_empty(&d));
        d.insert("_user_id", "42");
        assert!(!is_empty(&d));
        assert_eq!(user_of(&d, "_user_id").as_deref(), Some("42"));
        d.insert("uid", Value::Int(7));
        assert_eq!(user_of(&d, "uid").as_deref(), Some("7"));
        assert_eq!(user_of(&d, "nope"), None);
    }
}
