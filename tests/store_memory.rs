//! Server-side sessions through the axum layer on the in-memory store: the
//! Flask-Session save rules, lazy loading, the merge that loses no update,
//! regenerate, revoke and a store that is down. The same rules on Redis:
//! `tests/store_redis.rs`.

#![allow(missing_docs, unreachable_pub)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use http::StatusCode;
use sessionkit::axum::Session;
use sessionkit::codec::msgpack;
use sessionkit::error::StoreError;
use sessionkit::lifecycle::{SessionHandle, SessionLifecycle};
use sessionkit::store::{
    CasOutcome, Expected, IndexEntry, MemoryStore, ServerSideSessionInterface, SessionStore,
    StoreWrite,
};
use sessionkit::tower::SessionLayer;
use sessionkit::{DynamicSession, SessionConfig, SessionData as _};
use support::router::{cookie_of, send, text};
use support::store_suite;

/// A store that counts loads and writes, can be switched off, and can turn
/// every compare-and-set into a plain overwrite (what every other session
/// library does) to show the lost update.
#[derive(Clone, Default)]
struct Probe {
    inner: MemoryStore,
    loads: Arc<AtomicUsize>,
    writes: Arc<AtomicUsize>,
    down: Arc<std::sync::atomic::AtomicBool>,
    naive: bool,
}

impl Probe {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::Unavailable("connection refused".into()))
        } else {
            Ok(())
        }
    }
}

impl SessionStore for Probe {
    async fn load(
        &self,
        key: &str,
        refresh: Option<Duration>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.check()?;
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.inner.load(key, refresh).await
    }

    async fn compare_and_set(&self, mut write: StoreWrite<'_>) -> Result<CasOutcome, StoreError> {
        self.check()?;
        self.writes.fetch_add(1, Ordering::SeqCst);
        if self.naive && write.expected != Expected::Absent {
            write.expected = Expected::Any;
        }
        self.inner.compare_and_set(write).await
    }

    async fn delete(&self, key: &str, index: Option<IndexEntry<'_>>) -> Result<(), StoreError> {
        self.check()?;
        self.inner.delete(key, index).await
    }

    async fn delete_indexed(&self, index_key: &str, key_prefix: &str) -> Result<usize, StoreError> {
        self.check()?;
        self.inner.delete_indexed(index_key, key_prefix).await
    }
}

type Interface = Arc<ServerSideSessionInterface<Probe>>;

async fn set(
    session: Session<DynamicSession>,
    axum::extract::Path((k, v)): axum::extract::Path<(String, String)>,
) -> String {
    session.lock().insert(k.as_str(), v.as_str());
    "ok".into()
}

async fn get_key(
    session: Session<DynamicSession>,
    axum::extract::Path(k): axum::extract::Path<String>,
) -> String {
    session
        .lock()
        .get(&k)
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn app(store: Probe) -> (Router, Interface) {
    app_with(store, SessionConfig::default())
}

fn app_with(store: Probe, config: SessionConfig) -> (Router, Interface) {
    let (router, interface) = store_suite::app_with(store, config);
    (router, Arc::new(interface))
}

#[tokio::test]
async fn the_cookie_holds_the_id_and_the_store_holds_the_session() {
    let store = Probe::default();
    let (app, _) = app(store.clone());
    let r = send(&app, "POST", "/set/user/ada", None).await;
    assert_eq!(r.status(), 200);
    let cookie = cookie_of(&r).expect("a cookie");
    let sid = cookie.strip_prefix("session=").unwrap();
    assert_eq!(sid.len(), 43, "{sid}");
    assert!(
        sid.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let line = r.headers()["set-cookie"].to_str().unwrap();
    // Permanent by default (SESSION_PERMANENT): an Expires date.
    assert!(
        line.contains("; Expires=") && line.ends_with("; HttpOnly; Path=/; SameSite=Lax"),
        "{line}"
    );
    // The record: msgspec's msgpack of the dict, `_permanent` first.
    let stored = store
        .inner
        .load(&format!("session:{sid}"), None)
        .await
        .unwrap()
        .unwrap();
    let dict = msgpack::decode_session(&stored, 64).unwrap();
    let keys: Vec<_> = dict.iter().map(|(k, _)| k.to_string_lossy()).collect();
    assert_eq!(keys, ["_permanent", "user"]);
    // The next request reads it back.
    let r = send(&app, "GET", "/get/user", Some(&cookie)).await;
    assert_eq!(text(r).await, "ada");
}

#[tokio::test]
async fn a_route_that_does_not_touch_the_session_costs_no_round_trip() {
    let store = Probe::default();
    let (app, _) = app(store.clone());
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    let loads = store.loads.load(Ordering::SeqCst);
    let writes = store.writes.load(Ordering::SeqCst);
    let r = send(&app, "GET", "/plain", Some(&cookie)).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("set-cookie").is_none());
    assert_eq!(store.loads.load(Ordering::SeqCst), loads);
    assert_eq!(store.writes.load(Ordering::SeqCst), writes);
    // A read is one load (which refreshes the expiry) and no write; the
    // permanent session's cookie is refreshed too (Flask's rule), with the
    // same id.
    let r = send(&app, "GET", "/get/a", Some(&cookie)).await;
    assert_eq!(cookie_of(&r).as_deref(), Some(cookie.as_str()));
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Expires=")
    );
    assert_eq!(r.headers()["vary"], "Cookie");
    assert_eq!(store.loads.load(Ordering::SeqCst), loads + 1);
    assert_eq!(store.writes.load(Ordering::SeqCst), writes);
}

