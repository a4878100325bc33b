//! The hand-built floor of the server-side session load test: the least a
//! server can do for the same requests, with none of sessionkit's layers —
//! axum, redis-rs's connection manager, one `GETEX` to read (renewing the
//! time to live, as the real store does), `GET` + one `EVALSHA` that writes
//! only if the stored bytes are unchanged to change, and the session as
//! Flask-Session's MessagePack (sessionkit's codec, the one step shared with
//! the real path). No merge on conflict (it answers 409), no user index, no
//! signer, no `Vary`, a fixed cookie line: a lower bound, not an
//! alternative. Used by `examples/store_server.rs` (`BACKEND=floor`).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use redis::Script;
use redis::aio::ConnectionManager;
use sessionkit::codec::{Dict, Value, msgpack};

/// The compare-and-set: KEYS[1] the session; ARGV: old bytes, new bytes,
/// time to live in ms.
const CAS: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
";

const TTL_MS: u64 = 31 * 86_400 * 1000;

#[derive(Clone)]
struct Floor {
    redis: ConnectionManager,
    cas: Script,
}

fn sid(headers: &HeaderMap) -> Option<String> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    cookies
        .split(';')
        .find_map(|c| c.trim().strip_prefix("session="))
        .map(str::to_owned)
}

fn cookie_line(sid: &str) -> String {
    format!("session={sid}; Expires=Thu, 07 Jan 2027 00:00:00 GMT; HttpOnly; Path=/")
}

fn user_id(dict: &Dict) -> i64 {
    dict.get("user_id").and_then(Value::as_i64).unwrap_or(0)
}

async fn read(State(f): State<Floor>, headers: HeaderMap) -> impl IntoResponse {
    let Some(sid) = sid(&headers) else {
        return (StatusCode::OK, HeaderMap::new(), "0".to_owned());
    };
    let mut con = f.redis.clone();
    let bytes: Option<Vec<u8>> = redis::cmd("GETEX")
        .arg(format!("session:{sid}"))
        .arg("PX")
        .arg(TTL_MS)
        .query_async(&mut con)
        .await
        .unwrap();
    let n = bytes
        .and_then(|b| msgpack::decode_session(&b, 64).ok())
        .map_or(0, |d| user_id(&d));
    let mut out = HeaderMap::new();
    out.insert(header::SET_COOKIE, cookie_line(&sid).parse().unwrap());
    (StatusCode::OK, out, n.to_string())
}

async fn change(State(f): State<Floor>, headers: HeaderMap) -> impl IntoResponse {
    let Some(sid) = sid(&headers) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let key = format!("session:{sid}");
    let mut con = f.redis.clone();
    let Some(old): Option<Vec<u8>> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut con)
        .await
        .unwrap()
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut dict = msgpack::decode_session(&old, 64).unwrap();
    let n = user_id(&dict);
    dict.insert("user_id", n + 1);
    let mut new = Vec::with_capacity(old.len() + 4);
    msgpack::encode_session(&mut new, &dict, 64).unwrap();
    let written: i64 = f
        .cas
        .key(&key)
        .arg(old)
        .arg(new)
        .arg(TTL_MS)
        .invoke_async(&mut con)
        .await
        .unwrap();
    if written == 0 {
        return StatusCode::CONFLICT.into_response();
    }
    ([(header::SET_COOKIE, cookie_line(&sid))], "ok").into_response()
}

async fn seed(State(f): State<Floor>) -> impl IntoResponse {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).unwrap();
    let sid = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, raw);
    let mut dict = Dict::new();
    dict.insert("_permanent", true);
    dict.insert("csrf_token", super::store_app::TOKEN);
    dict.insert("user_id", 42);
    let mut bytes = Vec::new();
    msgpack::encode_session(&mut bytes, &dict, 64).unwrap();
    let mut con = f.redis.clone();
    let () = redis::cmd("SET")
        .arg(format!("session:{sid}"))
        .arg(bytes)
        .arg("PX")
        .arg(TTL_MS)
        .query_async(&mut con)
        .await
        .unwrap();
    ([(header::SET_COOKIE, cookie_line(&sid))], "ok")
}

/// The floor app on the Redis at `url`.
pub async fn floor_app(url: &str) -> Router {
    let client = redis::Client::open(url).unwrap();
    let redis = ConnectionManager::new(client).await.unwrap();
    Router::new()
        .route("/read", get(read))
        .route("/change", post(change))
        .route("/seed", post(seed))
        .with_state(Floor {
            redis,
            cas: Script::new(CAS),
        })
}
