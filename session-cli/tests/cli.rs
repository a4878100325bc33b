//! The `sessionkit` binary against its contract and Flask's vectors.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::Value as Json;

fn sessionkit(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sessionkit"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sessionkit");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn vectors() -> Json {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/flask-sessions.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn sign_reproduces_every_flask_cookie() {
    let all = vectors();
    let mut n = 0;
    for v in all["session_vectors"].as_array().unwrap() {
        if v["category"] != "encode" {
            continue;
        }
        let key = v["signing_key"]["hex"].as_str().unwrap();
        let ts = v["timestamp"].to_string();
        let json = v["payload_json"].as_str().unwrap();
        let out = sessionkit(
            &["sign", "--secret-hex", key, "--timestamp", &ts, json],
            None,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            v["name"],
            stderr(&out)
        );
        assert_eq!(
            stdout(&out).trim_end(),
            v["cookie"].as_str().unwrap(),
            "{}",
            v["name"]
        );
        n += 1;
    }
    assert!(n >= 35);
}

#[test]
fn verify_prints_what_flask_saw_or_fails_with_the_reason() {
    let all = vectors();
    let mut n = 0;
    for v in all["session_vectors"].as_array().unwrap() {
        for open in v["opens"].as_array().unwrap() {
            let app = open.get("opened_with").unwrap_or(v);
            let mut args = vec![
                "verify".to_owned(),
                "--secret-hex".into(),
                app["secret_key"]["hex"].as_str().unwrap().into(),
            ];
            for f in app["fallback_keys"].as_array().into_iter().flatten() {
                args.extend([
                    "--fallback-hex".to_owned(),
                    f["hex"].as_str().unwrap().into(),
                ]);
            }
            args.extend([
                "--now".into(),
                open["now"].to_string(),
                "--max-age".into(),
                open["max_age"].to_string(),
            ]);
            args.push("-".into());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = sessionkit(&args, Some(v["cookie"].as_str().unwrap()));
            let name = v["name"].as_str().unwrap();
            match open["outcome"].as_str().unwrap() {
                "accepted" => {
                    assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
                    assert_eq!(
                        stdout(&out),
                        format!("{}\n", open["session_payload_json"].as_str().unwrap()),
                        "{name}"
                    );
                }
                _ => {
                    assert_eq!(out.status.code(), Some(1), "{name}");
                    assert!(stdout(&out).is_empty(), "{name}");
                    let first = stderr(&out).lines().next().unwrap_or_default().to_owned();
                    match open["reason"].as_str().unwrap() {
                        "expired" => assert!(first.contains("expired"), "{name}: {first}"),
                        "future_timestamp" => assert!(first.contains("future"), "{name}: {first}"),
                        _ => assert!(
                            !first.contains("expired") && !first.contains("future"),
                            "{name}: {first}"
                        ),
                    }
                }
            }
            n += 1;
        }
    }
    assert!(n >= 80);
}

#[test]
fn sign_accepts_any_json_spelling() {
    let canonical = sessionkit(
        &[
            "sign",
            "--secret",
            "dev-key",
            "--timestamp",
            "1700000000",
            r#"{"n":1,"user":"ada"}"#,
        ],
        None,
    );
    assert_eq!(
        stdout(&canonical).trim_end(),
        "eyJuIjoxLCJ1c2VyIjoiYWRhIn0.ZVPxAA.mf0bc39ibTxY3NxcJRC7kyBNw14"
    );
    for spelling in [
        "{ \"user\" : \"ada\" ,\n \"n\" : 1 }",
        r#"{"user":"\u0061da","n":1}"#,
        r#"{"user":"ada","n":1,"n":1}"#,
        r#"{"n":1,"user":"ada"}"#,
    ] {
        let out = sessionkit(
            &[
                "sign",
                "--secret",
                "dev-key",
                "--timestamp",
                "1700000000",
                "-",
            ],
            Some(spelling),
        );
        assert_eq!(stdout(&out), stdout(&canonical), "{spelling}");
    }
    // Number spellings are normalised to Python's.
    let a = sessionkit(
        &[
            "sign",
            "--secret",
            "k",
            "--timestamp",
            "5",
            r#"{"f":1E2,"g":-0.0,"h":1e16}"#,
        ],
        None,
    );
    let b = sessionkit(
        &[
            "sign",
            "--secret",
            "k",
            "--timestamp",
            "5",
            r#"{"f":100.0,"g":-0.0,"h":1e+16}"#,
        ],
        None,
    );
    assert_eq!(stdout(&a), stdout(&b));
    let shown = sessionkit(
        &["verify", "--secret", "k", "--no-max-age", stdout(&a).trim()],
        None,
    );
    assert_eq!(stdout(&shown), "{\"f\":100.0,\"g\":-0.0,\"h\":1e+16}\n");
    // Literal non-ASCII is written escaped, as Flask does.
    let out = sessionkit(
        &["sign", "--secret", "k", "--timestamp", "5", r#"{"u":"é"}"#],
        None,
    );
    let shown = sessionkit(
        &[
            "verify",
            "--secret",
            "k",
            "--no-max-age",
            stdout(&out).trim(),
        ],
        None,
    );
    assert_eq!(stdout(&shown), "{\"u\":\"\\u00e9\"}\n");
}

#[test]
fn keys_from_env_hex_and_fallbacks() {
    let cookie = "eyJuIjoxLCJ1c2VyIjoiYWRhIn0.ZVPxAA.mf0bc39ibTxY3NxcJRC7kyBNw14";
    let out = Command::new(env!("CARGO_BIN_EXE_sessionkit"))
        .args([
            "verify",
            "--secret-env",
            "SK_TEST_KEY",
            "--now",
            "1700000000",
            cookie,
        ])
        .env("SK_TEST_KEY", "dev-key")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "{\"n\":1,\"user\":\"ada\"}\n",
        "{}",
        stderr(&out)
    );
    let hex: String = b"dev-key".iter().map(|b| format!("{b:02x}")).collect();
    let out = sessionkit(
        &[
            "verify",
            "--secret",
            "new",
            "--fallback",
            "x",
            "--fallback-hex",
            &hex,
            "--now",
            "1700000000",
            cookie,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = sessionkit(
        &[
            "verify",
            "--secret",
            "new",
            "--fallback",
            "x",
            "--now",
            "1700000000",
            cookie,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("signature"), "{}", stderr(&out));
    // Fallback keys only verify: `sign --fallback` is refused (it would
    // have no effect), with a usage error.
    for flag in ["--fallback", "--fallback-hex"] {
        let signed = sessionkit(
            &[
                "sign",
                "--secret",
                "dev-key",
                flag,
                "0011",
                "--timestamp",
                "1700000000",
                r#"{"n":1,"user":"ada"}"#,
            ],
            None,
        );
        assert_eq!(signed.status.code(), Some(2), "{flag}");
        assert!(stderr(&signed).contains(flag), "{}", stderr(&signed));
    }
}

#[test]
fn decode_marks_unverified() {
    let out = sessionkit(
        &["decode", "-"],
        Some("eyJuIjoxLCJ1c2VyIjoiYWRhIn0.ZVPxAA.tampered\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("UNVERIFIED"), "{text}");
    assert!(text.contains(r#"{"n":1,"user":"ada"}"#), "{text}");
    assert!(text.contains("1700000000"), "{text}");
    // `decode` checks no signature, so its errors never speak of one.
    for garbage in ["garbage", "only.one"] {
        let out = sessionkit(&["decode", garbage], None);
        assert_eq!(out.status.code(), Some(1), "{garbage}");
        let err = stderr(&out);
        assert!(err.starts_with("error: cannot decode the cookie"), "{err}");
        assert!(
            !err.contains("signature:")
                && !err.contains("bad signature")
                && !err.contains("signed"),
            "{garbage}: {err}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["verify", "x.y.z"][..],
        &["sign", "--secret", "a", "--secret-hex", "62", "{}"],
        &["sign", "--secret", "", "{}"],
        &["sign", "--secret-hex", "zz", "{}"],
        &["sign", "--secret-env", "SESSIONKIT_SURELY_UNSET_VAR", "{}"],
        &[
            "verify",
            "--secret",
            "k",
            "--max-age",
            "5",
            "--no-max-age",
            "x",
        ],
        &["frobnicate"],
    ] {
        let out = sessionkit(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    // Not-a-session JSON is a failure to sign, not a usage error.
    let out = sessionkit(&["sign", "--secret", "k", "[1]"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("list"), "{}", stderr(&out));
}

#[test]
fn help_documents_every_flag() {
    let top = stdout(&sessionkit(&["--help"], None));
    for cmd in ["decode", "verify", "sign"] {
        assert!(top.contains(cmd), "{top}");
    }
    let keys = [
        "--secret",
        "--secret-hex",
        "--secret-env",
        "--fallback",
        "--fallback-hex",
        "--salt",
    ];
    for (cmd, extra) in [
        ("verify", &["--max-age", "--no-max-age", "--now"][..]),
        ("sign", &["--timestamp", "--compression"]),
    ] {
        // `sign` takes no fallback keys.
        let keys: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| cmd != "sign" || !k.starts_with("--fallback"))
            .collect();
        let help = stdout(&sessionkit(&[cmd, "--help"], None));
        for flag in keys.iter().chain(extra) {
            assert!(help.contains(flag), "{cmd} --help lacks {flag}");
        }
    }
}

#[test]
fn sign_compression_never_writes_plain_payloads_that_still_verify() {
    let json = format!(r#"{{"note":"{}"}}"#, "abc".repeat(40));
    let sign = |extra: &[&str]| {
        let mut args = vec!["sign", "--secret", "k", "--timestamp", "1700000000"];
        args.extend_from_slice(extra);
        args.push(&json);
        let out = sessionkit(&args, None);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out).trim_end().to_owned()
    };
    let auto = sign(&[]);
    assert!(
        auto.starts_with('.'),
        "Flask compresses this session: {auto}"
    );
    assert_eq!(sign(&["--compression", "auto"]), auto);
    let never = sign(&["--compression", "never"]);
    assert!(!never.starts_with('.'), "{never}");
    assert!(never.len() > auto.len());
    // `above:N`: Flask's rule only for JSON longer than N bytes.
    assert_eq!(json.len(), 131);
    assert_eq!(sign(&["--compression", "above:130"]), auto);
    assert_eq!(sign(&["--compression", "above:131"]), never);
    for cookie in [&auto, &never] {
        let out = sessionkit(&["verify", "--secret", "k", "--no-max-age", cookie], None);
        assert_eq!(stdout(&out).trim_end(), json, "{}", stderr(&out));
    }
    let bad = sessionkit(
        &["sign", "--secret", "k", "--compression", "zlib", "{}"],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("never"), "{}", stderr(&bad));
    for bad_value in ["above:", "above:-1", "above:1e3", "Above:5"] {
        let bad = sessionkit(
            &["sign", "--secret", "k", "--compression", bad_value, "{}"],
            None,
        );
        assert_eq!(bad.status.code(), Some(2), "{bad_value}");
        assert!(stderr(&bad).contains("above:N"), "{}", stderr(&bad));
    }
}

#[test]
fn custom_salt_changes_the_signature() {
    let a = sessionkit(
        &[
            "sign",
            "--secret",
            "k",
            "--timestamp",
            "1",
            "--salt",
            "other",
            "{}",
        ],
        None,
    );
    let b = sessionkit(&["sign", "--secret", "k", "--timestamp", "1", "{}"], None);
    assert_ne!(stdout(&a), stdout(&b));
    let ok = sessionkit(
        &[
            "verify",
            "--secret",
            "k",
            "--salt",
            "other",
            "--no-max-age",
            stdout(&a).trim(),
        ],
        None,
    );
    assert_eq!(stdout(&ok), "{}\n");
    let bad = sessionkit(
        &["verify", "--secret", "k", "--no-max-age", stdout(&a).trim()],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn keygen_prints_strong_distinct_keys() {
    let a = stdout(&sessionkit(&["keygen"], None));
    let b = stdout(&sessionkit(&["keygen"], None));
    for k in [&a, &b] {
        let k = k.trim_end();
        assert_eq!(k.len(), 64, "{k}");
        assert!(k.bytes().all(|c| c.is_ascii_hexdigit()));
    }
    assert_ne!(a, b);
    assert_eq!(
        stdout(&sessionkit(&["keygen", "--bytes", "48"], None))
            .trim_end()
            .len(),
        96
    );
    assert_eq!(
        sessionkit(&["keygen", "--bytes", "16"], None).status.code(),
        Some(2)
    );
    // The key works with --secret-hex.
    let key = a.trim_end();
    let cookie = stdout(&sessionkit(
        &["sign", "--secret-hex", key, "{\"a\":1}"],
        None,
    ));
    let out = sessionkit(&["verify", "--secret-hex", key, cookie.trim_end()], None);
    assert_eq!(stdout(&out), "{\"a\":1}\n");
}

/// Without `--timestamp` and `--now`, signing and verifying use the system
/// clock: a fresh cookie carries the current time and verifies, one signed
/// 40 days ago has expired (Flask's default lifetime is 31 days).
#[test]
fn the_system_clock_is_the_default_time() {
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let out = sessionkit(&["sign", "--secret", "k", r#"{"a":1}"#], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fresh = stdout(&out).trim().to_owned();
    let decoded = stdout(&sessionkit(&["decode", &fresh], None));
    let stamp: u64 = decoded
        .lines()
        .find_map(|l| l.strip_prefix("timestamp: "))
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no timestamp in {decoded}"));
    assert!(stamp.abs_diff(clock) <= 60, "{stamp} against {clock}");
    let out = sessionkit(&["verify", "--secret", "k", &fresh], None);
    assert_eq!(stdout(&out), "{\"a\":1}\n", "{}", stderr(&out));

    let old = (clock - 40 * 86_400).to_string();
    let out = sessionkit(
        &["sign", "--secret", "k", "--timestamp", &old, r#"{"a":1}"#],
        None,
    );
    let stale = stdout(&out).trim().to_owned();
    let out = sessionkit(&["verify", "--secret", "k", &stale], None);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let out = sessionkit(&["verify", "--secret", "k", "--no-max-age", &stale], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn sign_no_ensure_ascii_writes_what_flask_writes_with_ensure_ascii_off() {
    let sign = |extra: &[&str], json: &str| {
        let mut args = vec!["sign", "--secret", "k", "--timestamp", "1764000000"];
        args.extend_from_slice(extra);
        args.push(json);
        let out = sessionkit(&args, None);
        (
            out.status.code(),
            stdout(&out).trim_end().to_owned(),
            stderr(&out),
        )
    };
    // Flask 3.1.3, key "k", this time, `app.json.ensure_ascii = False`.
    let (code, utf8, err) = sign(&["--no-ensure-ascii"], r#"{"user":"ü"}"#);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        utf8,
        "eyJ1c2VyIjoiw7wifQ.aSSBAA.QDlc1PKduNYdkLPgn356Ic0Yveo"
    );
    // Flask's default escapes it.
    let (_, ascii, _) = sign(&[], r#"{"user":"ü"}"#);
    assert_eq!(
        ascii,
        "eyJ1c2VyIjoiXHUwMGZjIn0.aSSBAA.wcES_T_uC65cMnJR1w534imFqbA"
    );
    // Both verify to the same session.
    for cookie in [&utf8, &ascii] {
        let out = sessionkit(&["verify", "--secret", "k", "--no-max-age", cookie], None);
        assert_eq!(
            stdout(&out).trim_end(),
            r#"{"user":"\u00fc"}"#,
            "{}",
            stderr(&out)
        );
    }
    // A lone surrogate has no UTF-8 form: refused, as Flask's save fails.
    let (code, out, err) = sign(&["--no-ensure-ascii"], r#"{"k":"\ud800"}"#);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(err.contains("lone surrogate U+D800"), "{err}");
}
