//! The three session fixtures shared by the benches (and by
//! `benches/flask_baseline.py`, which builds the same values).

#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use sessionkit::codec::{Dict, Value};
use sessionkit::session;

/// 40 lowercase hex digits (a Flask-WTF raw token).
pub const TOKEN: &str = "3d70005188f7b2c3a77763d99821c06a3c520414";

/// `{"_permanent":true,"csrf_token":"<40 hex>","user_id":42}`
pub fn small() -> Dict {
    [
        ("_permanent", Value::Bool(true)),
        ("csrf_token", TOKEN.into()),
        ("user_id", 42.into()),
    ]
    .into_iter()
    .collect()
}

/// About 1 KB: Flask-Login keys, a cart, nested preferences.
pub fn medium() -> Dict {
    let mut d = small();
    d.insert("_user_id", "1042");
    d.insert("_fresh", true);
    d.insert("_id", "9f".repeat(64));
    d.insert(
        "_flashes",
        Value::List(vec![Value::Tuple(vec![
            "message".into(),
            "Welcome back, Ada!".into(),
        ])]),
    );
    let cart = (0..12u32)
        .map(|i| {
            Value::Tuple(vec![
                Value::Int(1000 + i64::from(i) * 37),
                Value::Int(i64::from(i % 3) + 1),
            ])
        })
        .collect();
    d.insert("cart", Value::List(cart));
    let mut prefs = Dict::new();
    prefs.insert("theme", "dark");
    prefs.insert("language", "en-GB");
    prefs.insert("timezone", "Europe/London");
    let mut notify = Dict::new();
    notify.insert("email", true);
    notify.insert("sms", false);
    notify.insert("digest", "weekly");
    prefs.insert("notifications", notify);
    prefs.insert(
        "recent_searches",
        Value::List(vec![
            "rust sessions".into(),
            "flask login".into(),
            "itsdangerous".into(),
        ]),
    );
    d.insert("prefs", prefs);
    d.insert("last_page", "/account/orders/2024/11?sort=date&dir=desc");
    d
}

/// About 3.5 KB of compressible data (recently viewed products).
pub fn large() -> Dict {
    let mut d = medium();
    let viewed = (0..40u32)
        .map(|i| {
            let mut item = Dict::new();
            item.insert("sku", format!("SKU-{:05}", 10_000 + i * 7));
            item.insert(
                "title",
                format!("Stainless steel water bottle, {} ml", 250 + i * 50),
            );
            item.insert("price", 12.5 + f64::from(i));
            Value::Dict(item)
        })
        .collect();
    d.insert("recently_viewed", Value::List(viewed));
    d
}

/// The small fixture as a typed session.
#[session(lifetime = "31d")]
pub struct Small {
    csrf_token: Option<String>,
    user_id: u64,
}

/// The medium and large fixtures' declared keys as a typed session (the
/// rest is kept); the medium fixture has no recently viewed products.
#[session(lifetime = "31d")]
pub struct Medium {
    #[session(rename = "_user_id")]
    user: Option<String>,
    #[session(rename = "_fresh")]
    fresh: bool,
    #[session(rename = "_flashes")]
    flashes: Vec<(String, String)>,
    csrf_token: Option<String>,
    user_id: u64,
    cart: Vec<(u64, u32)>,
    recently_viewed: Vec<Product>,
}

/// One recently viewed product of the large fixture.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Product {
    /// Stock-keeping unit, `SKU-<5 digits>`.
    pub sku: String,
    /// Display name.
    pub title: String,
    /// Price in the shop's currency.
    pub price: f64,
}

/// The benches' clock: every cookie is signed and read at this time.
pub const NOW: u64 = 1_700_000_000;

/// The benches' secret key.
pub fn key() -> sessionkit::codec::SecretKey {
    sessionkit::codec::SecretKey::from_text("benchmark-secret-key-0123456789abcdef").unwrap()
}

/// An interface with `config`, the benches' key and a clock stopped at
/// [`NOW`].
pub fn interface(
    config: sessionkit::SessionConfig,
) -> sessionkit::interface::SecureCookieSessionInterface {
    use std::time::{Duration, SystemTime};
    sessionkit::interface::SecureCookieSessionInterface::new(config.with_secret_key(key()))
        .unwrap()
        .with_clock(|| SystemTime::UNIX_EPOCH + Duration::from_secs(NOW))
}

/// A request carrying `session=<cookie>`, as its parts.
pub fn request_with(cookie: &str) -> http::request::Parts {
    http::Request::builder()
        .header("cookie", format!("session={cookie}"))
        .body(())
        .unwrap()
        .into_parts()
        .0
}

/// The baseline the issue names: the `cookie` crate's `SignedJar`
/// (HMAC-SHA256, no timestamp) with serde_json, holding one fixture.
#[allow(missing_debug_implementations)] // `cookie::Key` has no `Debug`.
pub struct SignedJarBaseline {
    key: cookie::Key,
    /// The request's `Cookie` header value.
    header: String,
}

impl SignedJarBaseline {
    /// A jar cookie holding `dict` as serde_json's text.
    pub fn new(dict: &Dict) -> Self {
        use cookie::{Cookie, CookieJar};
        let key = cookie::Key::from(&[7u8; 64]);
        let json = serde_json::to_string(&sessionkit::codec::to_value(dict).unwrap()).unwrap();
        let mut jar = CookieJar::new();
        jar.signed_mut(&key).add(Cookie::new("session", json));
        let header = jar.delta().next().unwrap().to_string();
        let header = header.split(';').next().unwrap().to_owned();
        SignedJarBaseline { key, header }
    }

    /// One open, change (`user_id`), save, as our open+save does: returns
    /// the `Set-Cookie` value.
    pub fn open_save(&self, user_id: u64) -> String {
        use cookie::{Cookie, CookieJar};
        let mut jar = CookieJar::new();
        for c in Cookie::split_parse(std::hint::black_box(self.header.as_str())).flatten() {
            jar.add_original(c.into_owned());
        }
        let opened = jar.signed(&self.key).get("session").unwrap();
        let mut v: serde_json::Value = serde_json::from_str(opened.value()).unwrap();
        v["user_id"] = user_id.into();
        jar.signed_mut(&self.key)
            .add(Cookie::new("session", serde_json::to_string(&v).unwrap()));
        jar.delta().next().unwrap().to_string()
    }
}

/// A `GET /` for the in-process axum benches, carrying the `Cookie` header
/// value `header`.
pub fn axum_request(header: &str) -> http::Request<axum::body::Body> {
    http::Request::builder()
        .uri("/")
        .header("cookie", header)
        .body(axum::body::Body::empty())
        .unwrap()
}

/// A value that differs on every call (below 1 000 000, like a real
/// `user_id`), so no cache can flatter a bench.
pub fn next() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed) % 1_000_000
}

/// The small fixture in a typed session, for a first request: one handler
/// for axum and actix-web (`Session<T>` is the same type in both).
pub async fn start_session(session: sessionkit::axum::Session<Small>) -> &'static str {
    let mut s = session.lock();
    s.set_permanent(true);
    s.set_csrf_token(Some(TOKEN.to_owned()));
    s.set_user_id(42);
    "ok"
}
