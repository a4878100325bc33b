//! [`SessionCodec`]: itsdangerous' `URLSafeTimedSerializer` as Flask
//! configures it — the signed cookie `payload.timestamp.signature`.

use super::signer::Signer;
use super::*;

/// A decoded value with its signing time.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{Dict, SecretKey, SessionCodec, Signed};
///
/// let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
/// let mut session = Dict::new();
/// session.insert("n", 1);
/// let cookie = codec.dumps_session(&session, 1_700_000_000)?;
///
/// let Signed { value, timestamp } = codec.loads_session(&cookie, 1_700_000_050, None)?;
/// assert_eq!(value, session);
/// assert_eq!(timestamp, 1_700_000_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Signed<T> {
    /// The value.
    pub value: T,
    /// The signing time, Unix seconds.
    pub timestamp: u64,
}

/// What [`SessionCodec::decode_unverified`] can read from a cookie without a
/// key.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{Dict, SecretKey, SessionCodec, Value};
///
/// let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
/// let mut session = Dict::new();
/// session.insert("user", "ada");
/// let cookie = codec.dumps_session(&session, 1_700_000_000)?;
///
/// // No key needed, and nothing is trusted.
/// let seen = SessionCodec::decode_unverified(&cookie)?;
/// assert_eq!(seen.json, r#"{"user":"ada"}"#);
/// assert_eq!(seen.value, Ok(Value::Dict(session)));
/// assert_eq!(seen.timestamp, Some(1_700_000_000));
/// assert!(!seen.compressed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Unverified {
    /// The JSON text (decompressed if needed), lossily as UTF-8.
    pub json: String,
    /// The payload parsed as tagged JSON, if it parses.
    pub value: Result<Value, PayloadError>,
    /// The signing time, if the timestamp part decodes.
    pub timestamp: Option<u64>,
    /// Whether the payload was compressed.
    pub compressed: bool,
}

/// The signing and serialisation settings of a [`SessionCodec`].
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{Compression, Dict, SecretKey, SessionCodec};
///
/// let codec = SessionCodec::builder(SecretKey::from_text("dev-key")?)
///     .salt("my-app-cookies")
///     .compression(Compression::Never)
///     .max_payload(8 * 1024)
///     .build();
/// let mut session = Dict::new();
/// session.insert("text", "a".repeat(200));
/// let cookie = codec.dumps_session(&session, 1_700_000_000)?;
/// assert!(!cookie.starts_with('.'), "never compressed");
/// assert_eq!(codec.loads_session(&cookie, 1_700_000_000, None)?.value, session);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct CodecBuilder {
    keys: SecretKeys,
    salt: Vec<u8>,
    derivation: KeyDerivation,
    compression: Compression,
    ensure_ascii: bool,
    max_payload: usize,
    max_depth: usize,
}

