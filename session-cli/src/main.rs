//! `sessionkit`: decode, verify and sign Flask-compatible session cookies.
//!
//! Exit status: 0 on success, 1 when a cookie does not verify or a session
//! cannot be signed (the reason on stderr), 2 for usage errors.

use std::io::Read as _;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};
use sessionkit::codec::{
    Compression, DateTime, DecodeError, Dict, FLASK_DEFAULT_MAX_AGE, FLASK_SESSION_SALT, SecretKey,
    SecretKeys, SessionCodec, Value,
};

/// Decode, verify and sign Flask session cookies (a flask-unsign for Rust).
///
/// Cookies are byte-compatible with Flask 3.1: itsdangerous signing with
/// HMAC-SHA1, salt `cookie-session`, and Flask's tagged JSON.
#[derive(Debug, Parser)]
#[command(name = "sessionkit", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print a new random secret key (from the operating system's CSPRNG),
    /// as hex: use it with `--secret-hex`, or in Flask as
    /// `app.secret_key = bytes.fromhex("...")`.
    Keygen {
        /// Key length in bytes (at least 32).
        #[arg(long, default_value_t = 32, value_name = "N")]
        bytes: usize,
    },
    /// Show a cookie's payload and timestamp WITHOUT checking the signature
    /// (no key needed; the output is marked UNVERIFIED).
    Decode {
        /// The cookie value (`payload.timestamp.signature`), or `-` to read it
        /// from stdin.
        cookie: String,
    },
    /// Verify a cookie and print its session as the JSON Flask would write
    /// for it. Exit 1 with the reason on stderr if it does not verify.
    Verify {
        #[command(flatten)]
        keys: KeyArgs,
        /// The itsdangerous salt.
        #[arg(long, default_value = FLASK_SESSION_SALT, value_name = "S")]
        salt: String,
        /// Maximum signature age in seconds (Flask's
        /// PERMANENT_SESSION_LIFETIME; default 31 days).
        #[arg(long, value_name = "SECS", conflicts_with = "no_max_age")]
        max_age: Option<u64>,
        /// Do not check the signature's age at all.
        #[arg(long)]
        no_max_age: bool,
        /// The current time as Unix seconds (default: the system clock).
        #[arg(long, value_name = "UNIX")]
        now: Option<u64>,
        /// The cookie value, or `-` to read it from stdin.
        cookie: String,
    },
    /// Sign a session given as tagged JSON (any valid spelling) and print the
    /// cookie value Flask would write for it.
    Sign {
        /// The key that signs. (Fallback keys only verify, so `sign` takes
        /// none: `--fallback` is refused.)
        #[command(flatten)]
        secret: SecretArg,
        /// The itsdangerous salt.
        #[arg(long, default_value = FLASK_SESSION_SALT, value_name = "S")]
        salt: String,
        /// The signing time as Unix seconds (default: the system clock).
        #[arg(long, value_name = "UNIX")]
        timestamp: Option<u64>,
        /// `auto` compresses with zlib when that saves 2 bytes, as Flask
        /// does; `never` matches an app built with
        /// `#[session(compression = never)]`; `above:N` uses Flask's rule
        /// only for JSON longer than N bytes, as
        /// `#[session(compression = "above:N")]` does.
        #[arg(long, default_value = "auto", value_name = "auto|never|above:N")]
        compression: Compression,
        /// Write non-ASCII characters as UTF-8 instead of `\uXXXX` escapes,
        /// as an app with `app.json.ensure_ascii = False` (before Flask 2.3:
        /// `JSON_AS_ASCII = False`) or `#[session(ensure_ascii = false)]`
        /// does.
        #[arg(long)]
        no_ensure_ascii: bool,
        /// The session as Flask's tagged JSON, e.g. '{"user":"ada"}', or `-`
        /// (the default) to read it from stdin.
        #[arg(default_value = "-")]
        json: String,
    },
}

#[derive(Debug, Args)]
#[group(id = "secret_key", required = true, multiple = false)]
struct SecretArg {
    /// The secret key as text (its UTF-8 bytes, like Flask's SECRET_KEY).
    #[arg(long, value_name = "TEXT", group = "secret_key")]
    secret: Option<String>,
    /// The secret key as hexadecimal bytes.
    #[arg(long, value_name = "HEX", group = "secret_key")]
    secret_hex: Option<String>,
    /// The name of an environment variable holding the secret key as text.
    #[arg(long, value_name = "VAR", group = "secret_key")]
    secret_env: Option<String>,
}

#[derive(Debug, Args)]
struct KeyArgs {
    #[command(flatten)]
    secret: SecretArg,
    /// An older key that still verifies (Flask's SECRET_KEY_FALLBACKS), as
    /// text. Repeatable.
    #[arg(long, value_name = "TEXT")]
    fallback: Vec<String>,
    /// An older key that still verifies, as hex. Repeatable.
    #[arg(long, value_name = "HEX")]
    fallback_hex: Vec<String>,
}

