//! The session lifecycle with no web framework: plain `http` requests and
//! responses through `SessionLifecycle::run_sync` (use `run` for async
//! handlers, e.g. inside a hyper `service_fn`).
//!
//! A tiny "browser" keeps the cookie between three requests to a visit
//! counter, then logs out.
//!
//! ```text
//! cargo run --example runner
//! ```

use sessionkit::codec::SecretKey;
use sessionkit::interface::SecureCookieSessionInterface;
use sessionkit::lifecycle::SessionHandle;
use sessionkit::lifecycle::SessionLifecycle;
use sessionkit::{DynamicSession, SessionConfig};

fn handler(req: http::Request<()>) -> http::Response<Vec<u8>> {
    let session = SessionHandle::<DynamicSession>::from_request(&req)
        .expect("the lifecycle adds the session");
    let mut s = session.lock();
    let body = match req.uri().path() {
        "/logout" => {
            s.clear();
            "bye".to_owned()
        }
        _ => {
            let visits = s.get_as::<u64>("visits").and_then(Result::ok).unwrap_or(0) + 1;
            s.insert("visits", visits);
            format!("visit number {visits}")
        }
    };
    http::Response::new(body.into_bytes())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = SessionConfig::default().with_secret_key(SecretKey::generate(32)?);
    let app = SessionLifecycle::<DynamicSession>::new(SecureCookieSessionInterface::new(config)?)
        // A before-request hook may answer early; an after-request hook sees
        // every response before the session is saved.
        .before_request(
            |req: &http::request::Parts, _: &SessionHandle<DynamicSession>| {
                (req.uri.path() == "/admin").then(|| {
                    let mut r = http::Response::new(b"forbidden".to_vec());
                    *r.status_mut() = http::StatusCode::FORBIDDEN;
                    r
                })
            },
        )
        .after_request(
            |resp: &mut http::response::Parts, _: &SessionHandle<DynamicSession>| {
                resp.headers
                    .insert("x-powered-by", http::HeaderValue::from_static("sessionkit"));
            },
        );

    let mut jar: Option<String> = None;
    for path in ["/", "/", "/", "/admin", "/logout", "/"] {
        let mut req = http::Request::builder().uri(path);
        if let Some(cookie) = &jar {
            req = req.header("cookie", cookie.as_str());
        }
        let resp = app.run_sync(req.body(())?, handler);
        if let Some(set) = resp.headers().get("set-cookie") {
            let pair = set
                .to_str()?
                .split(';')
                .next()
                .unwrap_or_default()
                .to_owned();
            jar = if pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
            println!(
                "{path:8} -> {} {:?}   Set-Cookie: {}",
                resp.status(),
                String::from_utf8_lossy(resp.body()),
                set.to_str()?
            );
        } else {
            println!(
                "{path:8} -> {} {:?}",
                resp.status(),
                String::from_utf8_lossy(resp.body())
            );
        }
    }
    Ok(())
}
