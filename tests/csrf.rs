//! CSRF protection: Flask-WTF's vectors, and every refusal and accepted
//! token source through a real server — each server scenario on both
//! adapters (the tower `CsrfLayer` under axum, `SessionMiddleware::csrf`
//! under actix-web: `axum_server::…`, `actix_server::…`), with the same
//! answers.

// Both demos include the module they share, each its own copy.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/demo.rs"]
mod demo;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/demo_actix.rs"]
mod demo_actix;
mod support;

use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::Form;
use axum::routing::post;
use serde_json::Value as Json;
use sessionkit::codec::{CsrfTokenCodec, SecretKey};
use sessionkit::csrf::{Csrf, CsrfConfig, CsrfError, CsrfMode};
use sessionkit::interface::SecureCookieSessionInterface;
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::testing::SessionTester;
use sessionkit::tower::SessionLayer;
use sessionkit::{DynamicSession, SessionConfig};
use support::typed;
use support::typed::vectors;
use support::web::{Server, browser, get_text, on_both_servers, serve, serve_actix};

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

#[test]
fn flask_wtf_token_vectors() {
    let all = vectors();
    let mut checks = 0;
    for v in all["csrf_vectors"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let codec = CsrfTokenCodec::new(typed::key(&v["csrf_secret_key"]));
        let raw = v["raw_token"].as_str().unwrap();
        assert_eq!(
            codec.sign(raw, v["timestamp"].as_u64().unwrap()),
            v["signed_token"].as_str().unwrap(),
            "{name}"
        );
        for c in v["checks"].as_array().unwrap() {
            let label = format!("{name}/{}", c["label"].as_str().unwrap());
            let limit = c["time_limit"].as_u64().map(Duration::from_secs);
            let now = c["now"].as_u64().unwrap();
            let csrf = Csrf::new(
                CsrfConfig::new(typed::key(&v["csrf_secret_key"])).with_time_limit(limit),
            )
            .with_clock(move || at(now));
            let mut session = DynamicSession::default();
            if let Some(raw) = c["session_raw_token"].as_str() {
                session.insert("csrf_token", raw);
            }
            let submitted = c["submitted_token"].as_str();
            let got = csrf.validate(submitted, &session);
            match c["outcome"].as_str().unwrap() {
                "valid" => assert_eq!(got, Ok(()), "{label}"),
                _ => assert_eq!(
                    got.unwrap_err().to_string(),
                    c["error"].as_str().unwrap(),
                    "{label}"
                ),
            }
            // The session cookie Flask set for the same raw token opens here.
            if let Some(cookie) = c["session_cookie"].as_str() {
                let tester = SessionTester::<DynamicSession>::with_config(
                    SessionConfig::default()
                        .with_secret_key(typed::key(&v["session_secret_key"]))
                        .with_lifetime(Duration::from_secs(10 * 365 * 86_400)),
                )
                .unwrap();
                let interface = tester.interface().clone().with_clock(move || at(now));
                let opened = interface.decode_cookie(cookie).unwrap().value;
                assert_eq!(
                    opened.get("csrf_token").and_then(|t| t.as_str()),
                    c["session_raw_token"].as_str(),
                    "{label}"
                );
            }
            checks += 1;
        }
    }
    assert!(checks >= 26, "{checks}");
}

