//! Server-side sessions on real Redis: each test starts its own
//! `redis-server` on a free port (`support::redis`). The layout is checked
//! against a live Flask 3.1.3 + Flask-Session 0.8.0 app sharing the Redis
//! and the secret, both ways, with the signer on and off; then the
//! compare-and-set under concurrency, the commands per request, revoke,
//! regenerate, and Redis dying and coming back.

#![allow(missing_docs, unreachable_pub)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use http::StatusCode;
use redis::AsyncCommands as _;
use sessionkit::axum::Session;
use sessionkit::codec::{DateTime, Value, msgpack};
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::store::{
    RedisConfig, RedisStore, ServerSideSessionInterface, SessionStore, StoreConfig, StoreFormat,
};
use sessionkit::tower::SessionLayer;
use sessionkit::{DynamicSession, SessionConfig};
use support::flask::{FlaskSessionApp, flask_request};
use support::redis::RedisServer;
use support::router::{cookie_of, send, text};
use support::store_suite;

const SECRET: &str = "the-shared-secret-key-of-both-apps";

fn config() -> SessionConfig {
    SessionConfig::default()
        .with_secret_key(sessionkit::codec::SecretKey::from_text(SECRET).unwrap())
}

fn store(server: &RedisServer) -> RedisStore {
    RedisStore::new(RedisConfig::new(server.url()).with_timeout(Duration::from_millis(300)))
        .unwrap()
}

/// The Rust app: set, read and dump keys of a `DynamicSession`.
fn app<St: SessionStore>(
    store: St,
    options: StoreConfig,
) -> (Router, Arc<ServerSideSessionInterface<St>>) {
    let interface = ServerSideSessionInterface::with_options(config(), store, options).unwrap();
    let shared = Arc::new(interface.clone());
    let lifecycle = SessionLifecycle::<DynamicSession, _>::new(interface);
    let router = Router::new()
        .route(
            "/set/{k}/{v}",
            post(|s: Session<DynamicSession>, axum::extract::Path((k, v)): axum::extract::Path<(String, String)>| async move {
                s.lock().insert(k.as_str(), v.as_str());
            }),
        )
        .route(
            "/get/{k}",
            get(|s: Session<DynamicSession>, axum::extract::Path(k): axum::extract::Path<String>| async move {
                s.lock().get(&k).map(|v| format!("{v:?}")).unwrap_or_default()
            }),
        )
        .route(
            "/rich",
            post(|s: Session<DynamicSession>| async move {
                let mut s = s.lock();
                s.insert("user", "ada");
                s.insert("t", Value::Tuple(vec![Value::Int(1), Value::from("x")]));
                s.insert("bytes", Value::Bytes(vec![0, 255]));
                s.insert("when", Value::DateTime(DateTime::new(2026, 1, 2, 3, 4, 5, 0).unwrap()));
                s.insert("text", "\u{fc}\u{1F600}");
                s.insert("neg", Value::Int(-70_000));
            }),
        )
        .route(
            "/login/{user}",
            post(|s: Session<DynamicSession>, axum::extract::Path(user): axum::extract::Path<String>| async move {
                s.lock().insert("_user_id", user.as_str());
                s.handle().regenerate();
            }),
        )
        .route("/plain", get(|| async { "no session" }))
        .layer(SessionLayer::from_lifecycle(lifecycle));
    (router, shared)
}

fn sid_of(cookie: &str, signed: bool) -> String {
    let value = cookie.strip_prefix("session=").unwrap();
    if signed {
        value.rsplit_once('.').unwrap().0.to_owned()
    } else {
        value.to_owned()
    }
}

