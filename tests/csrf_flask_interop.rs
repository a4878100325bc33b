//! Flask-WTF's SSL-strict referrer check against the real thing (Flask-WTF
//! 1.3.0 in the test venv, see `tests/support/flask.rs`): generated `Host`
//! and `Referer` headers on an HTTPS POST that carries a valid token must
//! be accepted or refused exactly as Flask-WTF's `same_origin` (Python's
//! `urlparse`) and Werkzeug's `request.host` decide.

mod support;

use proptest::prelude::*;

use serde_json::json;
use sessionkit::codec::SecretKey;
use sessionkit::csrf::{Csrf, CsrfConfig, CsrfError, CsrfMode};
use sessionkit::interface::SecureCookieSessionInterface;
use sessionkit::lifecycle::SessionHandle;
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::{DynamicSession, SessionConfig};
use support::flask::run_live;

/// Hosts and URLs from the pieces where URL parsers differ: case, default
/// and odd ports, user info, IPv6 brackets, paths, queries and fragments
/// right after the host, blanks, other schemes.
fn host() -> impl Strategy<Value = String> {
    pieces(
        &[
            "example.com",
            "Example.COM",
            "h",
            ":443",
            ":8443",
            ":80",
            ":",
            ":0443",
            ":65536",
            ":x",
            "[::1]",
            "[::1",
            "::1",
            "u@",
            "u:p@",
            ".",
            "-",
            "%41",
        ],
        1..4,
    )
}

fn referrer() -> impl Strategy<Value = String> {
    pieces(
        &[
            "https://",
            "https://",
            "HTTPS://",
            "http://",
            "https:",
            "//",
            "https:///",
            " ",
            "example.com",
            "Example.COM",
            "h",
            ":443",
            ":8443",
            ":",
            ":0443",
            ":65536",
            ":x",
            ":1:2",
            "[::1]",
            "[::1",
            "::1",
            "u@",
            "u:p@",
            "@",
            "/",
            "/path",
            "?q",
            "#f",
            "\\",
            "%20",
        ],
        0..6,
    )
}

/// Strings of `count` pieces from `pieces`.
fn pieces(
    pieces: &[&'static str],
    count: std::ops::Range<usize>,
) -> impl Strategy<Value = String> + use<> {
    proptest::collection::vec(prop::sample::select(pieces.to_vec()), count).prop_map(|p| p.concat())
}

/// Our verdict for an HTTPS POST with a valid token and these headers.
fn ours(host: &str, referrer: &str) -> &'static str {
    let key = SecretKey::from_text("csrf-referrer-interop-key").unwrap();
    let mut config = CsrfConfig::new(key.clone());
    config.mode = CsrfMode::TokensOnly;
    let csrf = Csrf::new(config);
    let interface =
        SecureCookieSessionInterface::new(SessionConfig::default().with_secret_key(key)).unwrap();
    let lifecycle = SessionLifecycle::<DynamicSession>::new(interface);
    let mut request = http::Request::builder()
        .method("POST")
        .uri("https://placeholder/submit")
        .header("host", host);
    if !referrer.is_empty() {
        request = request.header("referer", referrer);
    }
    let (mut parts, ()) = request.body(()).unwrap().into_parts();
    let (session, _) = lifecycle.preprocess_request(&mut parts);
    let token = csrf.token(&mut *session.lock()).unwrap();
    parts.headers.insert("x-csrftoken", token.parse().unwrap());
    let _: &SessionHandle<DynamicSession> = &session;
    match csrf.protect(&parts, b"", &session) {
        Ok(()) => "ok",
        Err(CsrfError::ReferrerMissing) => "missing",
        Err(CsrfError::ReferrerMismatch) => "mismatch",
        Err(e) => panic!("unexpected refusal {e:?}"),
    }
}

