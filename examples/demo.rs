//! The sessionkit demo.
//!
//! For now it walks through the Flask-compatible codec: it signs a session
//! exactly as Flask would, opens it again, and shows what happens to a
//! tampered and an expired cookie. (The web demo arrives with the axum
//! adapter.)
//!
//! ```text
//! cargo run --example demo
//! SECRET_KEY=my-flask-secret cargo run --example demo
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use sessionkit::codec::{Dict, FLASK_DEFAULT_MAX_AGE, SecretKey, SessionCodec, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = match std::env::var("SECRET_KEY") {
        Ok(k) if !k.is_empty() => k,
        _ => {
            let k = SecretKey::generate(32)?.to_hex();
            eprintln!("!! SECRET_KEY is not set: using a random key for this run: {k}");
            eprintln!("!! Cookies signed now will not verify after a restart.\n");
            k
        }
    };
    let codec = SessionCodec::flask(SecretKey::from_text(&secret)?);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();

    // A session as Flask-Login and flash() would leave it.
    let mut session = Dict::new();
    session.insert("_user_id", "42");
    session.insert("_fresh", true);
    session.insert(
        "_flashes",
        Value::List(vec![Value::Tuple(vec![
            "message".into(),
            "Welcome back!".into(),
        ])]),
    );
    session.insert("visits", 3);
    session.insert("_permanent", true);

    let cookie = codec.dumps_session(&session, now)?;
    println!(
        "session JSON (Flask's dialect): {}",
        Value::Dict(session.clone())
    );
    println!("cookie:  session={cookie}\n");

    let opened = codec.loads_session(&cookie, now, Some(FLASK_DEFAULT_MAX_AGE))?;
    println!(
        "opened:  {} (signed at {})",
        Value::Dict(opened.value),
        opened.timestamp
    );

    let mut tampered = cookie.clone().into_bytes();
    if let Some(b) = tampered.first_mut() {
        *b = if *b == b'e' { b'f' } else { b'e' };
    }
    let tampered = String::from_utf8(tampered)?;
    match codec.loads_session(&tampered, now, Some(FLASK_DEFAULT_MAX_AGE)) {
        Ok(_) => println!("tampered: accepted (this must not happen)"),
        Err(e) => println!("tampered: rejected -> {e}"),
    }
    match codec.loads_session(
        &cookie,
        now + FLASK_DEFAULT_MAX_AGE + 1,
        Some(FLASK_DEFAULT_MAX_AGE),
    ) {
        Ok(_) => println!("expired:  accepted (this must not happen)"),
        Err(e) => println!("expired:  rejected -> {e}"),
    }

    println!("\nCheck it with the CLI (or give the same SECRET_KEY to a Flask app):");
    println!(
        "  SECRET_KEY='{secret}' cargo run -q -p session-cli -- verify --secret-env SECRET_KEY {cookie}"
    );
    Ok(())
}