impl CodecBuilder {
    /// The salt (default `cookie-session`, Flask's). Other itsdangerous users
    /// pick their own.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, Dict, SecretKey, SessionCodec};
    ///
    /// let key = SecretKey::from_text("dev-key")?;
    /// let other = SessionCodec::builder(key.clone()).salt("itsdangerous").build();
    /// let cookie = other.dumps_session(&Dict::new(), 1_700_000_000)?;
    ///
    /// // Same key, different salt: a different derived key.
    /// let flask = SessionCodec::flask(key);
    /// assert_eq!(
    ///     flask.loads_session(&cookie, 1_700_000_000, None),
    ///     Err(DecodeError::SignatureMismatch)
    /// );
    /// assert!(other.loads_session(&cookie, 1_700_000_000, None).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn salt(mut self, salt: impl Into<Vec<u8>>) -> Self {
        self.salt = salt.into();
        self
    }

    /// The key derivation (default [`KeyDerivation::Hmac`], Flask's).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, KeyDerivation, SecretKey, SessionCodec};
    ///
    /// let key = SecretKey::from_text("dev-key")?;
    /// let concat = SessionCodec::builder(key.clone())
    ///     .key_derivation(KeyDerivation::Concat)
    ///     .build();
    /// let cookie = concat.dumps_session(&Dict::new(), 1_700_000_000)?;
    /// assert!(concat.loads_session(&cookie, 1_700_000_000, None).is_ok());
    /// // Flask's codec derives its key by HMAC, so it rejects this cookie.
    /// assert!(SessionCodec::flask(key).loads_session(&cookie, 1_700_000_000, None).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_derivation(mut self, d: KeyDerivation) -> Self {
        self.derivation = d;
        self
    }

    /// Whether to compress (default [`Compression::Auto`], Flask's).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Compression, Dict, SecretKey, SessionCodec};
    ///
    /// let key = SecretKey::from_text("dev-key")?;
    /// let mut session = Dict::new();
    /// session.insert("text", "ab".repeat(100)); // compresses well
    /// let flask = SessionCodec::flask(key.clone()).dumps_session(&session, 0)?;
    /// let never = SessionCodec::builder(key)
    ///     .compression(Compression::Never)
    ///     .build()
    ///     .dumps_session(&session, 0)?;
    /// assert!(flask.starts_with('.')); // zlib-compressed payload
    /// assert!(!never.starts_with('.'));
    /// assert!(never.len() > flask.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compression(mut self, c: Compression) -> Self {
        self.compression = c;
        self
    }

    /// Whether the JSON is written with every non-ASCII character escaped
    /// (default `true`, Flask's): `false` writes it as UTF-8, as Flask does
    /// for an app with `app.json.ensure_ascii = False` (before Flask 2.3:
    /// `JSON_AS_ASCII = False`). Reading accepts both forms either way.
    /// [`SessionCodec::sign_json`] signs its text as given.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, SecretKey, SessionCodec};
    ///
    /// let key = SecretKey::from_text("k")?;
    /// let mut session = Dict::new();
    /// session.insert("user", "ü");
    /// let utf8 = SessionCodec::builder(key.clone()).ensure_ascii(false).build();
    /// let cookie = utf8.dumps_session(&session, 1_764_000_000)?;
    /// // What Flask writes with `app.json.ensure_ascii = False`.
    /// assert_eq!(cookie, "eyJ1c2VyIjoiw7wifQ.aSSBAA.QDlc1PKduNYdkLPgn356Ic0Yveo");
    /// // Flask's default escapes it: `{"user":"\u00fc"}`.
    /// let ascii = SessionCodec::flask(key).dumps_session(&session, 1_764_000_000)?;
    /// assert_ne!(ascii, cookie);
    /// assert_eq!(utf8.loads_session(&ascii, 1_764_000_000, None)?.value, session);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ensure_ascii(mut self, ensure_ascii: bool) -> Self {
        self.ensure_ascii = ensure_ascii;
        self
    }

    /// The largest decoded payload accepted, in bytes (default 64 KiB).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, Dict, PayloadError, SecretKey, SessionCodec};
    ///
    /// let key = SecretKey::from_text("dev-key")?;
    /// let mut session = Dict::new();
    /// session.insert("text", "x".repeat(2_000));
    /// let cookie = SessionCodec::flask(key.clone()).dumps_session(&session, 0)?;
    ///
    /// let strict = SessionCodec::builder(key).max_payload(1_024).build();
    /// assert!(matches!(
    ///     strict.loads_session(&cookie, 0, None),
    ///     Err(DecodeError::Payload(PayloadError::TooLarge { .. }))
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_payload(mut self, bytes: usize) -> Self {
        self.max_payload = bytes;
        self
    }

    /// The deepest JSON nesting accepted and written (default 512). Text is
    /// read to at most 1 024 levels whatever this says: dropping and
    /// writing a value recurse, and deeper values could exhaust a worker
    /// thread's stack.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{EncodeError, SecretKey, SessionCodec, Value};
    ///
    /// let codec = SessionCodec::builder(SecretKey::from_text("dev-key")?)
    ///     .max_depth(3)
    ///     .build();
    /// let mut nested = Value::List(vec![]);
    /// for _ in 0..5 {
    ///     nested = Value::List(vec![nested]);
    /// }
    /// assert!(matches!(codec.dumps(&nested, 0), Err(EncodeError::TooDeep(_))));
    /// assert!(codec.parse_json("[[[[[]]]]]").is_err());
    /// assert!(codec.parse_json("[[[]]]").is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// Derives the keys and builds the codec.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, SecretKey, SessionCodec};
    ///
    /// let built = SessionCodec::builder(SecretKey::from_text("dev-key")?).build();
    /// // With no setting changed, the builder's codec is Flask's.
    /// let flask = SessionCodec::flask(SecretKey::from_text("dev-key")?);
    /// assert_eq!(
    ///     built.dumps_session(&Dict::new(), 1_700_000_000)?,
    ///     flask.dumps_session(&Dict::new(), 1_700_000_000)?
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(self) -> SessionCodec {
        SessionCodec {
            signer: Signer::new(&self.keys, &self.salt, self.derivation),
            compression: self.compression,
            ensure_ascii: self.ensure_ascii,
            max_payload: self.max_payload,
            max_depth: self.max_depth,
        }
    }
}

