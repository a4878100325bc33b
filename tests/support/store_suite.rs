//! The server-side store suite: the rules every [`SessionStore`] keeps,
//! through the axum layer — Flask-Session's save rules, no lost update,
//! regenerate, revoke, no resurrection. Each store's test file runs it on
//! its store (`store_memory`, `store_redis`, `store_redis_cluster`) and adds
//! what only that store can show (faults, commands per request).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use http::StatusCode;
use sessionkit::axum::Session;
use sessionkit::codec::msgpack;
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::store::{ServerSideSessionInterface, SessionStore};
use sessionkit::tower::SessionLayer;
use sessionkit::{DynamicSession, SessionConfig, SessionData as _};

use super::router::{cookie_of, send, text};
use super::store::Overwrite;

/// The cookie deleted: what an emptied or vanished session answers.
pub const DELETED: &str = "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/";

/// A small app on `store`: set, get, clear, login (with regenerate), and a
/// route without session.
pub fn app<St: SessionStore>(store: St) -> (Router, ServerSideSessionInterface<St>) {
    app_with(store, SessionConfig::default())
}

/// [`app`] with `config`.
pub fn app_with<St: SessionStore>(
    store: St,
    config: SessionConfig,
) -> (Router, ServerSideSessionInterface<St>) {
    let interface = ServerSideSessionInterface::new(config, store).unwrap();
    let lifecycle = SessionLifecycle::<DynamicSession, _>::new(interface.clone());
    let router = Router::new()
        .route(
            "/set/{k}/{v}",
            post(
                |s: Session<DynamicSession>,
                 axum::extract::Path((k, v)): axum::extract::Path<(String, String)>| async move {
                    s.lock().insert(k.as_str(), v.as_str());
                },
            ),
        )
        .route(
            "/get/{k}",
            get(
                |s: Session<DynamicSession>, axum::extract::Path(k): axum::extract::Path<String>| async move {
                    s.lock()
                        .get(&k)
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                },
            ),
        )
        .route(
            "/clear",
            post(|s: Session<DynamicSession>| async move {
                s.lock().clear();
            }),
        )
        .route(
            "/login/{user}",
            post(
                |s: Session<DynamicSession>,
                 axum::extract::Path(user): axum::extract::Path<String>| async move {
                    s.lock().insert("_user_id", user.as_str());
                    s.handle().regenerate();
                },
            ),
        )
        .route("/plain", get(|| async { "no session" }))
        .layer(SessionLayer::from_lifecycle(lifecycle));
    (router, interface)
}

/// The record stored under `session:<sid of cookie>`.
pub async fn record<St: SessionStore>(store: &St, cookie: &str) -> Option<Vec<u8>> {
    let sid = cookie.strip_prefix("session=").expect("a session cookie");
    store.load(&format!("session:{sid}"), None).await.unwrap()
}

/// Flask-Session's save rules: the cookie holds a 43-character sid, the
/// store holds the msgpack dict under `session:<sid>`; a session holding
/// nothing is not stored, an emptied one is deleted with its cookie, and an
/// unknown sid gets a new one.
pub async fn save_rules<St: SessionStore + Clone>(store: St) {
    let (app, _) = app(store.clone());
    let r = send(&app, "POST", "/set/user/ada", None).await;
    assert_eq!(r.status(), 200);
    let cookie = cookie_of(&r).expect("a cookie");
    assert_eq!(cookie.len(), "session=".len() + 43, "{cookie}");
    let stored = record(&store, &cookie).await.expect("stored");
    let dict = msgpack::decode_session(&stored, 64).unwrap();
    let keys: Vec<_> = dict.iter().map(|(k, _)| k.to_string_lossy()).collect();
    assert_eq!(keys, ["_permanent", "user"]);
    assert_eq!(
        text(send(&app, "GET", "/get/user", Some(&cookie)).await).await,
        "ada"
    );

    let r = send(&app, "GET", "/get/x", None).await;
    assert!(r.headers().get("set-cookie").is_none(), "nothing stored");

    let r = send(&app, "POST", "/clear", Some(&cookie)).await;
    assert_eq!(r.headers()["set-cookie"], DELETED);
    assert!(record(&store, &cookie).await.is_none());

    let chosen = "session=attacker-chosen-id";
    let r = send(&app, "POST", "/set/a/1", Some(chosen)).await;
    assert_ne!(cookie_of(&r).unwrap(), chosen);
    assert!(record(&store, chosen).await.is_none());
}

