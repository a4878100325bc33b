//! Server-side sessions, one in-process axum request each, on the memory
//! store and on a real Redis this bench starts itself (`redis-server` from
//! `PATH`, a free loopback port): a read (one `GETEX`), a change (`GETEX` +
//! the compare-and-set script) and the same change as a plain overwrite
//! (what the other libraries do: the price of losing no update). Requests
//! rotate over 1 024 sessions, so compare-and-sets do not contend.
//!
//! `cargo bench -p sessionkit-benches --features redis --bench store`

#![allow(missing_docs, unreachable_pub)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use criterion::{Criterion, criterion_group, criterion_main};
use http::Request;
use sessionkit::store::{MemoryStore, RedisConfig, RedisStore};
use tower::ServiceExt as _;

#[path = "../../tests/support/store.rs"]
mod overwrite;
#[path = "redis_server.rs"]
mod redis_server;
#[path = "store_app.rs"]
mod store_app;

use store_app::sessionkit_app as app;

use overwrite::Overwrite;

/// 1 024 sessions of the small fixture's shape.
async fn cookies(app: &Router) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..1024 {
        let r = app
            .clone()
            .oneshot(Request::post("/seed").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let c = r.headers()["set-cookie"].to_str().unwrap();
        out.push(c.split(';').next().unwrap().to_owned());
    }
    out
}

fn bench_app(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, app: Router) {
    let cookies = rt.block_on(cookies(&app));
    let next = AtomicUsize::new(0);
    let mut g = c.benchmark_group("store");
    for (op, method) in [("read", "GET"), ("change", "POST")] {
        g.bench_function(format!("{name}/{op}"), |b| {
            b.iter(|| {
                let cookie = &cookies[next.fetch_add(1, Ordering::Relaxed) % cookies.len()];
                let request = Request::builder()
                    .method(method)
                    .uri(format!("/{op}"))
                    .header("cookie", cookie)
                    .body(Body::empty())
                    .unwrap();
                let r = rt.block_on(app.clone().oneshot(request)).unwrap();
                assert_eq!(r.status(), 200);
            })
        });
    }
    g.finish();
}

fn store(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    bench_app(c, &rt, "memory", app(MemoryStore::new()));
    let Some((_server, url)) = redis_server::start() else {
        eprintln!("store: no redis-server on PATH; the Redis rows are skipped");
        return;
    };
    let redis = rt.block_on(async { RedisStore::new(RedisConfig::new(url.as_str())).unwrap() });
    bench_app(c, &rt, "redis", app(redis.clone()));
    bench_app(c, &rt, "redis_overwrite", app(Overwrite(redis)));
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = store
}
criterion_main!(benches);
