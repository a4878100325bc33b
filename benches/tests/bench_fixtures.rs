//! The benches measure what they claim: each typed fixture struct opens its
//! fixture with every declared field read (none kept as "does not fit"),
//! and writes back exactly the JSON the dynamic session writes; and the
//! Flask baseline (`benches/flask_baseline.py`) runs and times the same
//! payloads, byte for byte; and the window script (`benches/window.py`)
//! reads criterion's, wrk's and the allocation bench's output correctly.

#![allow(missing_docs, unreachable_pub)]

#[path = "../benches/fixtures.rs"]
mod fixtures;
#[path = "../../tests/support/mod.rs"]
mod support;

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

#[test]
fn flask_baseline_runs_and_times_the_same_payloads() {
    let Some(python) = support::flask::python("flask_baseline_runs_and_times_the_same_payloads")
    else {
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/flask_baseline.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg("--check")
        .output()
        .expect("run flask_baseline.py");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let flask: Vec<(&str, &str)> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("fixture ")?.split_once(' '))
        .collect();
    let names: Vec<&str> = flask.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["small", "medium", "large"]);
    for ((name, json), dict) in flask.iter().zip([small(), medium(), large()]) {
        let mut ours = Vec::new();
        write_session_json(&mut ours, &dict, 64).unwrap();
        assert_eq!(*json, String::from_utf8(ours).unwrap(), "fixture {name}");
    }
}

#[test]
fn window_scripts_parse_what_the_tools_print() {
    let Some(python) = support::flask::python("window_scripts_parse_what_the_tools_print") else {
        return;
    };
    // `window.py` parses criterion, dhat and wrk; `server_cpu.py` parses
    // wrk and `perf stat`.
    for script in ["window.py", "server_cpu.py"] {
        let path = format!("{}/{script}", env!("CARGO_MANIFEST_DIR"));
        let out = std::process::Command::new(&python)
            .args([path.as_str(), "--self-test"])
            .output()
            .expect("run the script");
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("self-test ok"),
            "{script}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