async fn interop(signer: bool) {
    let test = if signer {
        "flask_session_interop_signed"
    } else {
        "flask_session_interop"
    };
    let Some(server) = RedisServer::start(test) else {
        return;
    };
    let Some(flask_app) = FlaskSessionApp::start(test, SECRET, server.port, signer) else {
        return;
    };
    let (rust, _) = app(store(&server), StoreConfig::default().with_signer(signer));
    let mut raw = server.client().await;

    // 1. Flask writes every kind of value; Rust reads them.
    let (_, cookie) = flask_request(&flask_app.base, "POST", "/write", None).await;
    let cookie = cookie.expect("Flask-Session sets a cookie");
    let sid = sid_of(&cookie, signer);
    assert_eq!(sid.len(), 43);
    let record: Vec<u8> = raw.get(format!("session:{sid}")).await.unwrap();
    let ttl: i64 = raw.ttl(format!("session:{sid}")).await.unwrap();
    assert!((31 * 86_400 - 5..=31 * 86_400).contains(&ttl), "{ttl}");
    let dict = msgpack::decode_session(&record, 64).unwrap();
    // Every byte: our encoding of what we read is Flask-Session's record.
    let mut again = Vec::new();
    msgpack::encode_session(&mut again, &dict, 64).unwrap();
    assert_eq!(again, record, "re-encoding changes bytes");
    for (key, want) in [
        ("user", "Str(\"ada\")"),
        ("n", "Int(42)"),
        ("neg", "Int(-70000)"),
        ("big", "BigInt(18446744073709551615)"),
        ("f", "Float(1.5)"),
        ("bytes", "Bytes([0, 255])"),
        ("t", "List([Int(1), Str(\"x\")])"),
        ("when", "DateTime(DateTime(2026-01-02T03:04:05+00:00))"),
        ("naive", "Str(\"2026-01-02T03:04:05\")"),
        ("_permanent", "Bool(true)"),
    ] {
        let got = text(send(&rust, "GET", &format!("/get/{key}"), Some(&cookie)).await).await;
        assert_eq!(got, want, "{key}");
    }
    let nested = text(send(&rust, "GET", "/get/nested", Some(&cookie)).await).await;
    assert!(
        nested.contains("\u{fc}\u{1F600}")
            && nested.contains("Null")
            && nested.contains("Bool(true)"),
        "{nested}"
    );

    // 2. Rust changes one key; Flask still sees all of its own, unchanged.
    let before = flask_request(&flask_app.base, "GET", "/read", Some(&cookie))
        .await
        .0;
    let r = send(&rust, "POST", "/set/from_rust/yes", Some(&cookie)).await;
    assert_eq!(r.status(), 200);
    if let Some(set) = cookie_of(&r) {
        assert_eq!(set, cookie, "the same sid");
    }
    let after: serde_json::Value = serde_json::from_str(
        &flask_request(&flask_app.base, "GET", "/read", Some(&cookie))
            .await
            .0,
    )
    .unwrap();
    let mut before: serde_json::Value = serde_json::from_str(&before).unwrap();
    before["from_rust"] = serde_json::json!({"str": "'yes'"});
    assert_eq!(after, before);

    // 3. A session Rust creates, as Flask reads it.
    let r = send(&rust, "POST", "/rich", None).await;
    let rust_cookie = cookie_of(&r).unwrap();
    let seen: serde_json::Value = serde_json::from_str(
        &flask_request(&flask_app.base, "GET", "/read", Some(&rust_cookie))
            .await
            .0,
    )
    .unwrap();
    assert_eq!(seen["_permanent"], serde_json::json!({"bool": "True"}));
    assert_eq!(seen["user"], serde_json::json!({"str": "'ada'"}));
    assert_eq!(
        seen["t"],
        serde_json::json!({"list": [{"int": "1"}, {"str": "'x'"}]})
    );
    assert_eq!(seen["bytes"], serde_json::json!({"bytes": "b'\\x00\\xff'"}));
    assert_eq!(
        seen["when"],
        serde_json::json!({"datetime": "datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)"})
    );
    assert_eq!(
        seen["text"],
        serde_json::json!({"str": "'\u{fc}\u{1F600}'"})
    );
    assert_eq!(seen["neg"], serde_json::json!({"int": "-70000"}));
    // The same values written by Flask-Session give the same bytes: Flask
    // re-saves the Rust session unchanged when it sets one more key...
    flask_request(&flask_app.base, "POST", "/set/k/v", Some(&rust_cookie)).await;
    let flask_record: Vec<u8> = raw
        .get(format!("session:{}", sid_of(&rust_cookie, signer)))
        .await
        .unwrap();
    let mut mine = msgpack::decode_session(&flask_record, 64).unwrap();
    assert_eq!(mine.remove("k"), Some(Value::from("v")));
    let mut ours = Vec::new();
    msgpack::encode_session(&mut ours, &mine, 64).unwrap();
    let mut theirs = flask_record.clone();
    // ...so removing that key from Flask's bytes gives ours: msgspec wrote
    // the same map, one entry longer (`k` last, `v`).
    theirs[0] -= 1;
    theirs.truncate(theirs.len() - 4);
    assert_eq!(ours, theirs);

    // 4. A bad sid is never adopted, on either side.
    let forged = if signer {
        "session=forged.signature"
    } else {
        "session=forged"
    };
    let r = send(&rust, "POST", "/set/a/1", Some(forged)).await;
    assert_ne!(cookie_of(&r).unwrap(), forged);
    // 5. Flask empties the session: the record and the cookie go.
    flask_request(&flask_app.base, "POST", "/clear", Some(&cookie)).await;
    let gone: Option<Vec<u8>> = raw.get(format!("session:{sid}")).await.unwrap();
    assert!(gone.is_none());
    assert_eq!(
        text(send(&rust, "GET", "/get/user", Some(&cookie)).await).await,
        ""
    );
}

