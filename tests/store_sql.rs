//! Server-side sessions in SQL: the store suite on PostgreSQL (both
//! layouts) and SQLite, hashed ids, migrations and expired rows, live
//! interop with Flask-Session's SQLAlchemy backend (Flask-SQLAlchemy +
//! psycopg, both ways), and a database that goes down.
//!
//! PostgreSQL: each test creates and drops its own database on the shared
//! server at 127.0.0.1:5432; the fault test starts a server of its own.

#![allow(missing_docs, unreachable_pub)]

mod support;

use std::time::Duration;

use sessionkit::store::{PostgresStore, SqlConfig, SqliteStore};
use support::flask::{FlaskSessionApp, flask_request};
use support::postgres::{PostgresServer, TestDatabase};
use support::router::{cookie_of, send, text};
use support::store_suite;

async fn postgres(db: &TestDatabase, config: impl FnOnce(SqlConfig) -> SqlConfig) -> PostgresStore {
    let store = PostgresStore::new(config(SqlConfig::new(db.url()))).unwrap();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap(); // idempotent
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_store_suite_passes_on_postgres() {
    let Some(db) = TestDatabase::create("the_store_suite_passes_on_postgres") else {
        return;
    };
    store_suite::all(postgres(&db, |c| c).await, 16).await;
    store_suite::all(postgres(&db, SqlConfig::flask_session_layout).await, 16).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_store_suite_passes_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("sessionkit-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sessions.db");
    let store = SqliteStore::new(SqlConfig::new(format!("sqlite://{}", path.display()))).unwrap();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store_suite::all(store.clone(), 16).await;

    // The sessions survive a restart: a new store on the same file.
    let (app, _) = store_suite::app(store);
    let cookie = cookie_of(&send(&app, "POST", "/set/kept/yes", None).await).unwrap();
    let reopened =
        SqliteStore::new(SqlConfig::new(format!("sqlite://{}", path.display()))).unwrap();
    let (app, _) = store_suite::app(reopened);
    assert_eq!(
        text(send(&app, "GET", "/get/kept", Some(&cookie)).await).await,
        "yes"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn our_layout_stores_no_session_id() {
    let Some(db) = TestDatabase::create("our_layout_stores_no_session_id") else {
        return;
    };
    let (app, _) = store_suite::app(postgres(&db, |c| c).await);
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    let sid = &cookie["session=".len()..];
    let rows = db.query("SELECT session_id FROM sessionkit_sessions");
    assert_eq!(rows.lines().count(), 1, "{rows}");
    assert!(
        rows.starts_with("sha256$") && rows.trim().len() == 7 + 64,
        "{rows}"
    );
    assert!(!rows.contains(sid));
    // Flask-Session's layout keys the row by the prefixed sid itself.
    let (app, _) = store_suite::app(postgres(&db, SqlConfig::flask_session_layout).await);
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    assert_eq!(
        db.query("SELECT session_id FROM sessions").trim(),
        format!("session:{}", &cookie["session=".len()..])
    );
}

#[tokio::test]
async fn expired_rows_are_not_sessions_and_are_cleaned_up() {
    let Some(db) = TestDatabase::create("expired_rows_are_not_sessions_and_are_cleaned_up") else {
        return;
    };
    let store = postgres(&db, SqlConfig::flask_session_layout).await;
    let (app, _) = store_suite::app(store.clone());
    let a = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    let b = cookie_of(&send(&app, "POST", "/set/b/2", None).await).unwrap();
    cookie_of(&send(&app, "POST", "/set/c/3", None).await).unwrap();
    db.query(&format!(
        "UPDATE sessions SET expiry = (now() AT TIME ZONE 'UTC') - interval '1 second' \
         WHERE session_id IN ('session:{}', 'session:{}')",
        &a[8..],
        &b[8..]
    ));
    // Read: an expired row is no session, and it is deleted.
    assert_eq!(text(send(&app, "GET", "/get/a", Some(&a)).await).await, "");
    assert_eq!(db.query("SELECT count(*) FROM sessions").trim(), "2");
    // The sweep removes the other one.
    assert_eq!(store.delete_expired().await.unwrap(), 1);
    assert_eq!(db.query("SELECT count(*) FROM sessions").trim(), "1");
}

/// A Flask app with Flask-Session's SQLAlchemy backend and this library on
/// one PostgreSQL table: each reads and changes what the other wrote.
#[tokio::test]
async fn flask_session_sqlalchemy_interop() {
    let test = "flask_session_sqlalchemy_interop";
    let Some(db) = TestDatabase::create(test) else {
        return;
    };
    // Flask creates its table first; our migration adds the user column.
    let Some(flask) = FlaskSessionApp::start_sqlalchemy(test, "secret", &db.sqlalchemy_url())
    else {
        return;
    };
    let store = postgres(&db, SqlConfig::flask_session_layout).await;
    let (app, interface) = store_suite::app(store);
    let read = |cookie: String| {
        let base = flask.base.clone();
        async move {
            let (body, _) = flask_request(&base, "GET", "/read", Some(&cookie)).await;
            serde_json::from_str::<serde_json::Value>(&body).unwrap()
        }
    };

    // Flask writes; Rust reads and changes; Flask reads the change.
    let (_, flask_cookie) = flask_request(&flask.base, "POST", "/write", None).await;
    let flask_cookie = flask_cookie.expect("Flask's cookie");
    assert_eq!(
        text(send(&app, "GET", "/get/user", Some(&flask_cookie)).await).await,
        "ada"
    );
    let r = send(&app, "POST", "/set/from/rust", Some(&flask_cookie)).await;
    assert_eq!(r.status(), 200);
    let seen = read(flask_cookie.clone()).await;
    assert_eq!(seen["from"], serde_json::json!({"str": "'rust'"}), "{seen}");
    assert_eq!(seen["n"], serde_json::json!({"int": "42"}), "{seen}");
    assert_eq!(seen["bytes"], serde_json::json!({"bytes": "b'\\x00\\xff'"}));
    assert_eq!(
        seen["nested"]["dict"]["a"]["list"][1]["dict"]["b"],
        serde_json::json!({"str": "'\u{fc}\u{1F600}'"})
    );

    // Rust writes a new session; Flask reads it and changes it.
    let rust_cookie = cookie_of(&send(&app, "POST", "/set/made/here", None).await).unwrap();
    let seen = read(rust_cookie.clone()).await;
    assert_eq!(seen["made"], serde_json::json!({"str": "'here'"}), "{seen}");
    flask_request(&flask.base, "POST", "/set/flask/too", Some(&rust_cookie)).await;
    assert_eq!(
        text(send(&app, "GET", "/get/flask", Some(&rust_cookie)).await).await,
        "too"
    );
    // A session Flask cleared is gone for both.
    flask_request(&flask.base, "POST", "/clear", Some(&flask_cookie)).await;
    assert_eq!(
        text(send(&app, "GET", "/get/user", Some(&flask_cookie)).await).await,
        ""
    );
    // Revoke reaches the sessions this library saved with a user.
    let login = cookie_of(&send(&app, "POST", "/login/9", None).await).unwrap();
    assert_eq!(interface.revoke_user("9").await.unwrap(), 1);
    assert_eq!(
        text(send(&app, "GET", "/get/_user_id", Some(&login)).await).await,
        ""
    );
}

#[tokio::test]
async fn postgres_down_gives_503_and_service_resumes() {
    let test = "postgres_down_gives_503_and_service_resumes";
    let Some(server) = PostgresServer::start(test) else {
        return;
    };
    let Some(db) = TestDatabase::create_on(test, server.port) else {
        return;
    };
    let store =
        PostgresStore::new(SqlConfig::new(db.url()).with_timeout(Duration::from_millis(500)))
            .unwrap();
    store.migrate().await.unwrap();
    let (app, _) = store_suite::app(store);
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();

    server.kill();
    store_suite::answers_503_while_down(&app, &cookie, Duration::from_secs(2)).await;
    server.restart();
    let (r, recovered) = store_suite::until_ok(
        &app,
        "GET",
        "/get/a",
        Some(&cookie),
        Duration::from_secs(10),
    )
    .await;
    // The data survived: PostgreSQL keeps it on disk.
    assert_eq!(text(r).await, "1");
    eprintln!("recovered {recovered:?} after postgres accepted connections");
    assert!(recovered < Duration::from_secs(1), "{recovered:?}");
    drop(db);
}

/// Statements the server ran (with `log_statement=all`), in its log after
/// byte `from`.
fn statements_since(server: &PostgresServer, from: usize) -> Vec<String> {
    server.log()[from..]
        .lines()
        .filter(|l| l.contains("LOG:  execute") || l.contains("LOG:  statement:"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn one_statement_to_read_one_to_change_none_to_ignore() {
    let test = "one_statement_to_read_one_to_change_none_to_ignore";
    let Some(server) = PostgresServer::start_with(test, "-c log_statement=all") else {
        return;
    };
    let Some(db) = TestDatabase::create_on(test, server.port) else {
        return;
    };
    let (app, _) = store_suite::app(postgres(&db, |c| c).await);
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    let count = |path: &'static str, method: &'static str| {
        let (app, cookie) = (app.clone(), cookie.clone());
        let server = &server;
        async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let mark = server.log().len();
            assert_eq!(send(&app, method, path, Some(&cookie)).await.status(), 200);
            tokio::time::sleep(Duration::from_millis(200)).await;
            statements_since(server, mark)
        }
    };
    let none = count("/plain", "GET").await;
    assert!(none.is_empty(), "{none:#?}");
    let read = count("/get/a", "GET").await;
    assert_eq!(read.len(), 1, "a read: {read:#?}");
    let change = count("/set/a/2", "POST").await;
    assert_eq!(
        change.len(),
        2,
        "a change: the read, the compare-and-set: {change:#?}"
    );
    assert!(
        change[1].contains("UPDATE") && change[1].contains("data = $5"),
        "{change:#?}"
    );
    drop(db);
}

#[tokio::test]
async fn a_hung_database_answers_503_within_the_timeout() {
    let test = "a_hung_database_answers_503_within_the_timeout";
    let Some(db) = TestDatabase::create(test) else {
        return;
    };
    let store =
        PostgresStore::new(SqlConfig::new(db.url()).with_timeout(Duration::from_millis(400)))
            .unwrap();
    store.migrate().await.unwrap();
    let (app, _) = store_suite::app(store.clone());
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    // Another client holds the table locked: every statement waits.
    let mut locker = store.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE sessionkit_sessions IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *locker)
        .await
        .unwrap();
    store_suite::answers_503_while_down(&app, &cookie, Duration::from_secs(1)).await;
    locker.rollback().await.unwrap();
    assert_eq!(
        text(send(&app, "GET", "/get/a", Some(&cookie)).await).await,
        "1"
    );
}

#[tokio::test]
async fn a_read_renews_the_expiry_only_when_due() {
    let test = "a_read_renews_the_expiry_only_when_due";
    let Some(db) = TestDatabase::create(test) else {
        return;
    };
    let (app, _) = store_suite::app(postgres(&db, SqlConfig::flask_session_layout).await);
    let cookie = cookie_of(&send(&app, "POST", "/set/a/1", None).await).unwrap();
    let row = |what: &str| {
        db.query(&format!("SELECT {what} FROM sessions"))
            .trim()
            .to_owned()
    };
    // Just written: a read leaves the row alone (same row version).
    let version = row("xmin");
    assert_eq!(
        text(send(&app, "GET", "/get/a", Some(&cookie)).await).await,
        "1"
    );
    assert_eq!(
        row("xmin"),
        version,
        "a read that was not due wrote the row"
    );
    // Due (an hour left of 31 days): the read renews it to the full lifetime.
    db.query("UPDATE sessions SET expiry = (now() AT TIME ZONE 'UTC') + interval '1 hour'");
    assert_eq!(
        text(send(&app, "GET", "/get/a", Some(&cookie)).await).await,
        "1"
    );
    let left = row("extract(epoch FROM expiry - (now() AT TIME ZONE 'UTC'))::bigint");
    let left: i64 = left.parse().unwrap();
    assert!(
        (31 * 86_400 - 60..=31 * 86_400).contains(&left),
        "{left} s left"
    );
}