/// Signs and opens cookies in Flask's format. Cheap to clone; keys are
/// derived once, in [`CodecBuilder::build`].
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{SecretKey, SecretKeys, SessionCodec};
///
/// // Sign with the new key; still open cookies signed with the old one
/// // (Flask's `SECRET_KEY_FALLBACKS`).
/// let old = SessionCodec::flask(SecretKey::from_text("old-key")?);
/// let cookie = old.dumps_session(&Default::default(), 1_700_000_000)?;
///
/// let keys = SecretKeys::new(SecretKey::from_text("new-key")?)
///     .with_fallback(SecretKey::from_text("old-key")?);
/// let codec = SessionCodec::flask(keys);
/// assert!(codec.loads_session(&cookie, 1_700_000_000, None).is_ok());
/// assert_ne!(codec.dumps_session(&Default::default(), 1_700_000_000)?, cookie);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionCodec {
    signer: Signer,
    compression: Compression,
    ensure_ascii: bool,
    max_payload: usize,
    max_depth: usize,
}

/// Splits at the last `.`.
fn rsplit_dot(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = s.iter().rposition(|&b| b == b'.')?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

fn decode_timestamp(ts: &[u8]) -> Option<u64> {
    let be = |bytes: &[u8]| bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    // Canonical base64 of at most 8 bytes decodes on the stack; anything
    // else takes itsdangerous' lenient path.
    let mut buf = [0u8; 12];
    if let Some(n) = b64::decode_url_into(ts, &mut buf).filter(|&n| n <= 8) {
        return Some(be(&buf[..n]));
    }
    let bytes = b64::decode_itsdangerous(ts).ok()?;
    if bytes.len() > 8 {
        return None;
    }
    Some(be(&bytes))
}

fn encode_timestamp(ts: u64, out: &mut String) {
    let bytes = ts.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    b64::encode_url(bytes.get(skip..).unwrap_or_default(), out);
}

impl SessionCodec {
    /// A builder with Flask's settings and the given keys.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{SecretKey, SessionCodec};
    ///
    /// let codec = SessionCodec::builder(SecretKey::from_text("dev-key")?)
    ///     .salt("cookie-session") // Flask's salt, the default
    ///     .build();
    /// assert!(codec.loads_session(&codec.dumps_session(&Default::default(), 5)?, 5, None).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(keys: impl Into<SecretKeys>) -> CodecBuilder {
        CodecBuilder {
            keys: keys.into(),
            salt: FLASK_SESSION_SALT.as_bytes().to_vec(),
            derivation: KeyDerivation::Hmac,
            compression: Compression::Auto,
            ensure_ascii: true,
            max_payload: DEFAULT_MAX_PAYLOAD,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// A codec exactly as Flask signs sessions.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, SecretKey, SessionCodec};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
    /// let mut session = Dict::new();
    /// session.insert("user", "ada");
    /// session.insert("n", 1);
    /// // The cookie Flask writes for `{"n": 1, "user": "ada"}` at this time.
    /// assert_eq!(
    ///     codec.dumps_session(&session, 1_700_000_000)?,
    ///     "eyJuIjoxLCJ1c2VyIjoiYWRhIn0.ZVPxAA.mf0bc39ibTxY3NxcJRC7kyBNw14"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn flask(keys: impl Into<SecretKeys>) -> SessionCodec {
        Self::builder(keys).build()
    }

    /// Signs already-serialised JSON text, compressing it by itsdangerous'
    /// rule. `json` must be what the payload should decode to.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, SecretKey, SessionCodec};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
    /// let mut session = Dict::new();
    /// session.insert("user", "ada");
    /// session.insert("n", 1);
    /// // Already Flask's JSON text: the same cookie as `dumps_session`.
    /// assert_eq!(
    ///     codec.sign_json(br#"{"n":1,"user":"ada"}"#, 1_700_000_000),
    ///     codec.dumps_session(&session, 1_700_000_000)?
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_json(&self, json: &[u8], timestamp: u64) -> String {
        let mut out = String::with_capacity(json.len() * 4 / 3 + 48);
        self.sign_json_into(json, timestamp, &mut out);
        out
    }

    /// [`SessionCodec::sign_json`], appended to `out` (a `Set-Cookie` line
    /// being built, for instance).
    pub(crate) fn sign_json_into(&self, json: &[u8], timestamp: u64, out: &mut String) {
        let start = out.len();
        let compressed = self.compression.attempts(json.len())
            && compress::with_smaller(json, |z| {
                z.map(|z| {
                    out.push('.');
                    b64::encode_url(z, out);
                })
                .is_some()
            });
        if !compressed {
            b64::encode_url(json, out);
        }
        out.push('.');
        encode_timestamp(timestamp, out);
        self.signer.append_signature(out, start);
    }

    /// Signs any value (Flask's `serializer.dumps`). Sessions are dicts: see
    /// [`SessionCodec::dumps_session`].
    ///
    /// # Errors
    ///
    /// [`EncodeError`] if the value cannot be written as Flask's JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{SecretKey, SessionCodec, Value};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
    /// let value = Value::List(vec![Value::from(1), Value::from("two")]);
    /// let cookie = codec.dumps(&value, 1_700_000_000)?;
    /// assert_eq!(codec.loads(&cookie, 1_700_000_000, None)?.value, value);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dumps(&self, value: &Value, timestamp: u64) -> Result<String, EncodeError> {
        let mut json = Vec::with_capacity(128);
        json::write::write_tagged(&mut json, value, self.max_depth)?;
        self.finish_json(&mut json)?;
        Ok(self.sign_json(&json, timestamp))
    }

    /// Signs a session dict: the exact cookie value Flask writes for it at
    /// `timestamp`.
    ///
    /// # Errors
    ///
    /// [`EncodeError`] if a value cannot be written as Flask's JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, SecretKey, SessionCodec, Value};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
    /// let mut session = Dict::new();
    /// session.insert("cart", Value::List(vec![Value::from(1), Value::from(2)]));
    /// let cookie = codec.dumps_session(&session, 1_700_000_000)?;
    /// // payload.timestamp.signature
    /// assert_eq!(cookie.split('.').count(), 3);
    /// assert_eq!(codec.loads_session(&cookie, 1_700_000_000, None)?.value, session);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dumps_session(&self, session: &Dict, timestamp: u64) -> Result<String, EncodeError> {
        let mut json = Vec::with_capacity(128);
        write_session_json(&mut json, session, self.max_depth)?;
        self.finish_json(&mut json)?;
        Ok(self.sign_json(&json, timestamp))
    }

    /// Turns JSON this crate wrote (escaped to ASCII) into the form this
    /// codec signs: unchanged, or with `ensure_ascii` off, UTF-8.
    pub(crate) fn finish_json(&self, json: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.ensure_ascii {
            Ok(())
        } else {
            json::write::escapes_to_utf8(json)
        }
    }

    /// Verifies the signature and age and returns the payload's JSON bytes
    /// (decompressed) with the signing time. `max_age: None` skips the age
    /// checks (itsdangerous' `max_age=None`).
    ///
    /// # Errors
    ///
    /// See [`DecodeError`]; the order of checks is itsdangerous'.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, SecretKey, SessionCodec};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
    /// let cookie = codec.sign_json(br#"{"n":1}"#, 1_000);
    /// assert_eq!(codec.unsign(&cookie, 1_010, Some(60))?.value, br#"{"n":1}"#);
    /// // Older than `max_age`, or signed in the future: typed errors.
    /// assert!(matches!(codec.unsign(&cookie, 1_061, Some(60)), Err(DecodeError::Expired { .. })));
    /// assert!(matches!(
    ///     codec.unsign(&cookie, 990, Some(60)),
    ///     Err(DecodeError::FutureTimestamp { .. })
    /// ));
    /// // No age check at all.
    /// assert!(codec.unsign(&cookie, 1_000_000, None).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unsign(
        &self,
        cookie: impl AsRef<[u8]>,
        now: u64,
        max_age: Option<u64>,
    ) -> Result<Signed<Vec<u8>>, DecodeError> {
        let (payload, timestamp) = self.verify(cookie.as_ref(), now, max_age)?;
        let json = decode_payload(payload, self.max_payload)?;
        Ok(Signed {
            value: json,
            timestamp,
        })
    }

    /// [`SessionCodec::unsign`], lending the payload (from a per-thread
    /// buffer) and the signing time to `f` instead of returning them.
    pub(crate) fn unsign_with<R>(
        &self,
        cookie: &[u8],
        now: u64,
        max_age: Option<u64>,
        f: impl FnOnce(&[u8], u64) -> R,
    ) -> Result<R, DecodeError> {
        let (payload, timestamp) = self.verify(cookie, now, max_age)?;
        Ok(decode_payload_with(payload, self.max_payload, |json| {
            f(json, timestamp)
        })?)
    }

    /// The signature, timestamp and age checks, in itsdangerous' order:
    /// the payload part and the signing time.
    fn verify<'c>(
        &self,
        cookie: &'c [u8],
        now: u64,
        max_age: Option<u64>,
    ) -> Result<(&'c [u8], u64), DecodeError> {
        if cookie.is_empty() {
            return Err(DecodeError::Empty);
        }
        let (signed_text, sig) = rsplit_dot(cookie).ok_or(DecodeError::NoSeparator)?;
        if !self.signer.verify(signed_text, sig) {
            return Err(DecodeError::SignatureMismatch);
        }
        let (payload, ts) = rsplit_dot(signed_text).ok_or(DecodeError::TimestampMissing)?;
        let signed_at = decode_timestamp(ts).ok_or(DecodeError::MalformedTimestamp)?;
        check_age(signed_at, now, max_age)?;
        Ok((payload, signed_at))
    }

    /// Verifies and decodes any value (Flask's `serializer.loads`).
    ///
    /// # Errors
    ///
    /// See [`DecodeError`].
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, SecretKey, SessionCodec, Value};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
    /// let cookie = codec.sign_json(br#"{" t":[1,2]}"#, 1_000); // a tagged tuple
    /// let opened = codec.loads(&cookie, 1_000, None)?;
    /// assert_eq!(opened.value, Value::Tuple(vec![Value::from(1), Value::from(2)]));
    ///
    /// let tampered = cookie.replacen('.', "x.", 1);
    /// assert_eq!(codec.loads(&tampered, 1_000, None), Err(DecodeError::SignatureMismatch));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn loads(
        &self,
        cookie: impl AsRef<[u8]>,
        now: u64,
        max_age: Option<u64>,
    ) -> Result<Signed<Value>, DecodeError> {
        let Signed {
            value: json,
            timestamp,
        } = self.unsign(cookie, now, max_age)?;
        let value = json::parse_json_bytes(&json, self.max_depth)?;
        Ok(Signed { value, timestamp })
    }

    /// Verifies and decodes a session: a dict, with JSON `null` read as an
    /// empty session (as Flask does).
    ///
    /// # Errors
    ///
    /// See [`DecodeError`]; a payload that is neither a dict nor `null` is
    /// [`DecodeError::NotAMapping`].
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, SecretKey, SessionCodec};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
    /// // JSON `null` is an empty session, as in Flask.
    /// let null = codec.sign_json(b"null", 1_000);
    /// assert!(codec.loads_session(&null, 1_000, None)?.value.is_empty());
    /// // Any other non-dict is an error.
    /// let list = codec.sign_json(b"[1]", 1_000);
    /// assert_eq!(
    ///     codec.loads_session(&list, 1_000, None),
    ///     Err(DecodeError::NotAMapping("list"))
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn loads_session(
        &self,
        cookie: impl AsRef<[u8]>,
        now: u64,
        max_age: Option<u64>,
    ) -> Result<Signed<Dict>, DecodeError> {
        let Signed {
            value: json,
            timestamp,
        } = self.unsign(cookie, now, max_age)?;
        Ok(Signed {
            value: parse_session_json(&json, self.max_depth)?,
            timestamp,
        })
    }

    /// Parses Flask's tagged JSON text (any valid spelling) into a value,
    /// with this codec's depth limit.
    ///
    /// # Errors
    ///
    /// [`PayloadError`] for invalid JSON or a tag that does not convert.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, SecretKey, SessionCodec, Value};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
    /// // Any spelling: whitespace, key order, escapes.
    /// let value = codec.parse_json(r#"{ "b" : 1, "a": "\u00fc" }"#)?;
    /// let mut expected = Dict::new();
    /// expected.insert("a", "ü");
    /// expected.insert("b", 1);
    /// assert_eq!(value, Value::Dict(expected));
    /// assert!(codec.parse_json("{").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_json(&self, text: &str) -> Result<Value, PayloadError> {
        json::read::parse_tagged(text, self.max_depth)
    }

    /// Reads a cookie's payload and timestamp **without checking the
    /// signature**: for inspection only, never for trust.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Empty`], [`DecodeError::NoSeparator`] or
    /// [`DecodeError::TimestampMissing`] when the cookie has too few parts,
    /// [`DecodeError::Payload`] when the payload is not decodable.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, SecretKey, SessionCodec};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
    /// let cookie = codec.sign_json(br#"{"user":"ada"}"#, 1_700_000_000);
    /// let seen = SessionCodec::decode_unverified(&cookie)?;
    /// assert_eq!(seen.json, r#"{"user":"ada"}"#);
    /// assert_eq!(seen.timestamp, Some(1_700_000_000));
    /// // Too few parts to be a cookie.
    /// assert_eq!(
    ///     SessionCodec::decode_unverified("no-dots").unwrap_err(),
    ///     DecodeError::NoSeparator
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_unverified(cookie: impl AsRef<[u8]>) -> Result<Unverified, DecodeError> {
        let cookie = cookie.as_ref();
        if cookie.is_empty() {
            return Err(DecodeError::Empty);
        }
        let (signed_text, _sig) = rsplit_dot(cookie).ok_or(DecodeError::NoSeparator)?;
        let (payload, ts) = rsplit_dot(signed_text).ok_or(DecodeError::TimestampMissing)?;
        let json = decode_payload(payload, DEFAULT_MAX_PAYLOAD)?;
        let value = std::str::from_utf8(&json)
            .map_err(|_| PayloadError::Utf8)
            .and_then(|t| json::read::parse_tagged(t, DEFAULT_MAX_DEPTH));
        Ok(Unverified {
            json: String::from_utf8_lossy(&json).into_owned(),
            value,
            timestamp: decode_timestamp(ts),
            compressed: payload.first() == Some(&b'.'),
        })
    }
}