#[tokio::test]
async fn flask_session_interop() {
    interop(false).await;
}

#[tokio::test]
async fn flask_session_interop_signed() {
    interop(true).await;
}

#[tokio::test]
async fn flask_session_interop_json_format() {
    let test = "flask_session_interop_json_format";
    let Some(server) = RedisServer::start(test) else {
        return;
    };
    let Some(flask_app) =
        FlaskSessionApp::start_with_format(test, SECRET, server.port, false, "json")
    else {
        return;
    };
    let (rust, _) = app(
        store(&server),
        StoreConfig::default().with_format(StoreFormat::Json),
    );
    let mut raw = server.client().await;
    // Flask writes; the record is JSON; our reading and writing it again
    // gives the same bytes; Rust reads the values as Python would.
    let (_, cookie) = flask_request(&flask_app.base, "POST", "/write", None).await;
    let cookie = cookie.unwrap();
    let record: Vec<u8> = raw
        .get(format!("session:{}", sid_of(&cookie, false)))
        .await
        .unwrap();
    assert_eq!(record[0], b'{');
    let dict = msgpack::decode_session_json(&record, 64).unwrap();
    let mut again = Vec::new();
    msgpack::encode_session_json(&mut again, &dict, 64).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&again),
        String::from_utf8_lossy(&record)
    );
    for (key, want) in [
        ("user", "Str(\"ada\")"),
        ("bytes", "Str(\"AP8=\")"),
        ("when", "Str(\"2026-01-02T03:04:05Z\")"),
        ("t", "List([Int(1), Str(\"x\")])"),
    ] {
        assert_eq!(
            text(send(&rust, "GET", &format!("/get/{key}"), Some(&cookie)).await).await,
            want,
            "{key}"
        );
    }
    // Rust writes JSON that Flask reads.
    let rust_cookie = cookie_of(&send(&rust, "POST", "/rich", None).await).unwrap();
    let record: Vec<u8> = raw
        .get(format!("session:{}", sid_of(&rust_cookie, false)))
        .await
        .unwrap();
    assert_eq!(record[0], b'{');
    let seen: serde_json::Value = serde_json::from_str(
        &flask_request(&flask_app.base, "GET", "/read", Some(&rust_cookie))
            .await
            .0,
    )
    .unwrap();
    assert_eq!(seen["user"], serde_json::json!({"str": "'ada'"}));
    assert_eq!(seen["bytes"], serde_json::json!({"str": "'AP8='"}));
    assert_eq!(
        seen["when"],
        serde_json::json!({"str": "'2026-01-02T03:04:05Z'"})
    );
    assert_eq!(
        seen["t"],
        serde_json::json!({"list": [{"int": "1"}, {"str": "'x'"}]})
    );
    // A msgpack app reads the JSON records too (Flask-Session's alternate
    // decoder), and so does ours.
    let (msgpack_app, _) = app(store(&server), StoreConfig::default());
    assert_eq!(
        text(send(&msgpack_app, "GET", "/get/user", Some(&rust_cookie)).await).await,
        "Str(\"ada\")"
    );
}

/// The client commands a request sent: `INFO commandstats` counts the
/// commands a script runs too, so these are the ones only a client sends.
fn client_calls(server: &RedisServer) -> [u64; 6] {
    ["getex", "evalsha", "eval", "script|load", "multi", "get"].map(|c| server.calls(c))
}

