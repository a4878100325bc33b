//! The HTTP server of the server-side session load test
//! (`benches/store_load.py`): one small session read (`GET /read`) or
//! changed (`POST /change`) per request, on Redis, with the session
//! library `BACKEND` names:
//!
//! - `sessionkit`: `ServerSideSessionInterface` on `RedisStore`
//!   (compare-and-set save);
//! - `sessionkit-overwrite`: the same with a plain overwrite, to price the
//!   compare-and-set;
//! - `sessionkit-cluster`: `RedisClusterStore` on the Redis Cluster that
//!   `REDIS_CLUSTER_URL` (`redis-cluster://h1:p1,…`) names;
//! - `floor`: the hand-built floor (`benches/store_floor.rs`): axum,
//!   redis-rs, `GETEX` / `GET` + `EVALSHA`, MessagePack, nothing else;
//! - `sessionkit-postgres` / `tower-sessions-postgres`: `PostgresStore`
//!   against tower-sessions 0.14 with tower-sessions-sqlx-store 0.15, on the
//!   database `DATABASE_URL` names (each creates its own table);
//! - `tower-sessions`: tower-sessions 0.14 with tower-sessions-redis-store
//!   0.16 (the newest pair that builds together; tower-sessions 0.15 has
//!   no Redis store on crates.io).
//!
//! `POST /seed` creates a session (`csrf_token`, `user_id`).
//!
//! ```text
//! BACKEND=sessionkit REDIS_URL=redis://127.0.0.1:6390/0 PORT=3998 \
//!   cargo run --release -p sessionkit-benches --features redis,postgres --example store_server
//! ```

#![allow(missing_docs, unreachable_pub)]

#[path = "../../tests/support/store.rs"]
mod overwrite;
#[path = "../benches/store_app.rs"]
mod store_app;
#[path = "../benches/store_floor.rs"]
mod store_floor;

use store_app::{TOKEN, sessionkit_app};

use axum::Router;
use axum::routing::{get, post};
use sessionkit::store::{
    PostgresStore, RedisClusterConfig, RedisClusterStore, RedisConfig, RedisStore, SqlConfig,
};

async fn tower_sessions_app(url: &str) -> Router {
    use tower_sessions_redis_store::RedisStore as TowerRedisStore;
    use tower_sessions_redis_store::fred::prelude::*;

    let config = Config::from_url(url).unwrap();
    let pool = Pool::new(config, None, None, None, 4).unwrap();
    pool.init().await.unwrap();
    tower_sessions_routes(TowerRedisStore::new(pool))
}

async fn tower_sessions_postgres_app(url: &str) -> Router {
    use tower_sessions_sqlx_store::PostgresStore as TowerPostgresStore;

    let pool = tower_sessions_sqlx_store::sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .connect(url)
        .await
        .unwrap();
    let store = TowerPostgresStore::new(pool);
    store.migrate().await.unwrap();
    tower_sessions_routes(store)
}

/// The routes of `store_app.rs`, on tower-sessions 0.14 with `store`.
fn tower_sessions_routes<St>(store: St) -> Router
where
    St: tower_sessions_014::SessionStore + Clone,
{
    use tower_sessions_014::{Expiry, Session as TowerSession, SessionManagerLayer};

    let layer = SessionManagerLayer::new(store)
        .with_secure(false)
        .with_expiry(Expiry::OnInactivity(
            tower_sessions_014::cookie::time::Duration::days(31),
        ));
    Router::new()
        .route(
            "/read",
            get(|s: TowerSession| async move {
                s.get::<u64>("user_id")
                    .await
                    .unwrap()
                    .unwrap_or(0)
                    .to_string()
            }),
        )
        .route(
            "/change",
            post(|s: TowerSession| async move {
                let n: u64 = s.get("user_id").await.unwrap().unwrap_or(0);
                s.insert("user_id", n + 1).await.unwrap();
                "ok"
            }),
        )
        .route(
            "/seed",
            post(|s: TowerSession| async move {
                s.insert("csrf_token", TOKEN).await.unwrap();
                s.insert("user_id", 42u64).await.unwrap();
                "ok"
            }),
        )
        .layer(layer)
}

#[tokio::main]
async fn main() {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let backend = std::env::var("BACKEND").unwrap_or_else(|_| "sessionkit".into());
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3998);
    let store = || RedisStore::new(RedisConfig::new(url.as_str())).unwrap();
    let app = match backend.as_str() {
        "sessionkit" => sessionkit_app(store()),
        "sessionkit-overwrite" => sessionkit_app(overwrite::Overwrite(store())),
        "floor" => store_floor::floor_app(&url).await,
        "sessionkit-postgres" => {
            let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
            let store = PostgresStore::new(SqlConfig::new(url)).unwrap();
            store.migrate().await.unwrap();
            sessionkit_app(store)
        }
        "tower-sessions-postgres" => {
            tower_sessions_postgres_app(&std::env::var("DATABASE_URL").expect("DATABASE_URL")).await
        }
        "sessionkit-cluster" => {
            let nodes = std::env::var("REDIS_CLUSTER_URL").expect("REDIS_CLUSTER_URL");
            let config = RedisClusterConfig::from_url(&nodes).unwrap();
            sessionkit_app(RedisClusterStore::new(config).unwrap())
        }
        "tower-sessions" => tower_sessions_app(&url).await,
        other => panic!(
            "BACKEND={other:?}: sessionkit, sessionkit-overwrite, sessionkit-cluster, \
             sessionkit-postgres, tower-sessions, tower-sessions-postgres or floor"
        ),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    println!("{backend} on {}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}
