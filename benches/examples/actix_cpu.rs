//! CPU per request of sessions in Redis on actix-web: sessionkit's
//! `RedisStore` against actix-session's `RedisSessionStore`, the small
//! fixture's session read and changed (`benches/actix_app.rs`), on a
//! `redis-server` of its own. In process, the wall time per request is
//! mostly waiting for Redis and swings with the machine's scheduling; the
//! thread's CPU time (`/proc/thread-self/schedstat`; the actix runtime and
//! the Redis client run on this one thread) is the app's own cost. The two
//! apps alternate for `ROUNDS` rounds of `N` requests; medians are printed.
//!
//! `cargo run --release -p sessionkit-benches --features redis --example actix_cpu`

#![allow(missing_docs, unreachable_pub)]

#[path = "../benches/actix_app.rs"]
mod actix_app;
#[path = "../benches/fixtures.rs"]
mod fixtures;
#[path = "../benches/redis_server.rs"]
mod redis_server;

use std::time::Instant;

use actix_app::{
    browser_request, cookie_of, start_actix_session, with_actix_session, with_session,
};
use actix_web::dev::Service;
use actix_web::test::{TestRequest, call_service, init_service};
use actix_web::{App, web};
use fixtures::{Small, start_session};
use sessionkit::SessionData;
use sessionkit::actix::SessionMiddleware;
use sessionkit::store::{RedisConfig, RedisStore};

const ROUNDS: usize = 7;
const N: usize = 3_000;

/// This thread's CPU time so far, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    stat.split_whitespace().next().unwrap().parse().unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `N` requests of one app; answers (wall µs, CPU µs) per request.
macro_rules! round {
    ($rt:expr, $app:expr, $cookie:expr) => {{
        let (wall, cpu) = (Instant::now(), thread_cpu_ns());
        for _ in 0..N {
            let response = $rt
                .block_on($app.call(browser_request(&$cookie).to_request()))
                .unwrap();
            assert_eq!(response.status(), 200);
        }
        let n = N as f64;
        (
            wall.elapsed().as_secs_f64() * 1e6 / n,
            (thread_cpu_ns() - cpu) as f64 / 1e3 / n,
        )
    }};
}

/// Builds an app and its session cookie (from `/start`).
macro_rules! app {
    ($rt:expr, $app:expr) => {{
        let app = $rt.block_on(init_service($app));
        let start = TestRequest::get().uri("/start").to_request();
        let response = $rt.block_on(call_service(&app, start));
        assert_eq!(response.status(), 200);
        let cookie = cookie_of(&response);
        (app, cookie)
    }};
}

fn main() {
    let (_server, url) = redis_server::start().expect("redis-server on PATH");
    let rt = actix_web::rt::System::new();
    let store = rt.block_on(async { RedisStore::new(RedisConfig::new(url.as_str())).unwrap() });
    let config = Small::default_config().with_secret_key(fixtures::key());
    let (ours, our_cookie) = app!(
        rt,
        App::new()
            .route("/", web::get().to(with_session))
            .route("/start", web::get().to(start_session))
            .wrap(SessionMiddleware::<Small, _>::with_store(config, store).unwrap())
    );
    let theirs = rt
        .block_on(actix_session::storage::RedisSessionStore::new(url.as_str()))
        .unwrap();
    let (theirs, their_cookie) = app!(
        rt,
        App::new()
            .route("/", web::get().to(with_actix_session))
            .route("/start", web::get().to(start_actix_session))
            .wrap(
                actix_session::SessionMiddleware::builder(theirs, actix_app::actix_session_key())
                    .cookie_secure(false)
                    .build()
            )
    );
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        a.push(round!(rt, ours, our_cookie));
        b.push(round!(rt, theirs, their_cookie));
    }
    for (name, rows) in [
        ("sessionkit RedisStore", a),
        ("actix-session RedisSessionStore", b),
    ] {
        let wall = median(rows.iter().map(|r| r.0).collect());
        let cpu = median(rows.iter().map(|r| r.1).collect());
        println!("{name:34} wall {wall:7.1} µs/request   CPU {cpu:6.1} µs/request");
    }
}