#[test]
fn referrer_checks_match_flask_wtf() {
    run_live(
        "referrer_checks_match_flask_wtf",
        2000,
        (host(), referrer()),
        &[("ok", 60), ("missing", 20), ("mismatch", 100)],
        |flask, (host, referrer)| {
            let theirs =
                flask.call(&json!({"op": "csrf_referrer", "host": host, "referrer": referrer}));
            let theirs = match theirs["verdict"].as_str().unwrap() {
                // Flask-WTF raises (a 500) where `urlparse` cannot read the
                // port; we refuse the request as a mismatch instead.
                "error" => "mismatch",
                v => v,
            };
            let ours = ours(&host, &referrer);
            prop_assert_eq!(ours, theirs, "Host {:?}, Referer {:?}", host, referrer);
            Ok(ours.to_owned())
        },
    );
}

/// A form body, its `Content-Type` and an optional token header, built so
/// that the token Flask-WTF picks depends on how the body is parsed:
/// urlencoded fields with escapes, `+`, blank and repeated names, invalid
/// UTF-8; multipart parts with quoted, unquoted and RFC 2231 names, file
/// parts, charsets, `\n`/`\r` line breaks, continuation lines, preamble and
/// epilogue, missing or damaged boundaries. `T` stands for the valid token.
#[derive(Clone, Debug)]
struct Form {
    content_type: Option<String>,
    body: Vec<u8>,
    header: Option<&'static str>,
}

fn form() -> impl Strategy<Value = Form> {
    let name = prop::sample::select(vec![
        "csrf_token",
        "csrf_token",
        "login-csrf_token",
        "csrf_token2",
        "a",
        "",
        "csrf%5Ftoken",
        "csrf+token",
    ]);
    let value = prop::sample::select(vec!["T", "T", "bad", "", "T%", "%54", "T+", "\u{e9}T"]);
    let noise = prop::sample::select(vec!["", "", "&", "&&", "=", "%FF", "\u{ff}", ";", "\r\n"]);
    let urlencoded = (
        prop::sample::select(vec![
            "application/x-www-form-urlencoded",
            "Application/X-WWW-Form-Urlencoded; charset=utf-8",
            "application/x-www-form-urlencoded;",
            "text/plain",
        ]),
        proptest::collection::vec((name.clone(), value.clone(), noise), 0..4),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(ct, fields, raw_invalid)| {
            let mut body: Vec<u8> = fields
                .iter()
                .map(|(n, v, noise)| format!("{n}={v}{noise}"))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes();
            if raw_invalid {
                body.push(0xff);
            }
            (Some(ct.to_owned()), body)
        });
    let disposition = (
        name,
        prop::sample::select(vec!["quoted", "plain", "rfc2231", "file", "none"]),
    )
        .prop_map(|(n, how)| match how {
            "quoted" => format!("form-data; name=\"{n}\""),
            "plain" => format!("form-data; name={n}"),
            "rfc2231" => format!("form-data; name*=utf-8''{n}"),
            "file" => format!("form-data; name=\"{n}\"; filename=\"t.txt\""),
            _ => "form-data".to_owned(),
        });
    let part = (
        disposition,
        value,
        prop::sample::select(vec![
            "",
            "Content-Type: text/plain; charset=iso-8859-1\r\n",
            "X: a\r\n b\r\n",
        ]),
        prop::sample::select(vec!["\r\n", "\r\n", "\n", "\r"]),
    );
    let multipart = (
        prop::sample::select(vec![
            "multipart/form-data; boundary=XyZ",
            "multipart/form-data; boundary=\"XyZ\"",
            "Multipart/Form-Data; charset=utf-8; boundary=XyZ",
            "multipart/form-data",
        ]),
        prop::sample::select(vec!["", "preamble\r\n", "\r\n"]),
        proptest::collection::vec(part, 0..4),
        prop::sample::select(vec![
            "--XyZ--\r\n",
            "--XyZ--",
            "--XyZ-- \r\nepilogue",
            "--XyZ",
            "",
            "--XyZ\r\n",
        ]),
        prop::sample::select(vec!["--XyZ", "--XyZ", "--XyZ  ", "--Xy"]),
    )
        .prop_map(|(ct, preamble, parts, end, opener)| {
            let mut body = preamble.to_owned();
            for (i, (disposition, value, extra, lb)) in parts.iter().enumerate() {
                body.push_str(if i == 0 { opener } else { "--XyZ" });
                body.push_str(lb);
                body.push_str(&format!(
                    "Content-Disposition: {disposition}{lb}{extra}{lb}{value}{lb}"
                ));
            }
            body.push_str(end);
            (Some(ct.to_owned()), body.into_bytes())
        });
    // Around Flask's multipart limits: 500 000 bytes in a field (the token
    // field last), 1 000 parts.
    let large = prop::sample::select(vec![
        (500_000, 1, true),
        (500_001, 1, true),
        (600_000, 1, false),
        (1, 999, true),
        (1, 1_000, true),
    ])
    .prop_map(|(size, parts, terminated)| {
        let mut body = Vec::new();
        for _ in 0..parts {
            body.extend_from_slice(
                b"--XyZ\r\nContent-Disposition: form-data; name=\"big\"\r\n\r\n",
            );
            body.resize(body.len() + size, b'x');
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nT\r\n",
        );
        if terminated {
            body.extend_from_slice(b"--XyZ--\r\n");
        }
        (Some("multipart/form-data; boundary=XyZ".to_owned()), body)
    });
    (
        prop_oneof![
            20 => urlencoded,
            20 => multipart,
            2 => Just((None, b"csrf_token=T".to_vec())),
            1 => large,
        ],
        prop::sample::select(vec![None, None, Some("T"), Some("bad")]),
    )
        .prop_map(|((content_type, body), header)| Form {
            content_type,
            body,
            header,
        })
}