/// Flask's `csrf_protect` HTTP vectors, through the lifecycle and the
/// framework-free check: status, message, `Set-Cookie` and `Vary`.
#[test]
fn flask_wtf_protect_vectors() {
    let all = vectors();
    let mut n = 0;
    for v in all["http_vectors"].as_array().unwrap() {
        if v["group"] != "csrf_protect" {
            continue;
        }
        let name = v["name"].as_str().unwrap();
        let now = v["now"].as_u64().unwrap();
        let key = typed::key(&v["secret_key"]);
        let mut config = CsrfConfig::new(key.clone()).exempt("/exempt");
        config.mode = CsrfMode::TokensOnly;
        if v["config"]["WTF_CSRF_SSL_STRICT"] == false {
            config.ssl_strict = false;
        }
        let csrf = Csrf::new(config).with_clock(move || at(now));
        let interface = SecureCookieSessionInterface::new(
            SessionConfig::default()
                .with_secret_key(key)
                .with_same_site(None),
        )
        .unwrap()
        .with_clock(move || at(now));
        let lifecycle = SessionLifecycle::<DynamicSession>::new(interface);

        let req = &v["request"];
        let url: http::Uri = req["url"].as_str().unwrap().parse().unwrap();
        let mut b = http::Request::builder()
            .method(req["method"].as_str().unwrap())
            .uri(url.clone())
            .header("host", url.host().unwrap());
        if let Some(c) = req["cookie_header"].as_str() {
            b = b.header("cookie", c);
        }
        for (h, val) in req["headers"].as_object().unwrap() {
            b = b.header(h.as_str(), val.as_str().unwrap());
        }
        let body = match req["form"].as_object() {
            Some(form) => {
                b = b.header("content-type", "application/x-www-form-urlencoded");
                form_urlencode(form)
            }
            None => Vec::new(),
        };
        let (mut parts, ()) = b.body(()).unwrap().into_parts();
        let (session, early) = lifecycle.preprocess_request(&mut parts);
        assert!(early.is_none());
        // Flask-WTF does not check routes that do not match.
        let routed = url.path() != "/nowhere";
        let response = match csrf.protect(&parts, &body, &session) {
            Err(e) if routed => e.to_response(),
            _ if !routed => {
                let mut r = http::Response::new(Vec::new());
                *r.status_mut() = http::StatusCode::NOT_FOUND;
                r
            }
            _ => http::Response::new(b"ok".to_vec()),
        };
        let response = lifecycle.finish_response(&session, response);
        let want = &v["response"];
        assert_eq!(
            u64::from(response.status().as_u16()),
            want["status"].as_u64().unwrap(),
            "{name}"
        );
        if let Some(body) = want["body"]
            .as_str()
            .and_then(|b| b.strip_prefix("CSRFError: "))
        {
            assert_eq!(
                String::from_utf8(response.body().clone()).unwrap(),
                body,
                "{name}"
            );
        }
        let set: Vec<&str> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|h| h.to_str().unwrap())
            .collect();
        assert_eq!(
            set.len(),
            want["set_cookie"].as_array().unwrap().len(),
            "{name}"
        );
        assert_eq!(
            response.headers().get("vary").map(|h| h.to_str().unwrap()),
            want["vary"].as_str(),
            "{name}"
        );
        n += 1;
    }
    assert!(n >= 19, "{n}");
}

fn form_urlencode(form: &serde_json::Map<String, Json>) -> Vec<u8> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        s.append_pair(k, v.as_str().unwrap());
    }
    s.finish().into_bytes()
}

const KEY: &str = "csrf-test-key-0123456789abcdef0123456789";

fn key() -> SecretKey {
    SecretKey::from_text(KEY).unwrap()
}

/// A server whose `/echo` route returns the form field `x` it received
/// (proving the body is still readable after the CSRF check), with `/raw`
/// and `/webhook` answering the raw body, on `on`'s adapter.
async fn server(on: Server, config: CsrfConfig) -> String {
    #[derive(serde::Deserialize)]
    struct Echo {
        x: Option<String>,
    }
    let session_config = SessionConfig::default().with_secret_key(key());
    match on {
        Server::Axum => {
            async fn echo(Form(f): Form<Echo>) -> String {
                format!("x={}", f.x.unwrap_or_default())
            }
            async fn raw(body: String) -> String {
                format!("raw={body}")
            }
            let session = SessionLayer::<DynamicSession>::with_config(session_config).unwrap();
            let app = Router::new()
                .route("/echo", post(echo).put(echo).patch(echo).delete(echo))
                .route("/raw", post(raw))
                .route("/webhook", post(raw))
                .route_layer(session.csrf_layer_with(Csrf::new(config)))
                .layer(session);
            serve(app).await
        }
        Server::Actix => {
            use actix_web::web;
            async fn echo(f: web::Form<Echo>) -> String {
                format!("x={}", f.into_inner().x.unwrap_or_default())
            }
            // Bytes, not `String`: actix-web's `String` refuses a charset
            // it does not know (the test with a Latin-1 content type).
            async fn raw(body: web::Bytes) -> String {
                format!("raw={}", String::from_utf8_lossy(&body))
            }
            let middleware =
                sessionkit::actix::SessionMiddleware::<DynamicSession>::with_config(session_config)
                    .unwrap()
                    .csrf_with(Csrf::new(config));
            serve_actix(move |c| {
                c.service(
                    web::scope("")
                        .service(
                            web::resource("/echo")
                                .route(web::post().to(echo))
                                .route(web::put().to(echo))
                                .route(web::patch().to(echo))
                                .route(web::delete().to(echo)),
                        )
                        .route("/raw", web::post().to(raw))
                        .route("/webhook", web::post().to(raw))
                        .wrap(middleware.clone()),
                );
            })
        }
    }
}

