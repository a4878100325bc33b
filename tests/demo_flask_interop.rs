//! One login across a real Flask app and the Rust demo: log in on Flask,
//! follow the cookie to Rust (it shows the user and consumes Flask's flash),
//! change something in Rust, go back to Flask (it sees the change, and the
//! keys Rust does not declare survive).

// Both demos include the module they share, each its own copy.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/demo.rs"]
mod demo;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/demo_actix.rs"]
mod demo_actix;
mod support;

use serde_json::Value;
use sessionkit::codec::SecretKey;
use support::flask::FlaskApp;
use support::web::{
    Server, browser, browser_with, form_token, get_text, json, on_both_servers, serve, serve_actix,
};

const SECRET: &str = "shared-secret-between-flask-and-rust-ü";

/// The Rust demo on `on`'s adapter, with the Flask app's secret key.
async fn rust_demo(on: Server) -> String {
    let key = SecretKey::from_text(SECRET).unwrap();
    match on {
        Server::Axum => serve(demo::app(demo::config(key)).unwrap()).await,
        Server::Actix => {
            let app = demo_actix::app(demo_actix::config(key)).unwrap();
            serve_actix(move |c| app(c))
        }
    }
}

/// Logs `user` in on the Flask app (Flask-Login, a flash, a Flask-only key).
async fn flask_login(browser: &reqwest::Client, flask: &str, user: &str) {
    let r = browser
        .post(format!("{flask}/login"))
        .form(&[("username", user)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// The session keys Flask's `/whoami` saw, sorted.
fn session_keys(whoami: &Value) -> Vec<&str> {
    whoami["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect()
}

async fn one_login_across_flask_and_rust(on: Server) {
    let Some(flask) = FlaskApp::start(&format!("one_login_across_flask_and_rust ({on:?})"), SECRET)
    else {
        return;
    };
    let rust = rust_demo(on).await;
    // Cookies are per host, not per port: one jar serves both apps.
    let browser = browser();

    flask_login(&browser, &flask.base, "ada").await;
    let before = json(&browser, format!("{}/whoami", flask.base)).await;
    assert_eq!(before["user"], "ada");

    // Rust shows the Flask login and Flask's flash (consumed once).
    let page = get_text(&browser, format!("{rust}/")).await;
    assert!(
        page.contains("Logged in as <strong id=\"user\">ada</strong>"),
        "{page}"
    );
    assert!(page.contains("Welcome from Flask"), "{page}");
    let page = get_text(&browser, format!("{rust}/")).await;
    assert!(!page.contains("Welcome from Flask"), "{page}");
    let state = json(&browser, format!("{rust}/api/session")).await;
    assert_eq!(
        state,
        serde_json::json!({"user": "ada", "visits": 2, "permanent": true})
    );

    // Flask sees Rust's change, and everything Rust does not declare.
    let after = json(&browser, format!("{}/whoami", flask.base)).await;
    assert_eq!(after["user"], "ada");
    assert_eq!(after["visits"], 2);
    assert_eq!(after["fresh"], true);
    assert_eq!(after["permanent"], true);
    assert_eq!(after["flask_only"], before["flask_only"]);
    assert_eq!(
        after["flask_only"],
        "{'nested': [1, 2, 3], 't': (1, 'x'), 'u': 'ü😀'}"
    );
    let keys = session_keys(&after);
    // csrf_token: the Rust page issued a Flask-WTF token for its forms;
    // _issued_at: the demo's absolute lifetime stamped the session's issue
    // time when Rust first saved it.
    let expected = [
        "_fresh",
        "_id",
        "_issued_at",
        "_permanent",
        "_user_id",
        "csrf_token",
        "flask_only",
        "visits",
    ];
    assert_eq!(keys, expected);
    // Flask writes the session again (a new login) and carries the issue
    // time along; Rust still accepts the session.
    flask_login(&browser, &flask.base, "ada").await;
    let again = json(&browser, format!("{}/whoami", flask.base)).await;
    let mut keys = session_keys(&again);
    keys.retain(|k| *k != "_flashes"); // Flask's login flashed again
    assert_eq!(keys, expected);
    let state = json(&browser, format!("{rust}/api/session")).await;
    assert_eq!(state["user"], "ada");

    // Logging out in Rust (with the page's CSRF token) logs out of Flask.
    let page = get_text(&browser, format!("{rust}/")).await;
    let token = form_token(&page);
    let r = browser
        .post(format!("{rust}/logout"))
        .form(&[("csrf_token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let gone = json(&browser, format!("{}/whoami", flask.base)).await;
    assert_eq!(gone["user"], Value::Null);
}

/// Flask-WTF tokens validate in Rust, and Rust's tokens validate in
/// Flask-WTF (same secret, same session cookie).
async fn csrf_tokens_work_both_ways_with_flask_wtf(on: Server) {
    let Some(flask) = FlaskApp::start(
        &format!("csrf_tokens_work_both_ways_with_flask_wtf ({on:?})"),
        SECRET,
    ) else {
        return;
    };
    let rust = rust_demo(on).await;

    // Flask issues the token (and stores its raw form in the shared session);
    // Rust accepts it on a protected POST.
    let browser = browser();
    let flask_token = get_text(&browser, format!("{}/csrf", flask.base)).await;
    let r = browser
        .post(format!("{rust}/login"))
        .form(&[("username", "grace"), ("csrf_token", flask_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    // Without it, Rust refuses with Flask-WTF's message.
    let r = browser
        .post(format!("{rust}/login"))
        .form(&[("username", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("<p id=\"error\">The CSRF token is missing.</p>"),
        "{page}"
    );

    // Rust issues the token (a fresh browser); Flask-WTF accepts it.
    let browser = support::web::browser();
    let page = get_text(&browser, format!("{rust}/")).await;
    let rust_token = form_token(&page);
    let r = browser
        .post(format!("{}/protected", flask.base))
        .form(&[("csrf_token", rust_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = browser
        .post(format!("{}/protected", flask.base))
        .header("X-CSRFToken", rust_token.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = browser
        .post(format!("{}/protected", flask.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "Flask-WTF refuses a missing token");
}

/// A login made in Rust is a fresh Flask-Login login in Flask: the demo
/// stores the `_id` Flask-Login computes for the same request (client
/// address, `X-Forwarded-For`, a `User-Agent` with quotes and a raw
/// non-ASCII byte). The same cookie sent with another `User-Agent` trips
/// Flask-Login's session protection, which shows that `_id` is checked.
async fn a_rust_login_is_fresh_in_flask_login(on: Server) {
    let Some(flask) = FlaskApp::start(
        &format!("a_rust_login_is_fresh_in_flask_login ({on:?})"),
        SECRET,
    ) else {
        return;
    };
    let rust = rust_demo(on).await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let headers = |agent: &[u8]| {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "user-agent",
            reqwest::header::HeaderValue::from_bytes(agent).unwrap(),
        );
        h.insert(
            "x-forwarded-for",
            reqwest::header::HeaderValue::from_static(" 198.51.100.9 , 10.0.0.1"),
        );
        h
    };
    let laptop = browser_with(jar.clone(), headers(b"Mozilla/5.0 (it's \"x\") \\ \xfc"));

    let page = get_text(&laptop, format!("{rust}/")).await;
    let r = laptop
        .post(format!("{rust}/login"))
        .form(&[("username", "grace"), ("csrf_token", &form_token(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let seen = json(&laptop, format!("{}/whoami", flask.base)).await;
    assert_eq!(seen["user"], "grace");
    assert_eq!(seen["fresh"], true, "{seen}");

    // Another device with the same cookie: Flask-Login's basic protection
    // marks the login stale.
    let phone = browser_with(jar, headers(b"phone/1"));
    let seen = json(&phone, format!("{}/whoami", flask.base)).await;
    assert_eq!(seen["user"], "grace");
    assert_eq!(seen["fresh"], false, "{seen}");
}

on_both_servers!(
    one_login_across_flask_and_rust,
    csrf_tokens_work_both_ways_with_flask_wtf,
    a_rust_login_is_fresh_in_flask_login
);