/// Replaces each `T` of `text` by `token`.
fn with_token(text: &[u8], token: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + token.len());
    for &b in text {
        if b == b'T' {
            out.extend_from_slice(token.as_bytes());
        } else {
            out.push(b);
        }
    }
    out
}

#[test]
fn form_tokens_are_found_as_flask_wtf_finds_them() {
    let key = SecretKey::from_text("csrf-form-interop-key").unwrap();
    let mut config = CsrfConfig::new(key.clone());
    config.mode = CsrfMode::TokensOnly;
    config.ssl_strict = false;
    let csrf = Csrf::new(config);
    let lifecycle = SessionLifecycle::<DynamicSession>::new(
        SecureCookieSessionInterface::new(SessionConfig::default().with_secret_key(key)).unwrap(),
    );
    run_live(
        "form_tokens_are_found_as_flask_wtf_finds_them",
        2000,
        form(),
        &[
            ("ok", 200),
            ("missing", 100),
            ("invalid", 100),
            ("too large", 5),
        ],
        |flask, form| {
            let (mut parts, ()) = http::Request::builder()
                .method("POST")
                .uri("http://localhost/submit")
                .body(())
                .unwrap()
                .into_parts();
            let (session, _) = lifecycle.preprocess_request(&mut parts);
            let token = csrf.token(&mut *session.lock()).unwrap();
            let body = with_token(&form.body, &token);
            if let Some(ct) = &form.content_type {
                parts.headers.insert("content-type", ct.parse().unwrap());
            }
            let header = form
                .header
                .map(|h| String::from_utf8(with_token(h.as_bytes(), &token)).unwrap());
            if let Some(h) = &header {
                parts.headers.insert("x-csrftoken", h.parse().unwrap());
            }
            let theirs = flask.call(&json!({
                "op": "csrf_form_token",
                "content_type": form.content_type,
                // Bytes as Latin-1 text.
                "body": body.iter().map(|&b| char::from(b)).collect::<String>(),
                "headers": header.map(|h| json!({"X-CSRFToken": h})).unwrap_or(json!({})),
            }));
            // Werkzeug's multipart limits: 413 in both.
            if theirs["error"] == "RequestEntityTooLarge" {
                let ours = csrf.protect(&parts, &body, &session);
                prop_assert_eq!(ours, Err(CsrfError::BodyTooLarge));
                return Ok("too large".to_owned());
            }
            // Flask-WTF fails (500) on a multipart part without a name; we
            // leave such parts out.
            prop_assume!(theirs.get("error").is_none());
            // The verdict on the token Flask-WTF picked, against the verdict
            // on the one we picked: equal when both lookups pick the same
            // text.
            let verdict = |r: Result<(), CsrfError>| match r {
                Ok(()) => "ok",
                Err(CsrfError::TokenMissing) => "missing",
                Err(CsrfError::TokenInvalid | CsrfError::TokensDoNotMatch) => "invalid",
                Err(e) => panic!("unexpected refusal {e:?}"),
            };
            let theirs = verdict(csrf.validate(theirs["token"].as_str(), &*session.lock()));
            let ours = verdict(csrf.protect(&parts, &body, &session));
            prop_assert_eq!(
                ours,
                theirs,
                "Content-Type {:?}, body {:.2000?}, header {:?}",
                form.content_type,
                String::from_utf8_lossy(&form.body),
                form.header
            );
            Ok(ours.to_owned())
        },
    );
}