/// A session cookie holding a raw token, and the signed token for it.
fn session_and_token(raw: &str) -> (String, String) {
    let tester = SessionTester::<DynamicSession>::new(key()).unwrap();
    let cookie = tester
        .cookie(|s| {
            s.insert("csrf_token", raw);
        })
        .unwrap();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (cookie, CsrfTokenCodec::new(key()).sign(raw, now))
}

const RAW: &str = "0123456789abcdef0123456789abcdef01234567";

async fn every_token_source_is_accepted_and_the_body_stays_readable(on: Server) {
    let base = server(on, CsrfConfig::new(key())).await;
    let (cookie, token) = session_and_token(RAW);
    let c = reqwest::Client::new();
    let url = format!("{base}/echo");
    let form = |field: &str| {
        vec![
            (field.to_owned(), token.clone()),
            ("x".to_owned(), "kept".to_owned()),
        ]
    };

    for field in ["csrf_token", "login-csrf_token"] {
        let r = c
            .post(&url)
            .header("cookie", &cookie)
            .form(&form(field))
            .send()
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), "x=kept", "form field {field}");
    }
    // Flask-WTF passes over an empty field (exact or prefixed) to the next
    // field whose name ends with `csrf_token`.
    for fields in [
        [("csrf_token", ""), ("login-csrf_token", token.as_str())],
        [("a-csrf_token", ""), ("b-csrf_token", token.as_str())],
    ] {
        let r = c
            .post(&url)
            .header("cookie", &cookie)
            .form(&[fields[0], fields[1], ("x", "kept")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), "x=kept", "{fields:?}");
    }
    for header in ["X-CSRFToken", "X-CSRF-Token"] {
        for method in [
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::PATCH,
            reqwest::Method::DELETE,
        ] {
            let r = c
                .request(method.clone(), &url)
                .header("cookie", &cookie)
                .header(header, &token)
                .form(&[("x", "h")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.text().await.unwrap(), "x=h", "{method} with {header}");
        }
    }
    // multipart/form-data
    let boundary = "sk-boundary-42";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--{boundary}--\r\n"
    );
    let r = c
        .post(format!("{base}/raw"))
        .header("cookie", &cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.text().await.unwrap(),
        format!("raw={body}"),
        "the handler reads the same bytes"
    );
    // Safe methods and exempt paths are not checked.
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 405, "GET reaches the router (no CSRF refusal)");
}

/// Cookie, token header, extra headers, expected status and error.
type Case<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Vec<(&'a str, &'a str)>,
    u16,
    CsrfError,
);

