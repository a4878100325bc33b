//! actix-web 4 integration (cargo feature `actix`): the
//! [`SessionMiddleware`] runs the same session lifecycle as the tower
//! layer (lazy open, Flask's save rules on every response, hooks, the
//! server-side stores) and, with [`SessionMiddleware::csrf`], the same
//! Flask-WTF CSRF check; [`Session<T>`](Session) and
//! [`Csrf`](crate::csrf::Csrf) are the extractors.
//!
//! actix-web runs each worker on one thread and its request extensions are
//! not `Send`: the middleware's future is not `Send` either, and the
//! session handle is shared within the request, never across threads.
//! [`Session<T>`](Session) is the same type as axum's, so code written
//! against it serves both frameworks, and the cookies are the same bytes:
//! an axum service, an actix-web service and a Flask app can share one
//! login.
//!
//! ```
//! use actix_web::{App, HttpResponse, web, test};
//! use sessionkit::actix::{Session, SessionMiddleware};
//! use sessionkit::codec::SecretKey;
//! use sessionkit::csrf::Csrf;
//! use sessionkit::testing::{SavedSession, SessionTester};
//! use sessionkit::DynamicSession;
//!
//! async fn login(session: Session<DynamicSession>, csrf: Csrf) -> HttpResponse {
//!     let mut s = session.lock();
//!     s.insert("_user_id", "42");
//!     let _ = csrf.rotate(&mut *s); // a new CSRF token at login
//!     HttpResponse::SeeOther().insert_header(("location", "/")).finish()
//! }
//!
//! # actix_web::rt::System::new().block_on(async {
//! let key = SecretKey::from_text("the same SECRET_KEY as the Flask app")?;
//! let middleware = SessionMiddleware::<DynamicSession>::with_key(key.clone())?.csrf()?;
//! let app = test::init_service(
//!     App::new().route("/login", web::post().to(login)).wrap(middleware),
//! ).await;
//!
//! // A page issued this token with this session (as `Csrf::token` does).
//! let tester = SessionTester::<DynamicSession>::new(key)?;
//! let (cookie, token) = tester.cookie_with_csrf_token(|_| {})?;
//! let request = test::TestRequest::post()
//!     .uri("/login")
//!     .insert_header(("cookie", cookie))
//!     .set_form([("csrf_token", token)])
//!     .to_request();
//! let response = test::call_service(&app, request).await;
//! assert_eq!(response.status(), 303);
//! let SavedSession::Set(saved) = tester.saved_from_actix(response.headers()) else { panic!() };
//! assert_eq!(saved.get_as::<String>("_user_id").unwrap()?, "42");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod extract;
pub(crate) mod head;
mod middleware;

pub use crate::extract::Session;
pub use extract::{MissingCsrf, SessionError, flask_login_identifier};
pub use middleware::{SessionMiddleware, SessionMiddlewareFuture, SessionMiddlewareService};
