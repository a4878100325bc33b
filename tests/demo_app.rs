//! The demo app on a real listening socket, driven by a real HTTP client
//! with a cookie jar: every scenario runs on both demos, the axum one and
//! the actix-web one (`axum_server::…` and `actix_server::…`), which must
//! behave the same byte for byte.

// Both demos include the module they share, each its own copy.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/demo.rs"]
mod demo;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/demo_actix.rs"]
mod demo_actix;
mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use demo::DemoSession;
use sessionkit::codec::{DateTime, SecretKey};
use sessionkit::testing::{SavedSession, SessionTester};
use support::web::{Server, browser, form_token, get_text, on_both_servers, serve, serve_actix};

const KEY: &str = "demo-test-key-0123456789abcdef0123";

fn key() -> SecretKey {
    SecretKey::from_text(KEY).unwrap()
}

/// The demo on `server`, with sessions where `backend` says.
async fn demo_on(server: Server, backend: &demo::Backend) -> String {
    match server {
        Server::Axum => serve(demo::app_with(demo::config(key()), backend).unwrap()).await,
        Server::Actix => {
            let backend = demo_actix::Backend::parse(Some(&backend.store_value())).unwrap();
            let app = demo_actix::app_with(demo_actix::config(key()), &backend).unwrap();
            serve_actix(move |c| app(c))
        }
    }
}

/// The demo on `server`, sessions in the cookie.
async fn demo_server(server: Server) -> String {
    demo_on(server, &demo::Backend::Cookie).await
}

on_both_servers!(
    login_counter_flash_and_logout,
    a_token_issued_before_login_is_refused_after_it,
    permanent_login_cookie_expires_after_the_lifetime,
    tampered_cookie_is_logged_out_not_an_error,
    vary_and_no_set_cookie_when_the_session_is_untouched,
    another_client_with_the_cookie_gets_a_stale_login,
    log_out_everywhere_with_cookies_explains_itself,
    log_out_everywhere_with_the_memory_store,
    log_out_everywhere_with_redis,
    log_out_everywhere_with_postgres,
    log_out_everywhere_with_sqlite,
    log_out_everywhere_on_a_redis_cluster,
    the_demos_share_one_login,
);

fn tester() -> SessionTester<DemoSession> {
    SessionTester::new(key()).unwrap()
}

