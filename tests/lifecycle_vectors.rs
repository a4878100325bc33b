//! Replays Flask's HTTP vectors (groups `cookie_attributes`, `lifecycle`,
//! `null_session`) through the framework-free runner: the exact
//! `Set-Cookie` headers Werkzeug wrote, `Vary`, the status, and the session
//! as it stood at the save step.

mod support;

use std::time::{Duration, SystemTime};

use sessionkit::DynamicSession;
use sessionkit::codec::Value;
use sessionkit::interface::SecureCookieSessionInterface;
use sessionkit::lifecycle::SessionHandle;
use sessionkit::lifecycle::SessionLifecycle;
use support::http::{act_on, config};
use support::typed;
use support::typed::vectors;

#[test]
fn http_vectors_replay_through_the_runner() {
    let all = vectors();
    let mut replayed = 0;
    for v in all["http_vectors"].as_array().unwrap() {
        let group = v["group"].as_str().unwrap();
        if !matches!(group, "cookie_attributes" | "lifecycle" | "null_session") {
            continue;
        }
        let name = v["name"].as_str().unwrap();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(v["now"].as_u64().unwrap());
        let interface = SecureCookieSessionInterface::new(config(v))
            .unwrap()
            .with_clock(move || now);
        let app = SessionLifecycle::<DynamicSession>::new(interface);

        let mut req = http::Request::builder().uri(v["request"]["url"].as_str().unwrap());
        if let Some(c) = v["request"]["cookie_header"].as_str() {
            req = req.header("cookie", c);
        }
        let mut seen = None;
        let mut representable = true;
        let response = app.run_sync(req.body(()).unwrap(), |req| {
            let handle = SessionHandle::<DynamicSession>::from_request(&req).unwrap();
            let status = act_on(v["action"].as_str().unwrap(), &handle);
            representable = status.is_some();
            seen = Some(handle);
            let mut r = http::Response::new(Vec::new());
            *r.status_mut() = http::StatusCode::from_u16(status.unwrap_or(200)).unwrap();
            r
        });
        if !representable {
            continue;
        }
        let want = &v["response"];
        let set_cookies: Vec<&str> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|h| h.to_str().unwrap())
            .collect();
        let want_cookies: Vec<&str> = want["set_cookie"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        if name == "nested_mutation_not_saved" {
            // Deliberate divergence: `get_mut` counts as a write, so an in-place
            // change is saved instead of being silently lost as in Flask.
            assert_eq!(want_cookies, Vec::<&str>::new());
            assert_eq!(set_cookies.len(), 1, "{name}");
            assert!(
                set_cookies[0].starts_with("session=eyJhIjoxLCJsIjpbMSwyLDNdfQ."),
                "{name}: {set_cookies:?}"
            );
            continue;
        }
        assert_eq!(set_cookies, want_cookies, "{name}: Set-Cookie");
        let vary = response.headers().get("vary").map(|h| h.to_str().unwrap());
        assert_eq!(vary, want["vary"].as_str(), "{name}: Vary");
        assert_eq!(
            u64::from(response.status().as_u16()),
            want["status"].as_u64().unwrap(),
            "{name}: status"
        );
        if v["session_class"] == "NullSession" && want["status"] == 500 {
            let body = String::from_utf8(response.body().clone()).unwrap();
            assert!(
                want["body"].as_str().unwrap().ends_with(&body),
                "{name}: body {body:?}"
            );
        }
        let saved = Value::Dict(seen.unwrap().lock().dict_untracked().clone());
        if v["saved_session"].is_null() {
            // Flask's save failed (`mixed_key_types_500`); ours refused the
            // value when it was stored, so the session is as it came.
            assert_eq!(saved, Value::Dict(Default::default()), "{name}");
        } else {
            assert_eq!(
                Some(saved),
                typed::to_value(&v["saved_session"]),
                "{name}: saved session"
            );
        }
        replayed += 1;
    }
    assert!(replayed >= 34, "only {replayed} vectors replayed");
}
