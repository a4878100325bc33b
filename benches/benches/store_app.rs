//! The server-side session app of the store benches: `/read`, `/change`
//! and `/seed` on a `DynamicSession` of the small fixture's shape. Shared
//! by `benches/store.rs` and `examples/store_server.rs`.

use axum::Router;
use axum::routing::{get, post};
use sessionkit::axum::Session;
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::store::{ServerSideSessionInterface, SessionStore};
use sessionkit::tower::SessionLayer;
use sessionkit::{DynamicSession, SessionConfig};

/// The small fixture's CSRF token.
pub const TOKEN: &str = "3f2a9c0d1b8e7f6a5d4c3b2a1f0e9d8c7b6a5f4e";

/// The app over `store`.
pub fn sessionkit_app<St: SessionStore>(store: St) -> Router {
    let interface = ServerSideSessionInterface::new(SessionConfig::default(), store).unwrap();
    Router::new()
        .route(
            "/read",
            get(|s: Session<DynamicSession>| async move {
                s.lock()
                    .get_as::<u64>("user_id")
                    .and_then(Result::ok)
                    .unwrap_or(0)
                    .to_string()
            }),
        )
        .route(
            "/change",
            post(|s: Session<DynamicSession>| async move {
                let mut s = s.lock();
                let n = s.get_as::<u64>("user_id").and_then(Result::ok).unwrap_or(0);
                s.insert("user_id", n + 1);
                "ok"
            }),
        )
        .route(
            "/seed",
            post(|s: Session<DynamicSession>| async move {
                let mut s = s.lock();
                s.insert("csrf_token", TOKEN);
                s.insert("user_id", 42);
                "ok"
            }),
        )
        .layer(SessionLayer::from_lifecycle(SessionLifecycle::<
            DynamicSession,
            _,
        >::new(interface)))
}