/// N requests of one browser load the session, all wait until every one
/// has loaded it, then each sets its own key; answers how many keys
/// survived.
pub async fn concurrent_keys<St: SessionStore>(store: St, n: usize) -> usize {
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let interface = ServerSideSessionInterface::new(SessionConfig::default(), store).unwrap();
    let lifecycle = SessionLifecycle::<DynamicSession, _>::new(interface);
    let app = Router::new()
        .route(
            "/set/{k}",
            post({
                let barrier = barrier.clone();
                move |s: Session<DynamicSession>,
                      axum::extract::Path(k): axum::extract::Path<String>| {
                    let barrier = barrier.clone();
                    async move {
                        barrier.wait().await;
                        s.lock().insert(k.as_str(), true);
                    }
                }
            }),
        )
        .route(
            "/count",
            // Not counting `_permanent` and `seed`.
            get(|s: Session<DynamicSession>| async move { (s.lock().len() - 2).to_string() }),
        )
        .route(
            "/seed",
            post(|s: Session<DynamicSession>| async move {
                s.lock().insert("seed", 1);
            }),
        )
        .layer(SessionLayer::from_lifecycle(lifecycle));
    let cookie = cookie_of(&send(&app, "POST", "/seed", None).await).unwrap();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (app, cookie) = (app.clone(), cookie.clone());
            tokio::spawn(async move {
                let r = send(&app, "POST", &format!("/set/k{i}"), Some(&cookie)).await;
                let status = r.status();
                assert_eq!(status, 200, "{}", text(r).await);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    text(send(&app, "GET", "/count", Some(&cookie)).await)
        .await
        .parse()
        .unwrap()
}

/// Login regenerates the sid (the old record is deleted, the data moves);
/// revoking a user logs out every session of that user, however many and
/// wherever they are stored. `user` keeps runs on one store apart.
pub async fn regenerate_and_revoke<St: SessionStore + Clone>(store: St, user: &str) {
    let (app, interface) = app(store.clone());
    let first = cookie_of(&send(&app, "POST", "/set/cart/3", None).await).unwrap();
    let second =
        cookie_of(&send(&app, "POST", &format!("/login/{user}"), Some(&first)).await).unwrap();
    assert_ne!(first, second);
    assert!(
        record(&store, &first).await.is_none(),
        "the old id is deleted"
    );
    assert_eq!(
        text(send(&app, "GET", "/get/cart", Some(&second)).await).await,
        "3"
    );
    let mut sessions = vec![second];
    for _ in 0..6 {
        let c = cookie_of(&send(&app, "POST", &format!("/login/{user}"), None).await).unwrap();
        sessions.push(c);
    }
    let other = cookie_of(&send(&app, "POST", "/login/someone-else", None).await).unwrap();
    assert_eq!(interface.revoke_user(user).await.unwrap(), sessions.len());
    for c in &sessions {
        assert!(record(&store, c).await.is_none());
        assert_eq!(
            text(send(&app, "GET", "/get/_user_id", Some(c)).await).await,
            ""
        );
    }
    assert_eq!(
        text(send(&app, "GET", "/get/_user_id", Some(&other)).await).await,
        "someone-else",
        "another user's session stays"
    );
    assert_eq!(interface.revoke_user(user).await.unwrap(), 0);
}

/// A request loads the session, the user is logged out everywhere while it
/// runs, and its save must not bring the session back. `user` keeps runs
/// on one store apart.
pub async fn revoked_mid_request_stays_revoked<St: SessionStore + Clone>(store: St, user: &str) {
    let interface =
        ServerSideSessionInterface::new(SessionConfig::default(), store.clone()).unwrap();
    let revoker = interface.clone();
    let loaded = Arc::new(tokio::sync::Barrier::new(2));
    let revoked = Arc::new(tokio::sync::Barrier::new(2));
    let user_id = user.to_owned();
    let app = Router::new()
        .route(
            "/slow",
            post({
                let (loaded, revoked) = (loaded.clone(), revoked.clone());
                move |s: Session<DynamicSession>| async move {
                    loaded.wait().await;
                    revoked.wait().await;
                    s.lock().insert("late", 1);
                }
            }),
        )
        .route(
            "/login",
            post(move |s: Session<DynamicSession>| async move {
                s.lock().insert("_user_id", user_id.as_str());
            }),
        )
        .layer(SessionLayer::from_lifecycle(SessionLifecycle::<
            DynamicSession,
            _,
        >::new(interface)));
    let cookie = cookie_of(&send(&app, "POST", "/login", None).await).unwrap();
    let slow = tokio::spawn({
        let (app, cookie) = (app.clone(), cookie.clone());
        async move { send(&app, "POST", "/slow", Some(&cookie)).await }
    });
    loaded.wait().await;
    assert_eq!(revoker.revoke_user(user).await.unwrap(), 1);
    revoked.wait().await;
    let r = slow.await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["set-cookie"], DELETED);
    assert!(record(&store, &cookie).await.is_none());
}

/// With the store down: reading the session behind `cookie` (`/get/a`)
/// and saving a new one answer 503, the first within `bound`; a route
/// without session still answers 200.
pub async fn answers_503_while_down(app: &Router, cookie: &str, bound: Duration) {
    let started = Instant::now();
    let r = send(app, "GET", "/get/a", Some(cookie)).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < bound, "{:?}", started.elapsed());
    assert!(r.headers().get("set-cookie").is_none());
    assert_eq!(
        send(app, "POST", "/set/b/2", None).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(send(app, "GET", "/plain", Some(cookie)).await.status(), 200);
}

/// Sends `method path` (with `cookie`) until it answers 200, for at most
/// `limit`; answers that response and how long it took.
pub async fn until_ok(
    app: &Router,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    limit: Duration,
) -> (http::Response<axum::body::Body>, Duration) {
    let start = Instant::now();
    loop {
        let r = send(app, method, path, cookie).await;
        if r.status() == 200 {
            return (r, start.elapsed());
        }
        assert!(
            start.elapsed() < limit,
            "still {} after {limit:?}",
            r.status()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The typed session of [`typed_merge`].
#[sessionkit::session]
pub struct Cart {
    #[session(rename = "_user_id")]
    user: Option<String>,
    items: Vec<(u64, u32)>,
    visits: u64,
}

/// Two requests of one browser on a `#[session]` struct: one adds to the
/// cart, one counts a visit; each saves only its field's change onto the
/// other's.
pub async fn typed_merge<St: SessionStore>(store: St) {
    let interface = ServerSideSessionInterface::new(Cart::default_config(), store).unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let app = Router::new()
        .route(
            "/add",
            post({
                let barrier = barrier.clone();
                move |s: Session<Cart>| async move {
                    barrier.wait().await;
                    s.lock().items_mut().push((7, 1));
                }
            }),
        )
        .route(
            "/visit",
            post({
                let barrier = barrier.clone();
                move |s: Session<Cart>| async move {
                    barrier.wait().await;
                    *s.lock().visits_mut() += 1;
                }
            }),
        )
        .route(
            "/login",
            post(|s: Session<Cart>| async move {
                s.lock().set_user(Some("ada".into()));
            }),
        )
        .route(
            "/show",
            get(|s: Session<Cart>| async move {
                let s = s.lock();
                format!("{:?} {:?} {}", s.user(), s.items(), s.visits())
            }),
        )
        .layer(SessionLayer::from_lifecycle(
            SessionLifecycle::<Cart, _>::new(interface),
        ));
    let cookie = cookie_of(&send(&app, "POST", "/login", None).await).unwrap();
    let (a, b) = tokio::join!(
        send(&app, "POST", "/add", Some(&cookie)),
        send(&app, "POST", "/visit", Some(&cookie))
    );
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let shown = text(send(&app, "GET", "/show", Some(&cookie)).await).await;
    assert_eq!(shown, "Some(\"ada\") [(7, 1)] 1");
}

/// A session whose permanent lifetime (1 s) runs out is gone, from the
/// store and for the app.
pub async fn sessions_expire<St: SessionStore + Clone>(store: St) {
    let config = SessionConfig::default().with_lifetime(Duration::from_secs(1));
    let (app, _) = app_with(store.clone(), config);
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    assert_eq!(
        text(send(&app, "GET", "/get/a", Some(&cookie)).await).await,
        "1"
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(
        record(&store, &cookie).await.is_none(),
        "expired, still stored"
    );
    assert_eq!(
        text(send(&app, "GET", "/get/a", Some(&cookie)).await).await,
        ""
    );
}

/// The whole suite on `store`: the save rules; `n` concurrent requests
/// that all keep their key (and, as the control that shows the test can
/// fail, the same requests on a plain overwrite losing some); regenerate
/// and revoke (users 42 and 43); the typed merge; expiry.
pub async fn all<St: SessionStore + Clone>(store: St, n: usize) {
    save_rules(store.clone()).await;
    assert_eq!(concurrent_keys(store.clone(), n).await, n);
    let kept = concurrent_keys(Overwrite(store.clone()), n).await;
    assert!(kept < n, "the overwrite kept {kept} of {n}");
    regenerate_and_revoke(store.clone(), "42").await;
    revoked_mid_request_stays_revoked(store.clone(), "43").await;
    typed_merge(store.clone()).await;
    sessions_expire(store).await;
}
