//! The sessionkit demo on actix-web 4: the same pages, routes, environment
//! variables and cookies as the axum demo (`examples/demo.rs`), so either
//! server can replace the other behind one cookie — and a Flask app with
//! the same `SECRET_KEY` shares the login with both.
//!
//! ```text
//! cargo run --features actix --example demo_actix            # http://127.0.0.1:3000
//! PORT=8080 SECRET_KEY='your flask secret' cargo run --features actix --example demo_actix
//! SESSION_STORE=redis://127.0.0.1:6379/0 cargo run --features actix,redis --example demo_actix
//! ```
//!
//! `SESSION_STORE`, `SECRET_KEY`, `PORT` and `RUST_LOG` mean what they mean
//! for the axum demo; so do the routes: `GET /`, `POST /login`,
//! `POST /logout`, `POST /logout-everywhere`, `GET /api/session` and
//! `GET /health`. The CSRF check is the session middleware's own
//! (`SessionMiddleware::csrf`), with the same rules and messages.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use sessionkit::SessionConfig;
use sessionkit::actix::{Session, SessionMiddleware, flask_login_identifier};
use sessionkit::csrf::Csrf;
use sessionkit::error::ConfigError;
use sessionkit::interface::SessionInterface;
use sessionkit::lifecycle::SessionLifecycle;

#[path = "demo_common/mod.rs"]
mod common;

use common::DemoState;
pub use common::{Backend, DemoSession, LoginForm, config, migrate};

/// The demo's routes, to mount on an actix-web `App` with
/// `App::new().configure(|c| app(c))` (once per worker).
pub type ActixApp = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// The demo on actix-web.
#[derive(Debug)]
pub struct Actix;

impl common::Framework for Actix {
    type App = ActixApp;

    fn routes<I: SessionInterface<DemoSession>>(
        lifecycle: SessionLifecycle<DemoSession, I>,
        state: DemoState,
    ) -> Result<ActixApp, ConfigError> {
        // Flask-WTF's defaults, with the session's key; HTTPS if its cookie
        // is Secure. Checked on the app's routes, unsafe methods only.
        // Refusals get the demo's page.
        let session = SessionMiddleware::from_lifecycle(lifecycle)
            .csrf()?
            .on_csrf_error(common::csrf_refusal);
        let state = web::Data::new(state);
        Ok(Arc::new(move |c: &mut web::ServiceConfig| {
            c.service(
                web::scope("")
                    .app_data(state.clone())
                    .route("/", web::get().to(home))
                    .route("/login", web::post().to(login))
                    .route("/logout", web::post().to(logout))
                    .route("/logout-everywhere", web::post().to(logout_everywhere))
                    .route("/api/session", web::get().to(api_session))
                    .route("/health", web::get().to(|| async { "ok" }))
                    .wrap(session.clone()),
            );
        }))
    }
}

/// The demo app, with sessions in the cookie.
///
/// # Errors
///
/// [`ConfigError`] for an invalid configuration.
pub fn app(config: SessionConfig) -> Result<ActixApp, ConfigError> {
    app_with(config, &Backend::Cookie)
}

/// The demo app, with sessions where `backend` says.
///
/// # Errors
///
/// [`ConfigError`] for an invalid configuration (or a backend this build
/// has no feature for).
pub fn app_with(config: SessionConfig, backend: &Backend) -> Result<ActixApp, ConfigError> {
    common::build::<Actix>(config, backend)
}

fn see_other() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", "/"))
        .finish()
}

async fn home(
    session: Session<DemoSession>,
    csrf: Csrf,
    state: web::Data<DemoState>,
    request: HttpRequest,
) -> HttpResponse {
    let info = common::PageInfo {
        backend: state.backend.clone(),
        cookie_bytes: common::session_cookie_bytes(
            request.headers().get_all("cookie").map(|v| v.as_bytes()),
        ),
    };
    let identifier = flask_login_identifier(&request);
    let page = common::home(session.handle(), &csrf, &identifier, &info);
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page)
}

async fn login(
    session: Session<DemoSession>,
    csrf: Csrf,
    request: HttpRequest,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    common::login(
        session.handle(),
        &csrf,
        flask_login_identifier(&request),
        &form,
    );
    see_other()
}

async fn logout(session: Session<DemoSession>) -> HttpResponse {
    common::logout(session.handle());
    see_other()
}

async fn logout_everywhere(
    session: Session<DemoSession>,
    state: web::Data<DemoState>,
) -> HttpResponse {
    match common::logout_everywhere(session.handle(), state.revoke.as_ref()).await {
        Ok(()) => see_other(),
        Err(e) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body(e),
    }
}

async fn api_session(session: Session<DemoSession>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(common::api_session(session.handle()))
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_log()?;
    let key = common::key_from_env()?;
    let backend = common::backend_from_env()?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", common::port_from_env()))?;
    println!(
        "sessionkit demo (actix-web) listening on http://{}",
        listener.local_addr()?
    );
    println!("sessions: {backend:?}");
    actix_web::rt::System::new().block_on(async move {
        migrate(&backend).await?;
        let app = app_with(config(key), &backend)?;
        actix_web::HttpServer::new(move || {
            let app = Arc::clone(&app);
            actix_web::App::new().configure(move |c| app(c))
        })
        .listen(listener)?
        .run()
        .await?;
        Ok(())
    })
}