/// A Flask-WTF token changed by a few edits from the characters where
/// lenient decoders differ (padding, separators, base64 alphabets, blanks).
fn token_edits() -> impl Strategy<Value = Vec<(prop::sample::Index, &'static str, u8)>> {
    let edit = (
        any::<prop::sample::Index>(),
        prop::sample::select(vec![
            "=", "==", ".", "A", "a", "-", "_", "+", "/", " ", "%3D", "\t", "0", "Ij", "\"",
        ]),
        0u8..3,
    );
    proptest::collection::vec(edit, 0..3)
}

#[test]
fn csrf_tokens_are_judged_as_flask_wtf_judges_them() {
    let secret = "csrf-validate-interop-key";
    let raw = "3d70005188f7b2c3a77763d99821c06a3c520414";
    let signed_at = 1_700_000_000u64;
    let mut session = DynamicSession::default();
    session.insert("csrf_token", raw);
    // Signed by Flask-WTF on first use.
    let token = std::cell::OnceCell::new();
    let ages = prop::sample::select(vec![0i64, 1, 3600, 3601, -1, -100]);
    run_live(
        "csrf_tokens_are_judged_as_flask_wtf_judges_them",
        1500,
        (token_edits(), ages),
        &[
            ("ok", 20),
            ("The CSRF token has expired.", 20),
            ("The CSRF token is invalid.", 20),
        ],
        |flask, (edits, age)| {
            let token: &String = token.get_or_init(|| {
                let signed = flask.call(
                    &json!({"op": "csrf_sign", "secret": secret, "raw": raw, "now": signed_at}),
                );
                let theirs = signed["token"].as_str().unwrap().to_owned();
                // We sign the same raw token at the same time byte for byte.
                let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text(secret).unwrap()))
                    .with_clock(move || {
                        std::time::UNIX_EPOCH + std::time::Duration::from_secs(signed_at)
                    });
                let ours = csrf.token(&mut session.clone()).unwrap();
                assert_eq!(ours, theirs, "the token Flask-WTF signs");
                theirs
            });
            let mut text = token.clone();
            for (at, piece, kind) in edits {
                let i = at.index(text.len() + 1);
                match kind {
                    0 => text.insert_str(i, piece),
                    1 if i < text.len() => {
                        text.remove(i);
                    }
                    _ => text.push_str(piece),
                }
            }
            let now = signed_at.checked_add_signed(age).unwrap();
            let theirs = flask.call(&json!({
                "op": "csrf_validate", "secret": secret, "raw": raw, "token": text, "now": now,
            }));
            let theirs = theirs["verdict"].as_str().unwrap().to_owned();
            let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text(secret).unwrap()))
                .with_clock(move || std::time::UNIX_EPOCH + std::time::Duration::from_secs(now));
            let ours = match csrf.validate(Some(&text), &session) {
                Ok(()) => "ok".to_owned(),
                Err(e) => e.to_string(),
            };
            prop_assert_eq!(&ours, &theirs, "token {:?} at age {}", text, age);
            Ok(ours)
        },
    );
}
