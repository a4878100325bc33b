//! The demo in a real browser: headless Chromium over WebDriver
//! (`tests/support/browser.rs`). What only a browser can show: which
//! cookies it keeps and how (HttpOnly, SameSite, expiry), which headers it
//! adds (`Sec-Fetch-Site`, `Origin`) when a page of another site posts a
//! form or calls `fetch()`, and that scripts cannot read the session.
//!
//! `127.0.0.1` and `localhost` are different sites to a browser: the demo
//! is served as `http://127.0.0.1:<port>`, the attacker's pages as
//! `http://localhost:<port>`. Screenshots of the main states are saved
//! under `target/browser-screenshots/`.

// Both demos include the module they share, each its own copy.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code, unreachable_pub)]
#[path = "support/browser.rs"]
mod chromium;
mod support;

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/demo.rs"]
mod demo;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/demo_actix.rs"]
mod demo_actix;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use chromium::{Browser, Driver};
use sessionkit::codec::SecretKey;
use sessionkit::csrf::CsrfError;
use support::web::{Server, on_both_servers, serve, serve_actix};

const KEY: &str = "browser-test-key-0123456789abcdef";

/// The demo on `server`'s adapter, with sessions where `backend` says.
async fn demo_with(server: Server, backend: &demo::Backend) -> String {
    let key = SecretKey::from_text(KEY).unwrap();
    match server {
        Server::Axum => serve(demo::app_with(demo::config(key), backend).unwrap()).await,
        Server::Actix => {
            let backend = demo_actix::Backend::parse(Some(&backend.store_value())).unwrap();
            let app = demo_actix::app_with(demo_actix::config(key), &backend).unwrap();
            serve_actix(move |c| app(c))
        }
    }
}

/// Logs `user` in through the demo's form, as a person would.
async fn log_in(browser: &Browser, base: &str, user: &str) {
    browser.goto(&format!("{base}/")).await;
    let form = browser
        .client
        .form(fantoccini::Locator::Css("form[action='/login']"))
        .await
        .unwrap();
    form.set_by_name("username", user).await.unwrap();
    submit(browser, base, "/login").await;
    assert_eq!(browser.text("#user").await, user);
}

/// Submits the demo's form posting to `action`; the answer redirects to
/// the home page.
async fn submit(browser: &Browser, base: &str, action: &str) {
    browser.submit(&format!("form[action='{action}']")).await;
    browser.wait_for_url(&format!("{base}/")).await;
}