/// A failure and the exit status it maps to.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
    fn rejected(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

fn bad(what: &str, e: &dyn std::fmt::Display) -> Failure {
    Failure::usage(format!("invalid {what}: {e}"))
}

impl SecretArg {
    fn key(&self) -> Result<SecretKey, Failure> {
        let s = self;
        Ok(match (&s.secret, &s.secret_hex, &s.secret_env) {
            (Some(text), _, _) => SecretKey::from_text(text).map_err(|e| bad("--secret", &e))?,
            (_, Some(hex), _) => SecretKey::from_hex(hex).map_err(|e| bad("--secret-hex", &e))?,
            (_, _, Some(var)) => {
                let text = std::env::var(var)
                    .map_err(|e| Failure::usage(format!("invalid --secret-env: ${var}: {e}")))?;
                SecretKey::from_text(&text).map_err(|e| bad("--secret-env", &e))?
            }
            _ => return Err(Failure::usage("a secret key is required")),
        })
    }
}

impl KeyArgs {
    fn keys(&self) -> Result<SecretKeys, Failure> {
        let mut keys = SecretKeys::new(self.secret.key()?);
        for f in &self.fallback {
            keys = keys.with_fallback(SecretKey::from_text(f).map_err(|e| bad("--fallback", &e))?);
        }
        for f in &self.fallback_hex {
            keys =
                keys.with_fallback(SecretKey::from_hex(f).map_err(|e| bad("--fallback-hex", &e))?);
        }
        Ok(keys)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The argument, or stdin for `-`.
fn input(arg: &str, what: &str) -> Result<String, Failure> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut buf = String::new();
    std::io::stdin()
        .read_to_string(&mut buf)
        .map_err(|e| Failure::usage(format!("cannot read the {what} from stdin: {e}")))?;
    Ok(buf)
}

/// Why `decode` cannot read a cookie, in words that fit a command that
/// checks no signature: the codec's messages speak of signatures ("bad
/// signature: …", "validly signed payload …"), which `decode` never checks.
fn unverified_reason(e: &DecodeError) -> String {
    match e {
        DecodeError::Empty => "the cookie value is empty".into(),
        DecodeError::NoSeparator => {
            "no '.' found: not in the payload.timestamp.signature form".into()
        }
        DecodeError::TimestampMissing => {
            "only one '.': the payload.timestamp.signature form has two".into()
        }
        DecodeError::MalformedTimestamp => "the timestamp part is not base64".into(),
        DecodeError::Payload(p) => format!("the payload cannot be decoded: {p}"),
        DecodeError::NotAMapping(kind) => {
            format!("the payload is a {kind}, not a session dict")
        }
        other => format!("the cookie cannot be read ({other:?})"),
    }
}

fn describe_time(ts: u64) -> String {
    match i64::try_from(ts).ok().and_then(DateTime::from_unix) {
        Some(d) => format!("{ts} ({d})"),
        None => format!("{ts} (out of datetime range)"),
    }
}

fn run(cli: Cli) -> Result<String, Failure> {
    match cli.command {
        Command::Keygen { bytes } => {
            if bytes < 32 {
                return Err(Failure::usage(
                    "keys shorter than 32 bytes are too weak; use --bytes 32 or more",
                ));
            }
            let key = SecretKey::generate(bytes).map_err(|e| Failure::rejected(e.to_string()))?;
            Ok(format!("{}\n", key.to_hex()))
        }
        Command::Decode { cookie } => {
            let cookie = input(&cookie, "cookie")?;
            let u = SessionCodec::decode_unverified(cookie.trim()).map_err(|e| {
                Failure::rejected(format!(
                    "cannot decode the cookie: {}",
                    unverified_reason(&e)
                ))
            })?;
            let payload = match &u.value {
                Ok(v) => v.to_flask_json().unwrap_or_else(|_| u.json.clone()),
                Err(_) => u.json.clone(),
            };
            let mut out = String::from("UNVERIFIED: the signature was not checked\n");
            out.push_str(&format!("payload: {payload}\n"));
            if let Err(e) = &u.value {
                out.push_str(&format!("payload error: {e}\n"));
            }
            out.push_str(&format!(
                "timestamp: {}\n",
                u.timestamp
                    .map_or_else(|| "malformed".to_owned(), describe_time)
            ));
            out.push_str(&format!(
                "compressed: {}\n",
                if u.compressed { "yes" } else { "no" }
            ));
            Ok(out)
        }
        Command::Verify {
            keys,
            salt,
            max_age,
            no_max_age,
            now: at,
            cookie,
        } => {
            let codec = SessionCodec::builder(keys.keys()?).salt(salt).build();
            let cookie = input(&cookie, "cookie")?;
            let max_age = if no_max_age {
                None
            } else {
                Some(max_age.unwrap_or(FLASK_DEFAULT_MAX_AGE))
            };
            let opened = codec
                .loads_session(cookie.trim(), at.unwrap_or_else(now), max_age)
                .map_err(|e| Failure::rejected(e.to_string()))?;
            let json = Value::Dict(opened.value)
                .to_flask_json()
                .map_err(|e| Failure::rejected(e.to_string()))?;
            Ok(format!("{json}\n"))
        }
        Command::Sign {
            secret,
            salt,
            timestamp,
            compression,
            no_ensure_ascii,
            json,
        } => {
            let codec = SessionCodec::builder(SecretKeys::new(secret.key()?))
                .salt(salt)
                .compression(compression)
                .ensure_ascii(!no_ensure_ascii)
                .build();
            let text = input(&json, "JSON")?;
            let value = codec
                .parse_json(&text)
                .map_err(|e| Failure::rejected(format!("invalid session JSON: {e}")))?;
            let session = match value {
                Value::Dict(d) => d,
                Value::Null => Dict::new(),
                other => {
                    return Err(Failure::rejected(format!(
                        "a session must be a JSON object, not a {}",
                        other.kind()
                    )));
                }
            };
            let cookie = codec
                .dumps_session(&session, timestamp.unwrap_or_else(now))
                .map_err(|e| Failure::rejected(e.to_string()))?;
            Ok(format!("{cookie}\n"))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