#[tokio::test]
async fn one_command_to_read_two_to_change_none_to_ignore() {
    let Some(server) = RedisServer::start("one_command_to_read_two_to_change_none_to_ignore")
    else {
        return;
    };
    let (app, _) = app(store(&server), StoreConfig::default());
    // Warm up (the script is loaded once: SCRIPT LOAD after a NOSCRIPT).
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    send(&app, "POST", "/set/a/2", Some(&cookie)).await;
    let delta = |before: [u64; 6]| {
        let now = client_calls(&server);
        std::array::from_fn::<u64, 6, _>(|i| now[i] - before[i])
    };
    let t = client_calls(&server);
    send(&app, "GET", "/plain", Some(&cookie)).await;
    assert_eq!(delta(t), [0; 6], "a route without the session: nothing");
    let t = client_calls(&server);
    assert_eq!(
        text(send(&app, "GET", "/get/a", Some(&cookie)).await).await,
        "Str(\"2\")"
    );
    assert_eq!(delta(t), [1, 0, 0, 0, 0, 0], "a read: one GETEX");
    let t = client_calls(&server);
    send(&app, "POST", "/set/a/3", Some(&cookie)).await;
    // The script's own GET counts once: [getex, evalsha, ..., get].
    assert_eq!(delta(t), [1, 1, 0, 0, 0, 1], "a change: GETEX + EVALSHA");
    let t = client_calls(&server);
    send(&app, "POST", "/set/b/1", None).await;
    assert_eq!(delta(t), [0, 1, 0, 0, 0, 1], "a new session: one EVALSHA");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_store_suite_passes_on_redis() {
    let Some(server) = RedisServer::start("the_store_suite_passes_on_redis") else {
        return;
    };
    store_suite::all(store(&server), 24).await;
}

#[tokio::test]
async fn regenerate_and_revoke_on_redis() {
    let Some(server) = RedisServer::start("regenerate_and_revoke_on_redis") else {
        return;
    };
    let (app, interface) = app(store(&server), StoreConfig::default());
    let mut raw = server.client().await;
    let first = cookie_of(&send(&app, "POST", "/set/cart/3", None).await).unwrap();
    let second = cookie_of(&send(&app, "POST", "/login/42", Some(&first)).await).unwrap();
    assert_ne!(first, second);
    let old: Option<Vec<u8>> = raw
        .get(format!("session:{}", sid_of(&first, false)))
        .await
        .unwrap();
    assert!(old.is_none(), "the old id is deleted");
    assert_eq!(
        text(send(&app, "GET", "/get/cart", Some(&second)).await).await,
        "Str(\"3\")"
    );
    let third = cookie_of(&send(&app, "POST", "/login/42", None).await).unwrap();
    let members: Vec<String> = raw.smembers("session:user:42").await.unwrap();
    assert_eq!(members.len(), 2, "{members:?}");
    assert_eq!(interface.revoke_user("42").await.unwrap(), 2);
    for c in [&second, &third] {
        assert_eq!(
            text(send(&app, "GET", "/get/_user_id", Some(c)).await).await,
            ""
        );
    }
    // Expired sids leave the index as it is written.
    let a = cookie_of(&send(&app, "POST", "/login/7", None).await).unwrap();
    let _: () = raw
        .del(format!("session:{}", sid_of(&a, false)))
        .await
        .unwrap();
    send(&app, "POST", "/login/7", None).await;
    let members: Vec<String> = raw.smembers("session:user:7").await.unwrap();
    assert_eq!(members.len(), 1, "{members:?}");
}

#[tokio::test]
async fn redis_dying_gives_503_and_service_resumes_when_it_returns() {
    let Some(mut server) =
        RedisServer::start("redis_dying_gives_503_and_service_resumes_when_it_returns")
    else {
        return;
    };
    let (app, _) = app(store(&server), StoreConfig::default());
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    server.kill();
    store_suite::answers_503_while_down(&app, &cookie, Duration::from_secs(2)).await;
    server.restart();
    // The data is gone with the process (no persistence), but the service
    // is back: a request gets a fresh session, not a 503.
    let (_, recovered) =
        store_suite::until_ok(&app, "POST", "/set/c/3", None, Duration::from_secs(5)).await;
    eprintln!("recovered {recovered:?} after redis-server answered PING");
    assert!(recovered < Duration::from_secs(1), "{recovered:?}");
}

#[tokio::test]
async fn the_app_starts_while_redis_is_down() {
    let Some(mut server) = RedisServer::start("the_app_starts_while_redis_is_down") else {
        return;
    };
    server.kill();
    let (app, _) = app(store(&server), StoreConfig::default());
    assert_eq!(
        send(&app, "POST", "/set/a/1", None).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(send(&app, "GET", "/plain", None).await.status(), 200);
    server.restart();
    let back = Instant::now();
    loop {
        if send(&app, "POST", "/set/a/1", None).await.status() == 200 {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
