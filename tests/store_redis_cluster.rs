//! Server-side sessions on a real Redis Cluster (3 masters + 3 replicas
//! that the test starts itself, see `support::redis_cluster`): the store
//! suite, a master dying under load, and slots moving under load.
//!
//! The failover and resharding tests print their figures (run with
//! `--nocapture`); BENCHMARKS.md quotes them.

#![allow(missing_docs, unreachable_pub)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use http::StatusCode;
use sessionkit::DynamicSession;
use sessionkit::axum::Session;
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::store::{RedisClusterConfig, RedisClusterStore, ServerSideSessionInterface};
use sessionkit::tower::SessionLayer;
use support::redis_cluster::{NODE_TIMEOUT_MS, RedisCluster, cli};
use support::router::{cookie_of, send, text};
use support::store_suite;

fn store(cluster: &RedisCluster, timeout: Duration) -> RedisClusterStore {
    RedisClusterStore::new(
        RedisClusterConfig::from_url(&cluster.url())
            .unwrap()
            .with_timeout(timeout),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_store_suite_passes_on_a_cluster() {
    let Some(cluster) = RedisCluster::start("the_store_suite_passes_on_a_cluster") else {
        return;
    };
    let store = store(&cluster, Duration::from_secs(2));
    store_suite::all(store.clone(), 24).await;

    // The sessions of one user live on several masters, and the index on
    // yet another slot: revoke reached them all (the suite checked), with
    // no cross-slot command (the cluster would have refused it).
    let (app, interface) = store_suite::app(store.clone());
    let mut masters = std::collections::BTreeSet::new();
    for _ in 0..12 {
        let c = cookie_of(&send(&app, "POST", "/login/7", None).await).unwrap();
        masters.insert(cluster.master_of(&format!("session:{}", &c[8..])));
    }
    assert!(masters.len() > 1, "12 sessions on one master: {masters:?}");
    assert_eq!(interface.revoke_user("7").await.unwrap(), 12);
}

/// The app of the load tests: a session route that reads `n`, one that
/// writes it, and a route without a session.
fn load_app(store: RedisClusterStore) -> Router {
    let interface =
        ServerSideSessionInterface::new(sessionkit::SessionConfig::default(), store).unwrap();
    Router::new()
        .route(
            "/set/{v}",
            post(
                |s: Session<DynamicSession>,
                 axum::extract::Path(v): axum::extract::Path<String>| async move {
                    s.lock().insert("n", v.as_str());
                },
            ),
        )
        .route(
            "/get",
            get(|s: Session<DynamicSession>| async move {
                s.lock()
                    .get("n")
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            }),
        )
        .route("/plain", get(|| async { "no session" }))
        .layer(SessionLayer::from_lifecycle(SessionLifecycle::<
            DynamicSession,
            _,
        >::new(interface)))
}

/// Creates `n` sessions, session `i` holding `n = "i"`.
async fn sessions(app: &Router, n: usize) -> Vec<String> {
    let mut cookies = Vec::with_capacity(n);
    for i in 0..n {
        let r = send(app, "POST", &format!("/set/{i}"), None).await;
        assert_eq!(r.status(), 200);
        cookies.push(cookie_of(&r).unwrap());
    }
    cookies
}

/// Waits until every replica of the master on `port` has acknowledged all
/// of its writes (the replication offsets meet).
fn wait_replicated(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info = cli(port, &["INFO", "replication"]).unwrap_or_default();
        let master: Option<u64> = info
            .lines()
            .find_map(|l| l.strip_prefix("master_repl_offset:"))
            .and_then(|v| v.trim().parse().ok());
        let replicas: Vec<u64> = info
            .lines()
            .filter(|l| l.starts_with("slave") && l.contains("offset="))
            .filter_map(|l| l.split("offset=").nth(1)?.split(',').next()?.parse().ok())
            .collect();
        if !replicas.is_empty() && master.is_some_and(|m| replicas.iter().all(|&r| r == m)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "replication did not catch up: {info}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What the background load saw.
#[derive(Default)]
struct Tally {
    ok: AtomicUsize,
    unavailable: AtomicUsize,
    other: AtomicUsize,
    plain_failed: AtomicUsize,
    /// Worst latency of one request, in ms.
    worst_ms: AtomicU64,
}

/// Requests on every session (reads) and on `/plain`, from `workers`
/// tasks, until `stop`.
fn background_load(
    app: &Router,
    cookies: &Arc<Vec<String>>,
    workers: usize,
    stop: &Arc<AtomicBool>,
    tally: &Arc<Tally>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..workers)
        .map(|w| {
            let (app, cookies, stop, tally) =
                (app.clone(), cookies.clone(), stop.clone(), tally.clone());
            tokio::spawn(async move {
                let mut i = w;
                while !stop.load(Ordering::Relaxed) {
                    let cookie = &cookies[i % cookies.len()];
                    let started = Instant::now();
                    let r = send(&app, "GET", "/get", Some(cookie)).await;
                    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    tally.worst_ms.fetch_max(ms, Ordering::Relaxed);
                    match r.status() {
                        StatusCode::OK => tally.ok.fetch_add(1, Ordering::Relaxed),
                        StatusCode::SERVICE_UNAVAILABLE => {
                            tally.unavailable.fetch_add(1, Ordering::Relaxed)
                        }
                        _ => tally.other.fetch_add(1, Ordering::Relaxed),
                    };
                    if send(&app, "GET", "/plain", Some(cookie)).await.status() != 200 {
                        tally.plain_failed.fetch_add(1, Ordering::Relaxed);
                    }
                    i += workers;
                }
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_master_dies_under_load_and_its_replica_takes_over() {
    let Some(mut cluster) =
        RedisCluster::start("a_master_dies_under_load_and_its_replica_takes_over")
    else {
        return;
    };
    let app = load_app(store(&cluster, Duration::from_millis(500)));
    let n = 300;
    let cookies = Arc::new(sessions(&app, n).await);
    let victim = cluster.master_of(&format!("session:{}", &cookies[0][8..]));
    let on_victim = cookies
        .iter()
        .filter(|c| cluster.master_of(&format!("session:{}", &c[8..])) == victim)
        .count();
    // Every write the victim acknowledged has reached its replica.
    wait_replicated(victim);

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let load = background_load(&app, &cookies, 8, &stop, &tally);
    tokio::time::sleep(Duration::from_millis(300)).await;
    cluster.kill(victim);
    let killed = Instant::now();
    // The first session lives on the dead master: poll it until it answers.
    let recovered = loop {
        let r = send(&app, "GET", "/get", Some(&cookies[0])).await;
        let status = r.status();
        assert!(
            status == 200 || status == 503,
            "a session route answered {status}, not 200 or 503"
        );
        if status == 200 {
            assert_eq!(text(r).await, "0");
            break killed.elapsed();
        }
        assert!(
            killed.elapsed() < Duration::from_secs(20),
            "no recovery in 20 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }

    // Every acknowledged session is still there, with its value.
    let mut lost = 0;
    for (i, cookie) in cookies.iter().enumerate() {
        let r = send(&app, "GET", "/get", Some(cookie)).await;
        assert_eq!(r.status(), 200);
        if text(r).await != i.to_string() {
            lost += 1;
        }
    }
    let (ok, unavailable, other) = (
        tally.ok.load(Ordering::Relaxed),
        tally.unavailable.load(Ordering::Relaxed),
        tally.other.load(Ordering::Relaxed),
    );
    eprintln!(
        "failover: node timeout {NODE_TIMEOUT_MS} ms; the dead master's sessions answered again \
         {recovered:?} after the kill; background load: {ok} ok, {unavailable} × 503, \
         {other} other, worst request {} ms, {} failed /plain; lost sessions: {lost} of {n} \
         ({on_victim} on the dead master)",
        tally.worst_ms.load(Ordering::Relaxed),
        tally.plain_failed.load(Ordering::Relaxed),
    );
    assert_eq!(other, 0, "only 200 or 503 during the failover");
    assert_eq!(tally.plain_failed.load(Ordering::Relaxed), 0);
    assert_eq!(lost, 0, "acknowledged sessions lost");
    assert!(recovered < Duration::from_secs(10), "{recovered:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slots_move_under_load_and_no_request_fails() {
    let Some(cluster) = RedisCluster::start("slots_move_under_load_and_no_request_fails") else {
        return;
    };
    let app = load_app(store(&cluster, Duration::from_secs(2)));
    let n = 300;
    let cookies = Arc::new(sessions(&app, n).await);
    // The latest value each session acknowledged (writers bump it).
    let latest: Arc<Vec<AtomicUsize>> = Arc::new((0..n).map(AtomicUsize::new).collect());

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let mut load = background_load(&app, &cookies, 4, &stop, &tally);
    let writes = Arc::new(AtomicUsize::new(0));
    let failed_writes = Arc::new(AtomicUsize::new(0));
    for w in 0..4 {
        let (app, cookies, stop, latest, writes, failed) = (
            app.clone(),
            cookies.clone(),
            stop.clone(),
            latest.clone(),
            writes.clone(),
            failed_writes.clone(),
        );
        load.push(tokio::spawn(async move {
            let mut i = w;
            while !stop.load(Ordering::Relaxed) {
                let s = i % cookies.len();
                let next = latest[s].load(Ordering::Relaxed) + n;
                let r = send(&app, "POST", &format!("/set/{next}"), Some(&cookies[s])).await;
                if r.status() == 200 {
                    latest[s].store(next, Ordering::Relaxed);
                    writes.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                i += 4;
            }
        }));
    }

    // Move a third of the first master's slots to the second, then some
    // of the second's to the third, while the requests run.
    let masters: Vec<u16> = cluster
        .topology()
        .into_iter()
        .filter(|n| n.master)
        .map(|n| n.port)
        .collect();
    assert_eq!(masters.len(), 3);
    let started = Instant::now();
    let moves = [
        (masters[0], masters[1], 1800),
        (masters[1], masters[2], 1800),
    ];
    for (from, to, slots) in moves {
        let mut command = cluster.reshard(from, to, slots);
        let out = tokio::task::spawn_blocking(move || command.output())
            .await
            .unwrap()
            .expect("redis-cli --cluster reshard");
        assert!(
            out.status.success(),
            "reshard: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let resharding = started.elapsed();
    cluster.wait_ok();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }

    let mut lost = 0;
    for (s, cookie) in cookies.iter().enumerate() {
        let r = send(&app, "GET", "/get", Some(cookie)).await;
        assert_eq!(r.status(), 200);
        if text(r).await != latest[s].load(Ordering::Relaxed).to_string() {
            lost += 1;
        }
    }
    let reads_failed =
        tally.unavailable.load(Ordering::Relaxed) + tally.other.load(Ordering::Relaxed);
    eprintln!(
        "resharding: 3 600 slots moved in {resharding:?} under load; {} reads ok, {reads_failed} \
         failed; {} writes ok, {} failed; worst read {} ms; sessions lost or stale: {lost} of {n}",
        tally.ok.load(Ordering::Relaxed),
        writes.load(Ordering::Relaxed),
        failed_writes.load(Ordering::Relaxed),
        tally.worst_ms.load(Ordering::Relaxed),
    );
    assert_eq!(reads_failed, 0);
    assert_eq!(failed_writes.load(Ordering::Relaxed), 0);
    assert_eq!(tally.plain_failed.load(Ordering::Relaxed), 0);
    assert_eq!(lost, 0);
}
