//! One login across a real Flask app and the Rust demo: log in on Flask,
//! follow the cookie to Rust (it shows the user and consumes Flask's flash),
//! change something in Rust, go back to Flask (it sees the change, and the
//! keys Rust does not declare survive).

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/demo.rs"]
mod demo;
mod support;

use reqwest::redirect::Policy;
use serde_json::Value;
use sessionkit::codec::SecretKey;
use support::flask::FlaskApp;

const SECRET: &str = "shared-secret-between-flask-and-rust-ü";

async fn json(client: &reqwest::Client, url: String) -> Value {
    let text = client.get(url).send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_login_across_flask_and_rust() {
    let Some(flask) = FlaskApp::start("one_login_across_flask_and_rust", SECRET) else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let rust = format!("http://{}", listener.local_addr().unwrap());
    let app = demo::app(demo::config(SecretKey::from_text(SECRET).unwrap())).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // Cookies are per host, not per port: one jar serves both apps.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap();

    let r = browser
        .post(format!("{}/login", flask.base))
        .form(&[("username", "ada")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let before = json(&browser, format!("{}/whoami", flask.base)).await;
    assert_eq!(before["user"], "ada");

    // Rust shows the Flask login and Flask's flash (consumed once).
    let page = browser
        .get(format!("{rust}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Logged in as <strong id=\"user\">ada</strong>"),
        "{page}"
    );
    assert!(page.contains("Welcome from Flask"), "{page}");
    let page = browser
        .get(format!("{rust}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
    let keys: Vec<&str> = after["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "_fresh",
            "_id",
            "_permanent",
            "_user_id",
            "flask_only",
            "visits"
        ]
    );

    // Logging out in Rust logs out of Flask.
    let r = browser.post(format!("{rust}/logout")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let gone = json(&browser, format!("{}/whoami", flask.base)).await;
    assert_eq!(gone["user"], Value::Null);
}