/// An attacker's site (`localhost`): `/form?to=URL&field=value…` posts a
/// form to `URL` as soon as it loads; `/` is an empty page for scripts.
async fn attacker() -> String {
    async fn form(
        axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>,
    ) -> Html<String> {
        let to = &q.iter().find(|(k, _)| k == "to").unwrap().1;
        let fields: String = q
            .iter()
            .filter(|(k, _)| k != "to")
            .map(|(k, v)| format!("<input name=\"{k}\" value=\"{v}\">"))
            .collect();
        Html(format!(
            "<!doctype html><form id=\"f\" method=\"post\" action=\"{to}\">{fields}</form>\
             <script>document.getElementById('f').submit()</script>"
        ))
    }
    let app = Router::new().route("/form", get(form)).route(
        "/",
        get(|| async { Html("<!doctype html><p>elsewhere</p>") }),
    );
    serve(app).await.replace("127.0.0.1", "localhost")
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// Log in through the form, see the user and the flash; reload (the flash
/// is gone, the visit counted); log out. Screenshots of both states.
async fn log_in_see_the_flash_reload_and_log_out(server: Server) {
    let Some(driver) = Driver::start(&format!(
        "log_in_see_the_flash_reload_and_log_out ({server:?})"
    )) else {
        return;
    };
    let base = demo_with(server, &demo::Backend::Cookie).await;
    let browser = driver.browser(390).await;
    browser.goto(&format!("{base}/")).await;
    assert_eq!(browser.text("#user").await, "Not logged in.");
    assert_eq!(browser.text("#cookie").await, "none sent yet");
    assert_eq!(browser.text("#expiry").await, "when the browser closes");
    assert!(
        browser
            .text("#backend")
            .await
            .starts_with("the cookie itself")
    );
    browser.screenshot(&format!("logged-out-{server:?}")).await;

    log_in(&browser, &base, "ada").await;
    assert_eq!(browser.text("#flashes li").await, "Logged in as ada.");
    browser
        .screenshot(&format!("logged-in-with-flash-{server:?}"))
        .await;

    // The page shows the size of the cookie the browser sent with it.
    let sent = browser.client.get_named_cookie("session").await.unwrap();
    browser.client.refresh().await.unwrap();
    browser.wait_for("#user").await;
    let bytes = "session=".len() + sent.value().len();
    assert_eq!(
        browser.text("#cookie").await,
        format!("{bytes} bytes sent by your browser")
    );
    assert!(browser.text("#expiry").await.starts_with("in 31 days"));
    assert!(!browser.has("#flashes li").await, "a flash shows once");
    assert_eq!(browser.text("#user").await, "ada");
    // Visits: the first page, the login form's page (loaded again), the
    // page after login, the reload.
    assert_eq!(browser.text("#visits").await, "4");

    submit(&browser, &base, "/logout").await;
    assert_eq!(browser.text("#user").await, "Not logged in.");
    browser.close().await;
}

/// The cookie as Chromium stores it: HttpOnly, SameSite=Lax, a browser
/// session cookie before login and one that expires after the 31-day
/// lifetime once the login makes the session permanent; and scripts cannot
/// read it.
async fn the_browser_keeps_the_cookie_as_configured(server: Server) {
    let Some(driver) = Driver::start(&format!(
        "the_browser_keeps_the_cookie_as_configured ({server:?})"
    )) else {
        return;
    };
    let base = demo_with(server, &demo::Backend::Cookie).await;
    let browser = driver.browser(800).await;
    browser.goto(&format!("{base}/")).await;
    let cookie = browser.client.get_named_cookie("session").await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(
        cookie.same_site().map(|s| s.to_string()).as_deref(),
        Some("Lax")
    );
    assert_eq!(cookie.path(), Some("/"));
    assert!(
        cookie.expires_datetime().is_none(),
        "not permanent yet: {cookie}"
    );

    log_in(&browser, &base, "ada").await;
    let cookie = browser.client.get_named_cookie("session").await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    let expires = cookie
        .expires_datetime()
        .expect("a permanent session expires")
        .unix_timestamp();
    let lifetime = 31 * 86_400;
    assert!((expires - (now() + lifetime)).abs() < 120, "{cookie}");

    let visible = browser
        .client
        .execute("return document.cookie", vec![])
        .await
        .unwrap();
    assert!(
        !visible.as_str().unwrap_or_default().contains("session="),
        "scripts must not see the session cookie: {visible}"
    );
    browser.close().await;
}

/// A page of another site that auto-submits a form to `/logout` and to
/// `/login` is refused (403, the browser says `Sec-Fetch-Site:
/// cross-site`), and the session is unchanged; `fetch()` with credentials
/// from that site changes nothing either. The demo's own forms work.
async fn another_site_cannot_post_forms_or_fetch(server: Server) {
    let Some(driver) = Driver::start(&format!(
        "another_site_cannot_post_forms_or_fetch ({server:?})"
    )) else {
        return;
    };
    let base = demo_with(server, &demo::Backend::Cookie).await;
    let evil = attacker().await;
    let browser = driver.browser(800).await;
    log_in(&browser, &base, "ada").await;

    for (path, fields) in [("/logout", "x=1"), ("/login", "username=mallory")] {
        let target = format!("{base}{path}");
        let url = format!("{evil}/form?to={target}&{fields}");
        browser.client.goto(&url).await.unwrap();
        browser.wait_for_url(&target).await;
        // The demo's refusal page, with the check's message.
        let error = browser.text("#error").await;
        assert_eq!(error, CsrfError::CrossSite.to_string(), "{path}");
        if path == "/logout" {
            browser
                .screenshot(&format!("cross-site-post-refused-{server:?}"))
                .await;
        }
        browser.goto(&format!("{base}/")).await;
        assert_eq!(
            browser.text("#user").await,
            "ada",
            "after the post to {path}"
        );
    }

    browser.goto(&format!("{evil}/")).await;
    let sent = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0], {method: 'POST', credentials: 'include', mode: 'no-cors',
                 headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                 body: 'username=mallory'})
               .then(() => done('sent'), e => done('failed: ' + e));",
            vec![serde_json::json!(format!("{base}/login"))],
        )
        .await
        .unwrap();
    assert_eq!(sent, "sent");
    browser.goto(&format!("{base}/")).await;
    assert_eq!(browser.text("#user").await, "ada", "after the fetch");

    // The same browser, from the demo's own page: its form works.
    submit(&browser, &base, "/logout").await;
    assert_eq!(browser.text("#user").await, "Not logged in.");
    browser.close().await;
}

/// Sessions in a server-side store: the same login, and "Log out
/// everywhere" in one profile ends the session in another.
async fn log_out_everywhere_ends_the_other_profiles_session(server: Server) {
    let Some(driver) = Driver::start(&format!(
        "log_out_everywhere_ends_the_other_profiles_session ({server:?})"
    )) else {
        return;
    };
    let redis = support::redis::RedisServer::start(&format!(
        "log_out_everywhere_ends_the_other_profiles_session ({server:?})"
    ));
    let mut backends = vec![demo::Backend::Memory];
    backends.extend(redis.as_ref().map(|r| demo::Backend::Redis(r.url())));
    for backend in &backends {
        log_out_everywhere(&driver, &demo_with(server, backend).await, backend).await;
    }
}

async fn log_out_everywhere(driver: &Driver, base: &str, backend: &demo::Backend) {
    let laptop = driver.browser(800).await;
    let phone = driver.browser(390).await;
    log_in(&laptop, base, "ada").await;
    log_in(&phone, base, "ada").await;
    assert_eq!(laptop.text("#backend").await, backend.label());
    let sid = laptop.client.get_named_cookie("session").await.unwrap();
    assert_eq!(
        sid.value().len(),
        43,
        "the cookie holds only the session id"
    );

    submit(&laptop, base, "/logout-everywhere").await;
    assert_eq!(laptop.text("#user").await, "Not logged in.");
    phone.goto(&format!("{base}/")).await;
    assert_eq!(phone.text("#user").await, "Not logged in.");
    laptop.close().await;
    phone.close().await;
}

on_both_servers!(
    log_in_see_the_flash_reload_and_log_out,
    the_browser_keeps_the_cookie_as_configured,
    another_site_cannot_post_forms_or_fetch,
    log_out_everywhere_ends_the_other_profiles_session,
);
