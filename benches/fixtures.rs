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