/// Loads the home page and posts a form from it, with its token.
async fn submit(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = get_text(client, format!("{base}/")).await;
    let token = form_token(&page);
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf_token", &token));
    client
        .post(format!("{base}{path}"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn api(client: &reqwest::Client, base: &str) -> serde_json::Value {
    let r = client
        .get(format!("{base}/api/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

async fn login_counter_flash_and_logout(server: Server) {
    let base = demo_server(server).await;
    let b = browser();

    let page = get_text(&b, format!("{base}/")).await;
    assert!(page.contains("Not logged in"), "{page}");

    // The login form's own GET / is the second visit.
    let r = submit(&b, &base, "/login", &[("username", "ada <b>")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/");
    let saved = tester().saved_from_headers(r.headers());
    let SavedSession::Set(s) = saved else {
        panic!("login must set the cookie: {saved:?}")
    };
    assert_eq!(s.user().as_deref(), Some("ada <b>"));
    assert!(*s.fresh() && s.is_permanent());

    // The flash shows once, escaped; the counter counts.
    let page = get_text(&b, format!("{base}/")).await;
    assert!(
        page.contains("Logged in as <strong id=\"user\">ada &lt;b&gt;</strong>"),
        "{page}"
    );
    assert!(
        page.contains("<li class=\"message\">Logged in as ada &lt;b&gt;.</li>"),
        "{page}"
    );
    let page = get_text(&b, format!("{base}/")).await;
    assert!(!page.contains("<li"), "a flash is consumed once: {page}");
    b.get(format!("{base}/")).send().await.unwrap();
    let state = api(&b, &base).await;
    // Two visits before logging in, three after: the login kept the counter.
    assert_eq!(
        state,
        serde_json::json!({"user": "ada <b>", "visits": 5, "permanent": true})
    );

    let r = submit(&b, &base, "/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(matches!(
        tester().saved_from_headers(r.headers()),
        SavedSession::Deleted
    ));
    let state = api(&b, &base).await;
    assert_eq!(
        state,
        serde_json::json!({"user": null, "visits": 0, "permanent": false})
    );
}

async fn a_token_issued_before_login_is_refused_after_it(server: Server) {
    // Token fixation: the form token of the logged-out page must not work
    // once the session is logged in (the demo rotates it at login).
    let base = demo_server(server).await;
    let b = browser();
    let before = form_token(&get_text(&b, format!("{base}/")).await);
    let r = b
        .post(format!("{base}/login"))
        .form(&[("username", "ada"), ("csrf_token", &before)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b
        .post(format!("{base}/logout"))
        .form(&[("csrf_token", &before)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // The demo's refusal page, with Flask-WTF's message.
    let page = r.text().await.unwrap();
    assert!(
        page.contains("<p id=\"error\">The CSRF tokens do not match.</p>"),
        "{page}"
    );
    assert_eq!(api(&b, &base).await["user"], "ada");
    // The token of the logged-in page works.
    let r = submit(&b, &base, "/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(api(&b, &base).await["user"], serde_json::Value::Null);
}

async fn permanent_login_cookie_expires_after_the_lifetime(server: Server) {
    let base = demo_server(server).await;
    let r = submit(&browser(), &base, "/login", &[("username", "ada")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let expires = set
        .split("; ")
        .find_map(|a| a.strip_prefix("Expires="))
        .expect("Expires");
    let at = DateTime::parse_rfc2822(expires).unwrap().to_unix();
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let lifetime = 31 * 86_400;
    assert!((at - (now + lifetime)).abs() <= 60, "{set}");
    assert!(set.contains("; HttpOnly; Path=/; SameSite=Lax"), "{set}");
}

async fn tampered_cookie_is_logged_out_not_an_error(server: Server) {
    let base = demo_server(server).await;
    let cookie = tester()
        .cookie(|s| s.set_user(Some("mallory".into())))
        .unwrap();
    let mut tampered = cookie.clone().into_bytes();
    // A significant character of the signature (its last one carries two
    // unused bits, which Flask ignores too).
    let at = tampered.len() - 5;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let client = reqwest::Client::new();
    for (c, who) in [
        (cookie.as_str(), Some("mallory")),
        (tampered.as_str(), None),
    ] {
        let r = client
            .get(format!("{base}/api/session"))
            .header("cookie", c)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v["user"].as_str(), who, "{c}");
    }
    let r = client
        .get(format!("{base}/"))
        .header("cookie", "session=garbage.garbage.garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Not logged in"));
}

async fn vary_and_no_set_cookie_when_the_session_is_untouched(server: Server) {
    let base = demo_server(server).await;
    let client = reqwest::Client::new();
    let r = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.headers()["vary"], "Cookie");
    assert!(r.headers().get("set-cookie").is_some());

    // Reads without a cookie: Vary, but nothing to set.
    let r = client
        .get(format!("{base}/api/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["vary"], "Cookie");
    assert!(r.headers().get("set-cookie").is_none());

    // A handler that does not touch the session, with a non-permanent cookie.
    let cookie = tester().cookie(|s| *s.visits_mut() = 5).unwrap();
    let r = client
        .get(format!("{base}/health"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("set-cookie").is_none() && r.headers().get("vary").is_none());
    let r = client
        .get(format!("{base}/api/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(
        r.headers().get("set-cookie").is_none(),
        "read-only, not permanent: no Set-Cookie"
    );
    assert_eq!(r.headers()["vary"], "Cookie");
}

/// The login stores Flask-Login's `_id` for the client; the home page runs
/// Flask-Login's basic session protection: the same cookie from another
/// `User-Agent` stays logged in but is no longer fresh.
async fn another_client_with_the_cookie_gets_a_stale_login(server: Server) {
    let base = demo_server(server).await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let agent = |ua: &'static str| {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("user-agent", reqwest::header::HeaderValue::from_static(ua));
        support::web::browser_with(jar.clone(), h)
    };
    let (laptop, phone) = (agent("laptop/1"), agent("phone/1"));

    let r = submit(&laptop, &base, "/login", &[("username", "ada")]).await;
    let SavedSession::Set(s) = tester().saved_from_headers(r.headers()) else {
        panic!("login sets the cookie")
    };
    let laptop_id = sessionkit::flask_login::identifier(Some(b"127.0.0.1"), Some(b"laptop/1"));
    assert_eq!(s.login_id().as_deref(), Some(laptop_id.as_str()));

    let fresh_after = |r: &reqwest::Response| match tester().saved_from_headers(r.headers()) {
        SavedSession::Set(s) => (*s.fresh(), s.user().clone()),
        other => panic!("the home page saves the counter: {other:?}"),
    };
    let r = laptop.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(fresh_after(&r), (true, Some("ada".into())));
    let r = phone.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(fresh_after(&r), (false, Some("ada".into())));
}

async fn store_demo(server: Server, backend: &demo::Backend) -> String {
    demo_on(server, backend).await
}

/// With a server-side store: the cookie holds the session id, the login
/// gets a new one, and "Log out everywhere" ends the user's other sessions.
async fn log_out_everywhere(base: &str) {
    let laptop = browser();
    let phone = browser();
    let other_user = browser();
    for (b, name) in [(&laptop, "ada"), (&phone, "ada"), (&other_user, "bob")] {
        let r = submit(b, base, "/login", &[("username", name)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        // The sid (43 characters), not the session.
        let value = cookie
            .split(';')
            .next()
            .unwrap()
            .strip_prefix("session=")
            .unwrap();
        assert_eq!(value.len(), 43, "{cookie}");
        assert_eq!(api(b, base).await["user"], name);
    }
    let r = submit(&phone, base, "/logout-everywhere", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(api(&laptop, base).await["user"], serde_json::Value::Null);
    assert_eq!(api(&phone, base).await["user"], serde_json::Value::Null);
    assert_eq!(api(&other_user, base).await["user"], "bob");
    // The button is CSRF-protected like the other forms.
    let r = bob_posts_without_token(&other_user, base).await;
    assert_eq!(r, StatusCode::BAD_REQUEST);
}

async fn bob_posts_without_token(b: &reqwest::Client, base: &str) -> StatusCode {
    b.post(format!("{base}/logout-everywhere"))
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap()
        .status()
}

async fn log_out_everywhere_with_the_memory_store(server: Server) {
    log_out_everywhere(&store_demo(server, &demo::Backend::Memory).await).await;
}

async fn log_out_everywhere_with_redis(server: Server) {
    let Some(redis) =
        support::redis::RedisServer::start(&format!("log_out_everywhere_with_redis ({server:?})"))
    else {
        return;
    };
    log_out_everywhere(&store_demo(server, &demo::Backend::Redis(redis.url())).await).await;
}

async fn log_out_everywhere_with_postgres(server: Server) {
    let Some(db) = support::postgres::TestDatabase::create(
        &format!("log_out_everywhere_with_postgres_{server:?}").to_lowercase(),
    ) else {
        return;
    };
    let backend = demo::Backend::Postgres(db.url());
    demo::migrate(&backend).await.unwrap();
    log_out_everywhere(&store_demo(server, &backend).await).await;
}

async fn log_out_everywhere_with_sqlite(server: Server) {
    let dir = std::env::temp_dir().join(format!(
        "sessionkit-demo-sqlite-{}-{server:?}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let backend = demo::Backend::Sqlite(format!("sqlite://{}", dir.join("s.db").display()));
    demo::migrate(&backend).await.unwrap();
    log_out_everywhere(&store_demo(server, &backend).await).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn log_out_everywhere_on_a_redis_cluster(server: Server) {
    let Some(cluster) = support::redis_cluster::RedisCluster::start(&format!(
        "log_out_everywhere_on_a_redis_cluster ({server:?})"
    )) else {
        return;
    };
    log_out_everywhere(&store_demo(server, &demo::Backend::RedisCluster(cluster.url())).await)
        .await;
}

#[test]
fn session_store_values() {
    assert_eq!(demo::Backend::parse(None), Ok(demo::Backend::Cookie));
    assert_eq!(
        demo::Backend::parse(Some("cookie")),
        Ok(demo::Backend::Cookie)
    );
    assert_eq!(
        demo::Backend::parse(Some("memory")),
        Ok(demo::Backend::Memory)
    );
    assert_eq!(
        demo::Backend::parse(Some("redis://127.0.0.1:6379/0")),
        Ok(demo::Backend::Redis("redis://127.0.0.1:6379/0".into()))
    );
    assert_eq!(
        demo::Backend::parse(Some("redis-cluster://127.0.0.1:7000,127.0.0.1:7001")),
        Ok(demo::Backend::RedisCluster(
            "redis-cluster://127.0.0.1:7000,127.0.0.1:7001".into()
        ))
    );
    assert_eq!(
        demo::Backend::parse(Some("postgres://x")),
        Ok(demo::Backend::Postgres("postgres://x".into()))
    );
    assert_eq!(
        demo::Backend::parse(Some("sqlite://s.db")),
        Ok(demo::Backend::Sqlite("sqlite://s.db".into()))
    );
    assert!(demo::Backend::parse(Some("mysql://x")).is_err());
}

async fn log_out_everywhere_with_cookies_explains_itself(server: Server) {
    let base = demo_server(server).await;
    let b = browser();
    submit(&b, &base, "/login", &[("username", "ada")]).await;
    submit(&b, &base, "/logout-everywhere", &[]).await;
    let page = get_text(&b, format!("{base}/")).await;
    assert!(page.contains("needs a server-side store"), "{page}");
    assert!(page.contains("Logged in as"), "{page}");
}

/// Either server can replace the other behind one cookie: a login made on
/// one demo is the login of the other (with cookie sessions, and with
/// sessions in one Redis), and each one's CSRF tokens are valid on the
/// other.
async fn the_demos_share_one_login(first: Server) {
    let second = match first {
        Server::Axum => Server::Actix,
        Server::Actix => Server::Axum,
    };
    let redis =
        support::redis::RedisServer::start(&format!("the_demos_share_one_login ({first:?})"));
    let mut backends = vec![demo::Backend::Cookie];
    backends.extend(redis.as_ref().map(|r| demo::Backend::Redis(r.url())));
    for backend in backends {
        let (a, b) = (
            demo_on(first, &backend).await,
            demo_on(second, &backend).await,
        );
        // The jar keys cookies by host, not port: one browser for both.
        let browser = browser();
        let r = submit(&browser, &a, "/login", &[("username", "ada")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(api(&browser, &b).await["user"], "ada", "{backend:?}");
        // The other server's form token logs out.
        let r = submit(&browser, &b, "/logout", &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{backend:?}");
        assert_eq!(api(&browser, &a).await["user"], serde_json::Value::Null);
    }
}