async fn every_refusal_reason(on: Server) {
    let base = server(on, CsrfConfig::new(key()).exempt("/webhook")).await;
    let (cookie, token) = session_and_token(RAW);
    let (other_cookie, _) = session_and_token("ffffffffffffffffffffffffffffffffffffffff");
    let expired = CsrfTokenCodec::new(key()).sign(RAW, 1_000_000);
    let future = CsrfTokenCodec::new(key()).sign(RAW, 4_000_000_000);
    let foreign =
        CsrfTokenCodec::new(SecretKey::from_text("other").unwrap()).sign(RAW, 4_000_000_000);
    let c = reqwest::Client::new();
    let url = format!("{base}/echo");
    let cases: Vec<Case<'_>> = vec![
        (Some(&cookie), None, vec![], 400, CsrfError::TokenMissing),
        (
            Some(&cookie),
            None,
            vec![("csrf_token", "")],
            400,
            CsrfError::TokenMissing,
        ),
        (
            None,
            Some(&token),
            vec![],
            400,
            CsrfError::SessionTokenMissing,
        ),
        (
            Some(&cookie),
            Some(&expired),
            vec![],
            400,
            CsrfError::TokenExpired,
        ),
        (
            Some(&cookie),
            Some(&future),
            vec![],
            400,
            CsrfError::TokenExpired,
        ),
        (
            Some(&cookie),
            Some("garbage"),
            vec![],
            400,
            CsrfError::TokenInvalid,
        ),
        (
            Some(&cookie),
            Some(&foreign),
            vec![],
            400,
            CsrfError::TokenInvalid,
        ),
        (
            Some(&other_cookie),
            Some(&token),
            vec![],
            400,
            CsrfError::TokensDoNotMatch,
        ),
        (
            Some(&cookie),
            Some(&token),
            vec![("sec-fetch-site", "cross-site")],
            403,
            CsrfError::CrossSite,
        ),
        (
            Some(&cookie),
            Some(&token),
            vec![("origin", "http://evil.example")],
            403,
            CsrfError::OriginMismatch,
        ),
        (
            Some(&cookie),
            Some(&token),
            vec![("origin", "null")],
            403,
            CsrfError::OriginMismatch,
        ),
    ];
    for (cookie, token, headers, status, error) in cases {
        let mut req = c.post(&url).form(&[("x", "1")]);
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        if let Some(token) = token {
            req = req.header("X-CSRFToken", token);
        }
        for (h, v) in &headers {
            req = req.header(*h, *v);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{error:?}");
        assert_eq!(r.text().await.unwrap(), error.to_string());
    }
    // An exempt path is not checked.
    let r = c
        .post(format!("{base}/webhook"))
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "raw=payload");
    // Too large a body to check: urlencoded over `max_form_memory_size`,
    // multipart over `max_body`.
    let small = server(on, CsrfConfig::new(key()).with_form_limits(16, 1_000, 64)).await;
    let r = c
        .post(format!("{small}/echo"))
        .form(&[("x", "a".repeat(100))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = c
        .post(format!("{small}/echo"))
        .header("content-type", "multipart/form-data; boundary=B")
        .body(format!(
            "--B\r\nContent-Disposition: form-data; name=x\r\n\r\n{}\r\n--B--",
            "a".repeat(100)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

async fn https_requires_a_same_origin_referrer(on: Server) {
    let base = server(on, CsrfConfig::new(key()).with_assume_https(true)).await;
    let (cookie, token) = session_and_token(RAW);
    let host = base.trim_start_matches("http://").to_owned();
    let c = reqwest::Client::new();
    for (referer, ok) in [
        (None, Err(CsrfError::ReferrerMissing)),
        // Flask-WTF: `if not request.referrer` (an empty one is missing too).
        (Some(String::new()), Err(CsrfError::ReferrerMissing)),
        (Some(format!("https://{host}/form?x=1")), Ok(())),
        (
            Some(format!("http://{host}/form")),
            Err(CsrfError::ReferrerMismatch),
        ),
        (
            Some("https://evil.example/".to_owned()),
            Err(CsrfError::ReferrerMismatch),
        ),
    ] {
        let mut req = c
            .post(format!("{base}/echo"))
            .header("cookie", &cookie)
            .header("X-CSRFToken", &token)
            .form(&[("x", "y")]);
        if let Some(r) = &referer {
            req = req.header("referer", r);
        }
        let r = req.send().await.unwrap();
        match ok {
            Ok(()) => assert_eq!(r.text().await.unwrap(), "x=y", "{referer:?}"),
            Err(e) => assert_eq!(r.text().await.unwrap(), e.to_string(), "{referer:?}"),
        }
    }
}

async fn fetch_metadata_alone_and_trusted_origins(on: Server) {
    let base = server(
        on,
        CsrfConfig::new(key())
            .with_mode(CsrfMode::FetchMetadata)
            .trust_origin("https://app.example.com"),
    )
    .await;
    let c = reqwest::Client::new();
    let url = format!("{base}/echo");
    let host = base.trim_start_matches("http://").to_owned();
    // Go 1.25's `CrossOriginProtection` rules. Token-free when the browser
    // says same-origin (or `none`: typed in the address bar), when the
    // Origin is the request's own (scheme, host and port) or trusted.
    let passes = [
        vec![("sec-fetch-site", "same-origin".to_owned())],
        vec![("sec-fetch-site", "none".to_owned())],
        vec![("origin", format!("http://{host}"))],
        vec![("origin", format!("HTTP://{}/", host.to_uppercase()))],
        vec![("origin", "https://app.example.com".to_owned())],
        vec![("origin", "https://APP.example.com:443".to_owned())],
        // A trusted origin passes whatever Sec-Fetch-Site says.
        vec![
            ("origin", "https://app.example.com".to_owned()),
            ("sec-fetch-site", "cross-site".to_owned()),
        ],
        // Sec-Fetch-Site decides over an Origin.
        vec![
            ("sec-fetch-site", "same-origin".to_owned()),
            ("origin", "https://evil.example".to_owned()),
        ],
    ];
    for headers in passes {
        let mut r = c.post(&url).form(&[("x", "ok")]);
        for (h, v) in &headers {
            r = r.header(*h, v);
        }
        let r = r.send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "x=ok", "{headers:?}");
    }
    // Everything else is refused: same-site (another subdomain), cross-site
    // and junk Sec-Fetch-Site values; Origin null, foreign, or the same
    // host:port under another scheme (this server is plain HTTP).
    let (port, hostname) = {
        let (h, p) = host.rsplit_once(':').unwrap();
        (p.to_owned(), h.to_owned())
    };
    let refusals = [
        (
            "sec-fetch-site",
            "same-site".to_owned(),
            CsrfError::CrossSite,
        ),
        (
            "sec-fetch-site",
            "cross-site".to_owned(),
            CsrfError::CrossSite,
        ),
        (
            "sec-fetch-site",
            "Same-Origin".to_owned(),
            CsrfError::CrossSite,
        ),
        ("sec-fetch-site", "junk".to_owned(), CsrfError::CrossSite),
        ("sec-fetch-site", String::new(), CsrfError::CrossSite),
        ("origin", "null".to_owned(), CsrfError::OriginMismatch),
        (
            "origin",
            "https://evil.example".to_owned(),
            CsrfError::OriginMismatch,
        ),
        (
            "origin",
            format!("https://{host}"),
            CsrfError::OriginMismatch,
        ),
        (
            "origin",
            format!("http://{hostname}"),
            CsrfError::OriginMismatch,
        ),
        (
            "origin",
            format!("http://{hostname}:{port}0"),
            CsrfError::OriginMismatch,
        ),
        ("origin", format!("ftp://{host}"), CsrfError::OriginMismatch),
        (
            "origin",
            "https://app.example.com:8443".to_owned(),
            CsrfError::OriginMismatch,
        ),
        (
            "origin",
            "http://app.example.com".to_owned(),
            CsrfError::OriginMismatch,
        ),
    ];
    for (h, v, error) in refusals {
        let r = c
            .post(&url)
            .header(h, &v)
            .form(&[("x", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{h}: {v}");
        assert_eq!(r.text().await.unwrap(), error.to_string(), "{h}: {v}");
    }
    // Neither header falls back to the token check.
    let r = c.post(&url).form(&[("x", "1")]).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), r.text().await.unwrap()),
        (400, CsrfError::TokenMissing.to_string())
    );
}

async fn an_app_served_over_https_is_said_so_in_the_configuration(on: Server) {
    // HTTP/1.1 requests carry a relative URI (`/echo`): the server never
    // sees the scheme. With `assume_https` (or a Secure session cookie, via
    // `CsrfConfig::for_session`) the strict Referer check runs and the
    // request's own origin is `https://host`.
    let (cookie, token) = session_and_token(RAW);
    let session_config = SessionConfig::default()
        .with_secret_key(key())
        .with_secure(true);
    let derived = CsrfConfig::for_session(&session_config).unwrap();
    assert!(derived.assume_https);
    for config in [CsrfConfig::new(key()).with_assume_https(true), derived] {
        let base = server(on, config).await;
        let host = base.trim_start_matches("http://").to_owned();
        let c = reqwest::Client::new();
        let send = |headers: Vec<(&'static str, String)>| {
            let mut r = c
                .post(format!("{base}/echo"))
                .header("cookie", &cookie)
                .header("X-CSRFToken", &token)
                .form(&[("x", "y")]);
            for (h, v) in headers {
                r = r.header(h, v);
            }
            r.send()
        };
        let r = send(vec![]).await.unwrap();
        assert_eq!(
            r.text().await.unwrap(),
            CsrfError::ReferrerMissing.to_string()
        );
        let r = send(vec![("referer", format!("https://{host}/form"))])
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), "x=y");
        // The own origin is now https://host: an http Origin is foreign.
        let r = send(vec![("origin", format!("http://{host}"))])
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = send(vec![
            ("origin", format!("https://{host}")),
            ("referer", format!("https://{host}/form")),
        ])
        .await
        .unwrap();
        assert_eq!(r.text().await.unwrap(), "x=y");
    }
}

async fn the_demo_refuses_a_cross_site_form_post(on: Server) {
    let base = match on {
        Server::Axum => serve(demo::app(demo::config(key())).unwrap()).await,
        Server::Actix => {
            let app = demo_actix::app(demo_actix::config(key())).unwrap();
            serve_actix(move |c| app(c))
        }
    };
    let victim = browser();
    // The victim has a session (and a token) from visiting the demo.
    let page = get_text(&victim, format!("{base}/")).await;
    assert!(page.contains("name=\"csrf_token\""));
    // A page on another origin posts the login form: refused either way.
    for (h, v) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let r = victim
            .post(format!("{base}/login"))
            .header(h, v)
            .form(&[("username", "mallory")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{h}");
        assert!(r.headers().get("set-cookie").is_none());
    }
    let r = victim
        .post(format!("{base}/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let state: Json =
        serde_json::from_str(&get_text(&victim, format!("{base}/api/session")).await).unwrap();
    assert_eq!(state["user"], Json::Null);
}

async fn x_forwarded_proto_counts_only_when_trusted(on: Server) {
    // Over plain HTTP a missing `Referer` is fine unless the request counts
    // as HTTPS, which `X-Forwarded-Proto: https` makes it only when the
    // configuration trusts that header.
    let (cookie, token) = session_and_token(RAW);
    let c = reqwest::Client::new();
    for (trust, forwarded, ok) in [
        (false, None, true),
        (false, Some("https"), true),
        (true, None, true),
        (true, Some("http"), true),
        (true, Some("https"), false),
        (true, Some(" HTTPS "), false),
    ] {
        let mut config = CsrfConfig::new(key());
        config.trust_forwarded_proto = trust;
        let base = server(on, config).await;
        let mut req = c
            .post(format!("{base}/echo"))
            .header("cookie", &cookie)
            .header("X-CSRFToken", &token)
            .form(&[("x", "y")]);
        if let Some(f) = forwarded {
            req = req.header("x-forwarded-proto", f);
        }
        let text = req.send().await.unwrap().text().await.unwrap();
        let want = if ok {
            "x=y".to_owned()
        } else {
            CsrfError::ReferrerMissing.to_string()
        };
        assert_eq!(text, want, "trust {trust}, {forwarded:?}");
    }
}

#[test]
fn token_issues_a_flask_wtf_token_and_keeps_the_raw_one() {
    const NOW: u64 = 1_700_000_000;
    let csrf = Csrf::new(CsrfConfig::new(key())).with_clock(|| at(NOW));
    let mut session = DynamicSession::default();
    let first = csrf.token(&mut session).unwrap();
    let raw = session
        .get("csrf_token")
        .and_then(|v| v.as_str())
        .unwrap()
        .to_owned();
    assert!(
        raw.len() == 40 && raw.bytes().all(|b| b.is_ascii_hexdigit()),
        "{raw}"
    );
    // Flask-WTF's `generate_csrf`: the raw token signed with its salt.
    assert_eq!(first, CsrfTokenCodec::new(key()).sign(&raw, NOW));
    assert_eq!(csrf.validate(Some(&first), &session), Ok(()));
    assert_eq!(
        csrf.token(&mut session).unwrap(),
        first,
        "the raw token is kept"
    );
    // Another session gets another raw token.
    let mut other = DynamicSession::default();
    assert_ne!(csrf.token(&mut other).unwrap(), first);
    // A null session cannot hold one.
    let i = SecureCookieSessionInterface::new(SessionConfig::default()).unwrap();
    let mut null: DynamicSession = sessionkit::interface::SessionInterface::make_null_session(&i);
    assert_eq!(csrf.token(&mut null), Err(CsrfError::SessionTokenMissing));
}

async fn a_content_type_with_latin1_bytes_is_read_as_werkzeug_reads_it(on: Server) {
    // Werkzeug sees header bytes as Latin-1: `charset=\xe9` is still an
    // urlencoded form, so the layer reads the body and finds the token.
    let base = server(on, CsrfConfig::new(key())).await;
    let (cookie, token) = session_and_token(RAW);
    let content_type = reqwest::header::HeaderValue::from_bytes(
        b"application/x-www-form-urlencoded; charset=\xe9",
    )
    .unwrap();
    let r = reqwest::Client::new()
        .post(format!("{base}/raw"))
        .header("cookie", &cookie)
        .header("content-type", content_type)
        .body(format!("csrf_token={token}&x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

on_both_servers!(
    every_token_source_is_accepted_and_the_body_stays_readable,
    every_refusal_reason,
    https_requires_a_same_origin_referrer,
    fetch_metadata_alone_and_trusted_origins,
    an_app_served_over_https_is_said_so_in_the_configuration,
    the_demo_refuses_a_cross_site_form_post,
    x_forwarded_proto_counts_only_when_trusted,
    a_content_type_with_latin1_bytes_is_read_as_werkzeug_reads_it,
);
