//! sessionkit on actix-web against actix-session, per request, one
//! in-process request each (`actix_web::test::call_service`): the small
//! fixture's session read and changed (`user_id` set), in a signed cookie
//! (sessionkit Flask-exact and `compression = "above:256"`, against
//! actix-session's `CookieSessionStore`) and in Redis (sessionkit's
//! `RedisStore`, against actix-session's `RedisSessionStore`, both on a
//! `redis-server` this bench starts on a free port), plus a handler without
//! sessions; sessionkit's Redis row also as a plain overwrite (no
//! compare-and-set), to price it.
//!
//! `cargo bench -p sessionkit-benches --features redis --bench actix`

#![allow(missing_docs, unreachable_pub)]

#[path = "actix_app.rs"]
mod actix_app;
mod fixtures;
#[path = "../../tests/support/store.rs"]
mod overwrite;
#[path = "redis_server.rs"]
mod redis_server;

use std::time::Duration;

use actix_app::{
    browser_request, cookie_of, start_actix_session, with_actix_session, with_session,
};
use actix_web::dev::Service;
use actix_web::test::{TestRequest, call_service, init_service};
use actix_web::{App, web};
use criterion::{Criterion, criterion_group, criterion_main};
use fixtures::{Small, interface, start_session};
use sessionkit::SessionData;
use sessionkit::actix::SessionMiddleware;
use sessionkit::codec::Compression;
use sessionkit::store::{RedisConfig, RedisStore};

/// Benches one app: `/start` makes the session, `/` is measured with its
/// cookie (every answer checked once to be a 200 that saves).
macro_rules! bench_app {
    ($g:expr, $rt:expr, $name:expr, $app:expr) => {{
        let app = $rt.block_on(init_service($app));
        let start = TestRequest::get().uri("/start").to_request();
        let response = $rt.block_on(call_service(&app, start));
        assert_eq!(response.status(), 200, "{}", $name);
        let cookie = cookie_of(&response);
        let request = || browser_request(&cookie).to_request();
        let response = $rt.block_on(call_service(&app, request()));
        assert_eq!(response.status(), 200, "{}", $name);
        assert!(response.headers().contains_key("set-cookie"), "{}", $name);
        $g.bench_function($name, |b| {
            b.iter(|| $rt.block_on(app.call(request())).unwrap())
        });
    }};
}

fn actix(c: &mut Criterion) {
    let rt = actix_web::rt::System::new();
    let flask = || SessionMiddleware::<Small>::new(interface(Small::default_config()));
    let above = || {
        let config = Small::default_config().with_compression(Compression::Above(256));
        SessionMiddleware::<Small>::new(interface(config))
    };
    let actix_cookie = || {
        actix_session::SessionMiddleware::builder(
            actix_session::storage::CookieSessionStore::default(),
            actix_app::actix_session_key(),
        )
        .cookie_secure(false)
        .build()
    };

    let mut g = c.benchmark_group("actix");
    {
        let app = rt.block_on(init_service(
            App::new().route("/", web::get().to(|| async { "ok" })),
        ));
        g.bench_function("without_session", |b| {
            b.iter(|| {
                rt.block_on(app.call(browser_request("").to_request()))
                    .unwrap()
            })
        });
    }
    bench_app!(
        g,
        rt,
        "sessionkit_cookie/small",
        App::new()
            .route("/", web::get().to(with_session))
            .route("/start", web::get().to(start_session))
            .wrap(flask())
    );
    bench_app!(
        g,
        rt,
        "sessionkit_cookie_above_256/small",
        App::new()
            .route("/", web::get().to(with_session))
            .route("/start", web::get().to(start_session))
            .wrap(above())
    );
    bench_app!(
        g,
        rt,
        "actix_session_cookie/small",
        App::new()
            .route("/", web::get().to(with_actix_session))
            .route("/start", web::get().to(start_actix_session))
            .wrap(actix_cookie())
    );

    let Some((_server, url)) = redis_server::start() else {
        eprintln!("actix: no redis-server on PATH; the Redis rows are skipped");
        return;
    };
    let store = rt.block_on(async { RedisStore::new(RedisConfig::new(url.as_str())).unwrap() });
    let config = Small::default_config().with_secret_key(fixtures::key());
    let ours = || SessionMiddleware::<Small, _>::with_store(config.clone(), store.clone()).unwrap();
    // The same save as a plain overwrite (what actix-session does): the
    // price of the compare-and-set that loses no update.
    let overwriting = || {
        let store = overwrite::Overwrite(store.clone());
        SessionMiddleware::<Small, _>::with_store(config.clone(), store).unwrap()
    };
    bench_app!(
        g,
        rt,
        "sessionkit_redis/small",
        App::new()
            .route("/", web::get().to(with_session))
            .route("/start", web::get().to(start_session))
            .wrap(ours())
    );
    bench_app!(
        g,
        rt,
        "sessionkit_redis_overwrite/small",
        App::new()
            .route("/", web::get().to(with_session))
            .route("/start", web::get().to(start_session))
            .wrap(overwriting())
    );
    let theirs = rt
        .block_on(actix_session::storage::RedisSessionStore::new(url.as_str()))
        .unwrap();
    bench_app!(
        g,
        rt,
        "actix_session_redis/small",
        App::new()
            .route("/", web::get().to(with_actix_session))
            .route("/start", web::get().to(start_actix_session))
            .wrap(
                actix_session::SessionMiddleware::builder(
                    theirs.clone(),
                    actix_app::actix_session_key()
                )
                .cookie_secure(false)
                .build()
            )
    );
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = actix
}
criterion_main!(benches);