#[tokio::test]
async fn empty_sessions_are_not_stored_and_emptied_ones_are_deleted() {
    let store = Probe::default();
    let (app, _) = app(store.clone());
    // Reading a new session stores nothing (it holds only `_permanent`).
    let r = send(&app, "GET", "/get/x", None).await;
    assert!(r.headers().get("set-cookie").is_none());
    assert_eq!(r.headers()["vary"], "Cookie");
    assert!(store.inner.is_empty());
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    assert_eq!(store.inner.len(), 1);
    let r = send(&app, "POST", "/clear", Some(&cookie)).await;
    assert_eq!(
        r.headers()["set-cookie"],
        "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"
    );
    assert!(
        store
            .inner
            .load(&format!("session:{}", &cookie[8..]), None)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_unknown_id_gets_a_new_one() {
    let store = Probe::default();
    let (app, _) = app(store.clone());
    let chosen = "session=attacker-chosen-id";
    let r = send(&app, "POST", "/set/a/1", Some(chosen)).await;
    let cookie = cookie_of(&r).unwrap();
    assert_ne!(cookie, chosen);
    assert!(
        store
            .inner
            .load("session:attacker-chosen-id", None)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_lose_no_update() {
    let n = 16;
    assert_eq!(store_suite::concurrent_keys(Probe::default(), n).await, n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_plain_overwrite_loses_updates() {
    // The same requests on a store that overwrites (no compare-and-set):
    // every request saves the session it loaded plus its own key, so all
    // but one key are lost. This is what the test above would see if the
    // compare-and-set did nothing.
    let n = 16;
    let kept = store_suite::concurrent_keys(
        Probe {
            naive: true,
            ..Probe::default()
        },
        n,
    )
    .await;
    assert!(kept < n, "kept {kept} of {n}");
}

#[tokio::test]
async fn regenerate_moves_the_session_to_a_new_id() {
    let store = Probe::default();
    let (app, _) = app(store.clone());
    let first = cookie_of(&send(&app, "POST", "/set/cart/3", None).await).unwrap();
    let r = send(&app, "POST", "/login/42", Some(&first)).await;
    let second = cookie_of(&r).unwrap();
    assert_ne!(first, second);
    // The old id is gone, the data moved.
    assert!(
        store
            .inner
            .load(&format!("session:{}", &first[8..]), None)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        text(send(&app, "GET", "/get/cart", Some(&second)).await).await,
        "3"
    );
    assert_eq!(
        text(send(&app, "GET", "/get/cart", Some(&first)).await).await,
        ""
    );
}

#[tokio::test]
async fn revoking_a_user_logs_out_every_session() {
    let store = Probe::default();
    let (app, interface) = app(store.clone());
    let mut cookies = Vec::new();
    for _ in 0..3 {
        let c = cookie_of(&send(&app, "POST", "/set/x/1", None).await).unwrap();
        cookies.push(cookie_of(&send(&app, "POST", "/login/42", Some(&c)).await).unwrap());
    }
    let other = cookie_of(&send(&app, "POST", "/login/7", None).await).unwrap();
    assert_eq!(interface.revoke_user("42").await.unwrap(), 3);
    for c in &cookies {
        assert_eq!(
            text(send(&app, "GET", "/get/_user_id", Some(c)).await).await,
            ""
        );
    }
    assert_eq!(
        text(send(&app, "GET", "/get/_user_id", Some(&other)).await).await,
        "7"
    );
}

#[tokio::test]
async fn a_store_that_is_down_answers_503_and_other_routes_work() {
    let store = Probe::default();
    let (app, _) = app(store.clone());
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    store.down.store(true, Ordering::SeqCst);
    let r = send(&app, "GET", "/get/a", Some(&cookie)).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().get("set-cookie").is_none());
    assert_eq!(
        send(&app, "GET", "/plain", Some(&cookie)).await.status(),
        200
    );
    // A save that fails is reported (503), not dropped silently.
    let r = send(&app, "POST", "/set/b/2", None).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    store.down.store(false, Ordering::SeqCst);
    assert_eq!(
        text(send(&app, "GET", "/get/a", Some(&cookie)).await).await,
        "1"
    );
}

/// The app of [`app`], with a before-request hook that counts requests in
/// the session and refuses user 13, and an after-request hook that stamps
/// the response status into the session.
fn app_with_hooks(store: Probe) -> Router {
    let interface = ServerSideSessionInterface::new(SessionConfig::default(), store).unwrap();
    let lifecycle = SessionLifecycle::<DynamicSession, _>::new(interface)
        .before_request(
            |_: &http::request::Parts, session: &SessionHandle<DynamicSession>| {
                let mut s = session.lock();
                if s.get("_user_id").and_then(|v| v.as_str()) == Some("13") {
                    return Some(
                        http::Response::builder()
                            .status(403)
                            .body(b"blocked".to_vec())
                            .unwrap(),
                    );
                }
                let hits = s
                    .get("hits")
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
                if s.contains_key("a") {
                    s.insert("hits", (hits + 1).to_string().as_str());
                }
                None
            },
        )
        .after_request(
            |response: &mut http::response::Parts, session: &SessionHandle<DynamicSession>| {
                let mut s = session.lock();
                if s.contains_key("a") {
                    s.insert("status", response.status.as_str());
                }
            },
        );
    Router::new()
        .route("/set/{k}/{v}", post(set))
        .route("/get/{k}", get(get_key))
        .route("/plain", get(|| async { "no session" }))
        .layer(SessionLayer::from_lifecycle(lifecycle))
}

#[tokio::test]
async fn request_hooks_read_and_change_the_stored_session() {
    let store = Probe::default();
    let app = app_with_hooks(store.clone());
    // Without a cookie there is nothing to load, hooks or not.
    assert_eq!(send(&app, "GET", "/plain", None).await.status(), 200);
    assert_eq!(store.loads.load(Ordering::SeqCst), 0);
    let r = send(&app, "GET", "/plain", None).await;
    assert!(r.headers().get("set-cookie").is_none(), "{:?}", r.headers());

    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    // The before hook saw the stored session ("a" present) and counted.
    assert_eq!(
        text(send(&app, "GET", "/get/hits", Some(&cookie)).await).await,
        "1"
    );
    assert_eq!(
        text(send(&app, "GET", "/get/hits", Some(&cookie)).await).await,
        "2"
    );
    // The after hook's change was saved too.
    assert_eq!(
        text(send(&app, "GET", "/get/status", Some(&cookie)).await).await,
        "200"
    );

    // A hook that answers early: the handler does not run, the session is
    // still saved (the count went on).
    send(&app, "POST", "/set/_user_id/13", Some(&cookie)).await;
    let r = send(&app, "POST", "/set/a/2", Some(&cookie)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let sid = cookie.split_once('=').unwrap().1;
    let record = store
        .inner
        .load(&format!("session:{sid}"), None)
        .await
        .unwrap()
        .expect("the session is stored");
    let stored = DynamicSession::from_dict(msgpack::decode_session(&record, 64).unwrap()).unwrap();
    assert_eq!(stored.get("a").and_then(|v| v.as_str()), Some("1"));
    assert_eq!(stored.get("status").and_then(|v| v.as_str()), Some("403"));

    // The store goes down: a request with a session cookie cannot run its
    // hooks (they read the session) and answers 503; without a cookie all
    // is well.
    store.down.store(true, Ordering::SeqCst);
    let r = send(&app, "GET", "/plain", Some(&cookie)).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().get("set-cookie").is_none());
    assert_eq!(send(&app, "GET", "/plain", None).await.status(), 200);
    store.down.store(false, Ordering::SeqCst);
    assert_eq!(
        send(&app, "GET", "/plain", Some(&cookie)).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn typed_sessions_merge_field_by_field() {
    let store = Probe::default();
    store_suite::typed_merge(store.clone()).await;
    // Both requests loaded, both wrote: at least one merged.
    assert!(store.writes.load(Ordering::SeqCst) >= 3);
}

#[tokio::test]
async fn a_pickled_record_is_never_unpickled() {
    // What Flask-Session <= 0.6 stored: `pickle.dumps({"_permanent": True,
    // "user": "ada"}, protocol=4)`.
    let hex =
        "80049520000000000000007d94288c0a5f7065726d616e656e7494888c0475736572948c0361646194752e";
    let pickle: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let store = Probe::default();
    store
        .inner
        .compare_and_set(StoreWrite {
            key: "session:old",
            expected: Expected::Absent,
            value: &pickle,
            ttl: Duration::from_secs(60),
            index: None,
        })
        .await
        .unwrap();
    let (app, _) = app(store.clone());
    // It opens as a fresh session (logged), and is left as it was.
    assert_eq!(
        text(send(&app, "GET", "/get/user", Some("session=old")).await).await,
        ""
    );
    let r = send(&app, "POST", "/set/user/bob", Some("session=old")).await;
    assert_ne!(cookie_of(&r).unwrap(), "session=old");
    assert_eq!(
        store.inner.load("session:old", None).await.unwrap(),
        Some(pickle)
    );
}

#[tokio::test]
async fn the_unavailable_answer_is_customisable() {
    let store = Probe::default();
    let interface = ServerSideSessionInterface::new(SessionConfig::default(), store.clone())
        .unwrap()
        .with_unavailable_response(|_| {
            let mut r = http::Response::new(b"back soon".to_vec());
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            r.headers_mut()
                .insert("retry-after", http::HeaderValue::from_static("5"));
            r
        });
    let app = Router::new()
        .route("/set/{k}/{v}", post(set))
        .route("/get/{k}", get(get_key))
        .layer(SessionLayer::from_lifecycle(SessionLifecycle::<
            DynamicSession,
            _,
        >::new(interface)));
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    store.down.store(true, Ordering::SeqCst);
    // Loading, and saving, both answer with the custom page.
    for r in [
        send(&app, "GET", "/get/a", Some(&cookie)).await,
        send(&app, "POST", "/set/b/1", None).await,
    ] {
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "5");
        assert_eq!(text(r).await, "back soon");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_revoked_mid_request_is_not_resurrected() {
    store_suite::revoked_mid_request_stays_revoked(Probe::default(), "42").await;
}

#[tokio::test]
async fn the_store_suite_passes_on_memory() {
    store_suite::save_rules(Probe::default()).await;
    store_suite::regenerate_and_revoke(Probe::default(), "42").await;
    store_suite::sessions_expire(Probe::default()).await;
}

/// The best of three runs of `f`, per byte of `len`.
fn nanos_per_byte(len: usize, mut f: impl FnMut()) -> f64 {
    let best = (0..3)
        .map(|_| {
            let start = std::time::Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap();
    best.as_nanos() as f64 / len as f64
}

/// A stored record is untrusted input: reading one costs time linear in
/// its size, for many distinct keys, for one key repeated (the last wins,
/// as in Python) and in both formats. A quadratic reader's time per byte
/// grows 16x from the smallest size to the largest.
#[test]
fn reading_a_stored_record_is_linear_in_its_size() {
    type Decode =
        fn(&[u8], usize) -> Result<sessionkit::codec::Dict, sessionkit::codec::MsgpackError>;
    let msgpack_record = |n: usize, repeat: bool| {
        let mut d = Vec::new();
        d.push(0xdf); // map 32
        d.extend_from_slice(&(n as u32).to_be_bytes());
        for i in 0..n {
            let key = if repeat {
                "k".to_owned()
            } else {
                format!("k{i}")
            };
            d.push(0xa0 | key.len() as u8);
            d.extend_from_slice(key.as_bytes());
            d.push(0x2a);
        }
        d
    };
    let json_record = |n: usize, repeat: bool| {
        let entries: Vec<String> = (0..n)
            .map(|i| {
                if repeat {
                    "\"k\":42".to_owned()
                } else {
                    format!("\"k{i}\":42")
                }
            })
            .collect();
        format!("{{{}}}", entries.join(",")).into_bytes()
    };
    type Make<'a> = &'a dyn Fn(usize, bool) -> Vec<u8>;
    let cases: [(&str, Make<'_>, Decode); 2] = [
        ("msgpack", &msgpack_record, msgpack::decode_session),
        ("json", &json_record, msgpack::decode_session_json),
    ];
    for (name, make, decode) in cases {
        for repeat in [false, true] {
            let mut figures = Vec::new();
            for n in [10_000, 20_000, 40_000, 80_000, 160_000] {
                let record = make(n, repeat);
                let per_byte = nanos_per_byte(record.len(), || {
                    let d = decode(&record, 64).unwrap();
                    assert_eq!(d.len(), if repeat { 1 } else { n });
                });
                figures.push((n, per_byte));
            }
            eprintln!("{name}, repeated keys {repeat}: (keys, ns/byte) {figures:?}");
            let (first, last) = (figures[0].1, figures[figures.len() - 1].1);
            assert!(last < first * 4.0, "{name} {repeat}: {figures:?}");
        }
    }
}
