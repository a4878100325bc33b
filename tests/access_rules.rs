//! Flask 3.1.3's session-access rules, through the axum layer: any access
//! of the session marks it accessed (`Vary: Cookie`), and a null session
//! (no secret key) refuses every write, a `pop` of a missing key included.

mod support;

use axum::Router;
use axum::routing::get;
use sessionkit::axum::Session;
use sessionkit::codec::SecretKey;
use sessionkit::tower::SessionLayer;
use sessionkit::{DynamicSession, SessionConfig, session};
use support::web::serve;

#[session]
#[derive(Debug)]
struct Cart {
    items: Vec<String>,
}

async fn vary_of(base: &str, path: &str) -> (u16, Option<String>) {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    let vary = r
        .headers()
        .get("vary")
        .map(|v| v.to_str().unwrap().to_owned());
    (r.status().as_u16(), vary)
}

#[tokio::test]
async fn obtaining_or_locking_the_session_is_an_access() {
    // Flask: `session.new`, or any `session` reference at all, sets
    // `accessed`, and `save_session` adds `Vary: Cookie`.
    let app = Router::new()
        .route("/none", get(|| async { "no session" }))
        .route("/obtain", get(|_: Session<Cart>| async { "obtained" }))
        .route(
            "/is_new",
            get(|s: Session<Cart>| async move { s.lock().is_new().to_string() }),
        )
        .route(
            "/lock",
            get(|s: Session<Cart>| async move {
                drop(s.lock());
                "locked"
            }),
        )
        .layer(
            SessionLayer::<Cart>::with_key(SecretKey::from_text("access-rules-key").unwrap())
                .unwrap(),
        );
    let base = serve(app).await;
    assert_eq!(vary_of(&base, "/none").await, (200, None));
    for path in ["/obtain", "/is_new", "/lock"] {
        assert_eq!(
            vary_of(&base, path).await,
            (200, Some("Cookie".to_owned())),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_null_session_refuses_pop_even_of_a_missing_key() {
    // Flask's `NullSession` fails `pop`, `clear`, `setdefault`, ... even
    // when the key is absent: the request answers 500.
    let dynamic = SessionLayer::<DynamicSession>::with_config(SessionConfig::default()).unwrap();
    let typed = SessionLayer::<Cart>::with_config(SessionConfig::default()).unwrap();
    let app =
        Router::new()
            .route(
                "/read",
                get(|s: Session<DynamicSession>| async move { s.lock().len().to_string() }),
            )
            .route(
                "/remove",
                get(|s: Session<DynamicSession>| async move {
                    format!("{:?}", s.lock().remove("missing"))
                }),
            )
            .route(
                "/set_default",
                get(|s: Session<DynamicSession>| async move {
                    format!("{:?}", s.lock().set_default("k", 1))
                }),
            )
            .layer(dynamic);
    let typed_app = Router::new()
        .route(
            "/take",
            get(|s: Session<Cart>| async move { s.lock().take_items().len().to_string() }),
        )
        .route(
            "/clear",
            get(|s: Session<Cart>| async move {
                s.lock().clear();
                "cleared"
            }),
        )
        .layer(typed);
    let base = serve(app).await;
    let typed_base = serve(typed_app).await;
    assert_eq!(vary_of(&base, "/read").await.0, 200);
    for (base, path) in [
        (&base, "/remove"),
        (&base, "/set_default"),
        (&typed_base, "/take"),
        (&typed_base, "/clear"),
    ] {
        let r = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(r.status(), 500, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains("no secret key was set"), "{path}: {body}");
    }
}

#[test]
fn prefixed_cookie_names_need_the_attributes_browsers_require() {
    use sessionkit::error::ConfigError;
    use sessionkit::interface::SecureCookieSessionInterface;

    let config = |name: &str| {
        SessionConfig::default()
            .with_secret_key(SecretKey::from_text("prefix-key").unwrap())
            .with_cookie_name(name)
    };
    let needs = |c: SessionConfig| match SecureCookieSessionInterface::new(c) {
        Err(ConfigError::CookiePrefix { needs, .. }) => Some(needs),
        Err(e) => panic!("{e}"),
        Ok(_) => None,
    };
    assert!(needs(config("__Host-session")).is_some_and(|n| n.contains("Secure")));
    assert!(needs(config("__host-session")).is_some_and(|n| n.contains("Secure")));
    assert!(needs(config("__Secure-session")).is_some_and(|n| n.contains("Secure")));
    assert_eq!(needs(config("__Host-session").with_secure(true)), None);
    assert_eq!(
        needs(
            config("__Secure-session")
                .with_secure(true)
                .with_path("/app")
        ),
        None
    );
    let host = || config("__Host-session").with_secure(true);
    assert!(needs(host().with_domain("example.com")).is_some_and(|n| n.contains("Domain")));
    assert!(needs(host().with_path("/app")).is_some_and(|n| n.contains("Path=/")));
    assert_eq!(needs(config("session")), None);
}
