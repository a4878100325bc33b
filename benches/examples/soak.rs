//! Load and soak client for the demo (see `benches/soak.sh`): drives
//! `http://127.0.0.1:PORT` for a bounded time and request count with a mix
//! of new, logged-in, tampered, expired and garbage cookies and refused
//! posts, at high concurrency; reports status counts and fails on any 5xx.
//!
//! ```text
//! cargo run --release -p sessionkit-benches --example soak -- http://127.0.0.1:3000 SECRET 60 64 2000000
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sessionkit::codec::{Dict, SecretKey, SessionCodec, Value};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let secret = args.get(2).cloned().unwrap_or_else(|| "soak-secret".into());
    let seconds: u64 = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
        .min(600);
    let workers: usize = args
        .get(4)
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
        .min(1024);
    let max_requests: u64 = args
        .get(5)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5_000_000);

    let codec = SessionCodec::flask(SecretKey::from_text(&secret)?);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let mut user: Dict = Dict::new();
    user.insert("_user_id", "soak-user");
    user.insert("_fresh", true);
    user.insert("_permanent", true);
    user.insert("visits", 7);
    user.insert(
        "_flashes",
        Value::List(vec![Value::Tuple(vec!["message".into(), "hi".into()])]),
    );
    let valid = codec.dumps_session(&user, now)?;
    let mut tampered = valid.clone().into_bytes();
    let at = tampered.len() - 5;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered)?;
    let expired = codec.dumps_session(&user, now - 40 * 86_400)?;
    let foreign =
        SessionCodec::flask(SecretKey::from_text("another key")?).dumps_session(&user, now)?;
    let cookies: Arc<Vec<Option<String>>> = Arc::new(vec![
        None,
        Some(format!("session={valid}")),
        Some(format!("session={tampered}")),
        Some(format!("session={expired}")),
        Some(format!("session={foreign}")),
        Some("session=garbage.garbage.garbage".into()),
        Some(format!("session={}", "A".repeat(9000))),
    ]);

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let sent = Arc::new(AtomicU64::new(0));
    let counts: Arc<[AtomicU64; 6]> = Arc::new(Default::default());
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (client, base, cookies, sent, counts) = (
            client.clone(),
            base.clone(),
            Arc::clone(&cookies),
            Arc::clone(&sent),
            Arc::clone(&counts),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while Instant::now() < deadline && sent.fetch_add(1, Ordering::Relaxed) < max_requests {
                i = i.wrapping_add(7);
                let cookie = &cookies[i % cookies.len()];
                let req = match i % 10 {
                    0 => client
                        .post(format!("{base}/login"))
                        .form(&[("username", "mallory")]),
                    1 => client.get(format!("{base}/api/session")),
                    2 => client.get(format!("{base}/health")),
                    _ => client.get(format!("{base}/")),
                };
                let req = match cookie {
                    Some(c) => req.header("cookie", c),
                    None => req,
                };
                let slot = match req.send().await {
                    Ok(r) => match r.status().as_u16() {
                        200..=299 => 0,
                        300..=399 => 1,
                        400..=499 => 2,
                        _ => 3,
                    },
                    Err(e) if e.is_timeout() => 4,
                    Err(_) => 5,
                };
                counts[slot].fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let c: Vec<u64> = counts.iter().map(|a| a.load(Ordering::Relaxed)).collect();
    let total: u64 = c.iter().sum();
    println!(
        "requests={total} 2xx={} 3xx={} 4xx={} 5xx={} timeouts={} errors={} seconds={seconds} workers={workers}",
        c[0], c[1], c[2], c[3], c[4], c[5]
    );
    if c[3] > 0 || c[4] > 0 || c[5] > 0 {
        return Err("5xx responses, timeouts or connection errors".into());
    }
    Ok(())
}