/// itsdangerous' age rule: `age > max_age` is expired, `age < 0` is in the
/// future, `age == max_age` is still valid.
pub(crate) fn check_age(signed_at: u64, now: u64, max_age: Option<u64>) -> Result<(), DecodeError> {
    let Some(max_age) = max_age else {
        return Ok(());
    };
    let age = i128::from(now) - i128::from(signed_at);
    if age > i128::from(max_age) {
        return Err(DecodeError::Expired {
            age: u64::try_from(age).unwrap_or(u64::MAX),
            max_age,
            signed_at,
        });
    }
    if age < 0 {
        return Err(DecodeError::FutureTimestamp {
            signed_at,
            ahead: u64::try_from(-age).unwrap_or(u64::MAX),
        });
    }
    Ok(())
}

/// [`decode_payload`], lending the result to `f`: a canonical payload (the
/// usual case) is base64-decoded, and inflated if compressed, into
/// per-thread buffers; anything else takes [`decode_payload`], which also
/// gives the exact error.
fn decode_payload_with<R>(
    payload: &[u8],
    max_payload: usize,
    f: impl FnOnce(&[u8]) -> R,
) -> Result<R, PayloadError> {
    thread_local! {
        static RAW: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        static INFLATED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let (compressed, data) = match payload.split_first() {
        Some((b'.', rest)) => (true, rest),
        _ => (false, payload),
    };
    if !compressed && data.len() / 4 * 3 > max_payload {
        return decode_payload_owned(payload, max_payload).map(|json| f(&json));
    }
    crate::scratch::with_empty(&RAW, |raw| {
        if !b64::decode_url_vec(data, raw) {
            return decode_payload_owned(payload, max_payload).map(|json| f(&json));
        }
        if !compressed {
            return if raw.len() <= max_payload {
                Ok(f(raw))
            } else {
                Err(PayloadError::TooLarge { limit: max_payload })
            };
        }
        crate::scratch::with_empty(&INFLATED, |json| {
            compress::decompress_into(raw, max_payload, json)?;
            Ok(f(json))
        })
    })
}

#[cfg(test)]
thread_local! {
    // How often `decode_payload_with` fell back to `decode_payload` on this
    // thread (tests check that canonical payloads never do).
    static OWNED_FALLBACKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// [`decode_payload`], as [`decode_payload_with`]'s fallback.
fn decode_payload_owned(payload: &[u8], max_payload: usize) -> Result<Vec<u8>, PayloadError> {
    #[cfg(test)]
    OWNED_FALLBACKS.with(|n| n.set(n.get() + 1));
    decode_payload(payload, max_payload)
}

/// Base64-decodes (and decompresses, for a `.` prefix) a payload part.
fn decode_payload(payload: &[u8], max_payload: usize) -> Result<Vec<u8>, PayloadError> {
    let (compressed, data) = match payload.split_first() {
        Some((b'.', rest)) => (true, rest),
        _ => (false, payload),
    };
    if !compressed && data.len() / 4 * 3 > max_payload.saturating_add(3) {
        return Err(PayloadError::TooLarge { limit: max_payload });
    }
    let raw = b64::decode_itsdangerous(data).map_err(|_| PayloadError::Base64)?;
    if compressed {
        compress::decompress(&raw, max_payload)
    } else if raw.len() > max_payload {
        Err(PayloadError::TooLarge { limit: max_payload })
    } else {
        Ok(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::{Just, any};

    proptest::proptest! {
        #![proptest_config(crate::seeded_proptest("lent_payloads_equal_owned_ones"))]

        /// The buffer-reusing payload decoder gives exactly what (and fails
        /// exactly where) the allocating one does: canonical, lenient and
        /// invalid base64, compressed or not, inside and past the limits.
        #[test]
        fn lent_payloads_equal_owned_ones(
            json in proptest::collection::vec(any::<u8>(), 0..300),
            repeat in 1usize..40,
            compressed in any::<bool>(),
            damage in proptest::option::of((any::<usize>(), any::<u8>())),
            max_payload in proptest::prop_oneof![Just(0usize), Just(10), Just(62), Just(64), Just(1000), Just(100_000)],
        ) {
            let data = json.repeat(repeat);
            let mut payload = Vec::new();
            if compressed {
                payload.push(b'.');
                let mut z = Vec::new();
                compress::with_smaller(&data, |s| z = s.map(<[u8]>::to_vec).unwrap_or_default());
                if z.is_empty() {
                    // Not smaller: compress anyway, as a hand-made cookie could.
                    z = zlib_at_level(6, &data);
                }
                let mut text = String::new();
                b64::encode_url(&z, &mut text);
                payload.extend_from_slice(text.as_bytes());
            } else {
                let mut text = String::new();
                b64::encode_url(&data, &mut text);
                payload.extend_from_slice(text.as_bytes());
            }
            if let (Some((at, byte)), false) = (damage, payload.is_empty()) {
                let at = at % payload.len();
                payload[at] = byte;
            }
            let owned = decode_payload(&payload, max_payload);
            let lent = decode_payload_with(&payload, max_payload, <[u8]>::to_vec);
            proptest::prop_assert_eq!(lent, owned);
        }
    }

    fn codec(key: &str) -> SessionCodec {
        SessionCodec::flask(SecretKey::from_text(key).unwrap())
    }

    /// `data` through real zlib at `level`, whatever it saves.
    fn zlib_at_level(level: u32, data: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// Decodes `payload` through the lent path and says whether it fell
    /// back to the allocating decoder.
    fn lent(payload: &[u8], max_payload: usize) -> (Result<Vec<u8>, PayloadError>, bool) {
        let before = OWNED_FALLBACKS.with(std::cell::Cell::get);
        let out = decode_payload_with(payload, max_payload, <[u8]>::to_vec);
        (out, OWNED_FALLBACKS.with(std::cell::Cell::get) != before)
    }

    #[test]
    fn canonical_payloads_are_decoded_in_place() {
        let json =
            br#"{"csrf_token":"0123456789abcdef0123456789abcdef01234567","n":[1,1,1,1,1,1,1]}"#;
        let mut plain = String::new();
        b64::encode_url(json, &mut plain);
        let mut z = Vec::new();
        compress::with_smaller(&json.repeat(4), |s| z = s.unwrap().to_vec());
        let mut compressed = String::from(".");
        b64::encode_url(&z, &mut compressed);
        // Canonical base64, compressed or not: decoded into the per-thread
        // buffers, no fallback, also when the result is too large.
        assert_eq!(lent(plain.as_bytes(), 1000), (Ok(json.to_vec()), false));
        assert_eq!(
            lent(compressed.as_bytes(), 1000),
            (Ok(json.repeat(4)), false)
        );
        let small = z.len() - 1;
        assert_eq!(
            lent(compressed.as_bytes(), small),
            (decode_payload(compressed.as_bytes(), small), false)
        );
        assert!(lent(compressed.as_bytes(), small).0.is_err());
        // Lenient base64 (itsdangerous accepts padding) and uncompressed
        // text far past the limit take the allocating decoder, which gives
        // the exact error.
        let padded = format!("{plain}==");
        assert_eq!(lent(padded.as_bytes(), 1000), (Ok(json.to_vec()), true));
        let half = json.len() / 2;
        assert_eq!(
            lent(plain.as_bytes(), half),
            (Err(PayloadError::TooLarge { limit: half }), true)
        );
    }

    #[test]
    fn payload_limits_hold_on_both_decoders_at_the_boundary() {
        let both = |payload: &[u8], max: usize| {
            let owned = decode_payload(payload, max);
            assert_eq!(lent(payload, max).0, owned, "{max}");
            owned
        };
        let too_large = |max| Err(PayloadError::TooLarge { limit: max });
        for len in 0..40 {
            let json = vec![b'7'; len];
            let mut plain = String::new();
            b64::encode_url(&json, &mut plain);
            // Stored (level 0) zlib: longer than the JSON it holds, as a
            // cookie made by another writer may be.
            let mut stored = String::from(".");
            b64::encode_url(&zlib_at_level(0, &json), &mut stored);
            for max in len.saturating_sub(4)..len + 4 {
                let want = if len <= max {
                    Ok(json.clone())
                } else {
                    too_large(max)
                };
                assert_eq!(both(plain.as_bytes(), max), want, "plain {len} max {max}");
                assert_eq!(both(stored.as_bytes(), max), want, "stored {len} max {max}");
            }
        }
        // Text far too long for the limit is refused for its length before
        // any decoding, valid base64 or not.
        for max in [0, 5, 64] {
            let junk = "!".repeat(max / 3 * 4 + 12);
            assert_eq!(both(junk.as_bytes(), max), too_large(max), "{max}");
        }
    }

    #[test]
    fn unverified_cookies_say_whether_they_are_compressed() {
        let c = codec("k");
        let mut small = Dict::new();
        small.insert("n", 1);
        let mut large = Dict::new();
        large.insert("text", "abc".repeat(100));
        for (dict, compressed) in [(small, false), (large, true)] {
            let cookie = c.dumps_session(&dict, 7).unwrap();
            assert_eq!(cookie.starts_with('.'), compressed);
            let u = SessionCodec::decode_unverified(&cookie).unwrap();
            assert_eq!((u.compressed, u.timestamp), (compressed, Some(7)));
            assert_eq!(u.value.unwrap(), Value::Dict(dict));
        }
    }

    #[test]
    fn timestamps_are_minimal_big_endian() {
        for (ts, want) in [
            (0, ""),
            (1, "AQ"),
            (0xFF_FFFF, "____"),
            ((1 << 32) + 5, "AQAAAAU"),
            (1_700_000_000, "ZVPxAA"),
        ] {
            let mut s = String::new();
            encode_timestamp(ts, &mut s);
            assert_eq!(s, want);
            assert_eq!(decode_timestamp(s.as_bytes()), Some(ts));
        }
        assert_eq!(decode_timestamp(b"AQAAAAAAAAAAAA"), None);
        // itsdangerous' lenient base64 (here: padding) for up to 8 bytes.
        assert_eq!(decode_timestamp(b"AQAAAAAAAAA="), Some(1 << 56));
        assert_eq!(decode_timestamp(b"AQ=="), Some(1));
        assert_eq!(decode_timestamp(b"AQAAAAAAAAAA"), None);
        assert_eq!(decode_timestamp(b"AQAAAAAAAAAA="), None);
    }

    #[test]
    fn check_order_and_boundaries() {
        let c = codec("k");
        let cookie = c.dumps_session(&Dict::new(), 1000).unwrap();
        assert!(c.loads_session(&cookie, 1010, Some(10)).is_ok());
        assert!(matches!(
            c.loads_session(&cookie, 1011, Some(10)),
            Err(DecodeError::Expired {
                age: 11,
                max_age: 10,
                ..
            })
        ));
        assert!(matches!(
            c.loads_session(&cookie, 999, Some(10)),
            Err(DecodeError::FutureTimestamp { ahead: 1, .. })
        ));
        assert!(c.loads_session(&cookie, 0, None).is_ok());
        assert_eq!(c.loads_session("", 0, None), Err(DecodeError::Empty));
        assert_eq!(
            c.loads_session("abc", 0, None),
            Err(DecodeError::NoSeparator)
        );
        assert_eq!(
            c.loads_session("a.b", 0, None),
            Err(DecodeError::SignatureMismatch)
        );
        // An expired cookie under a wrong key is a signature error first.
        assert_eq!(
            codec("other").loads_session(&cookie, 5000, Some(10)),
            Err(DecodeError::SignatureMismatch)
        );
    }

    #[test]
    fn compression_spellings() {
        for (text, want) in [
            ("auto", Compression::Auto),
            ("never", Compression::Never),
            ("above:0", Compression::Above(0)),
            ("above:0256", Compression::Above(256)),
            (
                &format!("above:{}", usize::MAX),
                Compression::Above(usize::MAX),
            ),
        ] {
            assert_eq!(text.parse::<Compression>(), Ok(want), "{text}");
        }
        for c in [Compression::Auto, Compression::Never, Compression::Above(7)] {
            assert_eq!(c.to_string().parse::<Compression>(), Ok(c));
        }
        // Only ASCII digits after `above:`, as the docs say: Rust's integer
        // parser alone would take a sign.
        for text in [
            "",
            "Auto",
            "NEVER",
            "above",
            "above:",
            "above:+5",
            "above:-0",
            "above: 5",
            "above:5 ",
            "above:0x10",
            "above:\u{0665}",
            &format!("above:{}0", usize::MAX),
        ] {
            assert_eq!(
                text.parse::<Compression>(),
                Err(CompressionParseError(text.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn null_and_non_mapping_payloads() {
        let c = codec("k");
        let null = c.sign_json(b"null", 5);
        assert_eq!(c.loads_session(&null, 5, None).unwrap().value, Dict::new());
        let list = c.sign_json(b"[1]", 5);
        assert_eq!(
            c.loads_session(&list, 5, None),
            Err(DecodeError::NotAMapping("list"))
        );
        let garbage = c.sign_json(b"{nope", 5);
        assert!(matches!(
            c.loads_session(&garbage, 5, None),
            Err(DecodeError::Payload(PayloadError::Json(_)))
        ));
    }
}

#[cfg(test)]
mod depth_tests {
    use super::*;

    /// The default depth limit must be safe on Rust's default 2 MiB thread
    /// stack, even unoptimised. (Reading is iterative; writing recurses.)
    #[test]
    fn max_depth_fits_a_small_stack() {
        let run = || {
            let c = SessionCodec::flask(SecretKey::from_text("k").unwrap());
            let n = DEFAULT_MAX_DEPTH - 1;
            for open in ["[", "{\"a\":", "{\" t\":["] {
                let close = match open {
                    "[" => "]",
                    "{\"a\":" => "}",
                    _ => "]}",
                };
                let reps = if open.len() > 5 { n / 2 } else { n };
                let json = format!("{{\"x\":{}1{}}}", open.repeat(reps), close.repeat(reps));
                let v = c.parse_json(&json).unwrap();
                let cookie = c.dumps(&v, 1).unwrap();
                assert_eq!(c.loads(&cookie, 1, None).unwrap().value, v);
                let too_deep = format!(
                    "{}{}",
                    "[".repeat(DEFAULT_MAX_DEPTH + 1),
                    "]".repeat(DEFAULT_MAX_DEPTH + 1)
                );
                assert!(c.parse_json(&too_deep).is_err());
            }
        };
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
    }
}
