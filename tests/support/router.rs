//! One request through an axum `Router` in process, and what the store
//! tests read off its response.

use axum::Router;
use axum::body::Body;
use http::{Request, Response};
use tower::ServiceExt as _;

/// Sends `method path` with `cookie` (a `name=value` pair) to `app`.
pub async fn send(app: &Router, method: &str, path: &str, cookie: Option<&str>) -> Response<Body> {
    let mut r = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    app.clone()
        .oneshot(r.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

/// The `name=value` of the response's `Set-Cookie`, if any.
pub fn cookie_of(r: &Response<Body>) -> Option<String> {
    r.headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
}

/// The response body as text.
pub async fn text(r: Response<Body>) -> String {
    String::from_utf8(
        axum::body::to_bytes(r.into_body(), 1 << 16)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap()
}
