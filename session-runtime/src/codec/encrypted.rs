//! Encrypted cookies: XChaCha20-Poly1305 with keys from HKDF-SHA256.
//!
//! Format: `v1.` followed by the unpadded URL-safe base64 of
//! `nonce (24 random bytes) || ciphertext || tag (16 bytes)`. The plaintext
//! is the signing time (8 bytes, big-endian) followed by the session's JSON;
//! the associated data is the version label, so both the time and the format
//! are authenticated. Payloads are never compressed (compression before
//! encryption leaks content through length).
//!
//! Each secret key gives a 256-bit key
//! `HKDF-SHA256(ikm = secret, salt = none, info = "sessionkit/encrypted-cookie/v1/" + salt)`.
//! The current key encrypts; it and the fallbacks decrypt (same rotation as
//! signed cookies).

use std::fmt;

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use super::error::{DecodeError, EncodeError, EncryptError, PayloadError};
use super::json::{parse_json_bytes, write_json_value};
use super::signer::{SecretKey, SecretKeys};
use super::value::{Dict, Value};
use super::{DEFAULT_MAX_DEPTH, parse_session_json, write_session_json};
use super::{DEFAULT_MAX_PAYLOAD, Signed};

const VERSION: &str = "v1";
const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const TIME_LEN: usize = 8;
const PURPOSE: &str = "sessionkit/encrypted-cookie/v1/";

/// Encrypts and decrypts session payloads (see the module docs).
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{DecodeError, EncryptedCodec, SecretKey, SecretKeys};
///
/// let keys = SecretKeys::new(SecretKey::from_text("k")?);
/// let codec = EncryptedCodec::new(&keys, "cookie-session");
/// let cookie = codec.seal(br#"{"email":"ada@example.com"}"#, 1_000)?;
/// assert!(cookie.starts_with("v1."));
/// assert_eq!(codec.open(&cookie, 1_000, None)?.value, br#"{"email":"ada@example.com"}"#);
///
/// // One flipped character: no key authenticates it.
/// let mut forged = cookie.into_bytes();
/// let last = forged.len() - 1;
/// forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
/// assert_eq!(codec.open(&forged, 1_000, None), Err(DecodeError::DecryptionFailed));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct EncryptedCodec {
    /// The current key first, then the fallbacks from the last to the first.
    ciphers: Vec<XChaCha20Poly1305>,
    max_payload: usize,
}

impl fmt::Debug for EncryptedCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedCodec")
            .field("keys", &self.ciphers.len())
            .field("max_payload", &self.max_payload)
            .finish()
    }
}

fn cipher(key: &SecretKey, salt: &str) -> XChaCha20Poly1305 {
    let mut okm = Zeroizing::new([0u8; 32]);
    let info = format!("{PURPOSE}{salt}");
    // 32 bytes is far below HKDF-SHA256's 8160-byte limit: expand cannot fail.
    let _ = Hkdf::<Sha256>::new(None, key.expose()).expand(info.as_bytes(), okm.as_mut());
    // From the slice: no temporary copy of the key outside `okm` (zeroized
    // on drop) and the cipher (zeroized on drop: the crate's `zeroize`
    // feature).
    XChaCha20Poly1305::new_from_slice(okm.as_slice()).expect("HKDF gave a 32-byte key")
}

/// Every type that holds derived key material wipes it when dropped
/// (checked at compile time): the XChaCha20-Poly1305 cipher; and the hash
/// cores and block buffers an HMAC state is made of (`Hmac` is two cores and
/// a buffer: HKDF-SHA256's state, the pre-keyed HMAC-SHA1 signers,
/// Flask-Login's HMAC-SHA512), through the RustCrypto crates' `zeroize`
/// features.
const _: () = {
    fn wipes<T: zeroize::ZeroizeOnDrop>() {}
    fn all() {
        wipes::<XChaCha20Poly1305>();
        wipes::<sha1::block_api::Sha1Core>();
        wipes::<sha2::block_api::Sha256VarCore>();
        wipes::<sha2::block_api::Sha512VarCore>();
        wipes::<Zeroizing<[u8; 32]>>();
    }
    let _ = all;
};

impl EncryptedCodec {
    /// Derives the keys. `salt` is a purpose label (use the session salt).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, EncryptedCodec, SecretKey, SecretKeys};
    ///
    /// let keys = SecretKeys::new(SecretKey::from_text("k")?);
    /// let sessions = EncryptedCodec::new(&keys, "cookie-session");
    /// let other = EncryptedCodec::new(&keys, "another-purpose");
    /// let cookie = sessions.seal(b"{}", 1_000)?;
    /// // Another salt derives another key.
    /// assert_eq!(other.open(&cookie, 1_000, None), Err(DecodeError::DecryptionFailed));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(keys: &SecretKeys, salt: &str) -> Self {
        let mut ciphers = vec![cipher(keys.current(), salt)];
        ciphers.extend(keys.fallbacks().iter().rev().map(|k| cipher(k, salt)));
        EncryptedCodec {
            ciphers,
            max_payload: DEFAULT_MAX_PAYLOAD,
        }
    }

    /// The largest JSON payload accepted (default 64 KiB).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, EncryptedCodec, SecretKey, SecretKeys};
    ///
    /// let keys = SecretKeys::new(SecretKey::from_text("k")?);
    /// let cookie = EncryptedCodec::new(&keys, "s").seal(&[b' '; 100], 1_000)?;
    /// let small = EncryptedCodec::new(&keys, "s").with_max_payload(50);
    /// assert!(matches!(small.open(&cookie, 1_000, None), Err(DecodeError::Payload(_))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_max_payload(mut self, bytes: usize) -> Self {
        self.max_payload = bytes;
        self
    }

    /// The length of the base64 text (after `v1.`) of a cookie whose
    /// payload is exactly `max_payload` bytes: no longer cookie can hold a
    /// payload within the limit.
    fn longest_body(&self) -> usize {
        let raw = self
            .max_payload
            .saturating_add(NONCE_LEN + TAG_LEN + TIME_LEN);
        // Unpadded base64: 4 characters per 3 bytes, and 2 or 3 for the
        // last 1 or 2.
        (raw / 3)
            .saturating_mul(4)
            .saturating_add([0, 2, 3][raw % 3])
    }

    /// Encrypts `json` signed at `timestamp` into a cookie value.
    ///
    /// # Errors
    ///
    /// [`PayloadError::TooLarge`]-like failures cannot happen here; the only
    /// error is the OS random source failing ([`EncryptError`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{EncryptedCodec, SecretKey, SecretKeys};
    ///
    /// let codec = EncryptedCodec::new(&SecretKeys::new(SecretKey::from_text("k")?), "s");
    /// // A fresh random nonce each time: two seals of one session differ.
    /// assert_ne!(codec.seal(b"{}", 1_000)?, codec.seal(b"{}", 1_000)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn seal(&self, json: &[u8], timestamp: u64) -> Result<String, EncryptError> {
        let mut out = String::new();
        self.seal_into(json, timestamp, &mut out)?;
        Ok(out)
    }

    /// [`seal`](Self::seal), appending the cookie value to `out`. The
    /// plaintext is laid out after the nonce in this thread's buffer and
    /// encrypted where it lies, so the buffer never holds it afterwards.
    pub(crate) fn seal_into(
        &self,
        json: &[u8],
        timestamp: u64,
        out: &mut String,
    ) -> Result<(), EncryptError> {
        let current = self
            .ciphers
            .first()
            .ok_or_else(|| EncryptError::new("no key"))?;
        crate::scratch::with_empty(&SEALED, |raw| {
            raw.resize(NONCE_LEN, 0);
            getrandom::fill(raw).map_err(|e| EncryptError::new(e.to_string()))?;
            raw.extend_from_slice(&timestamp.to_be_bytes());
            raw.extend_from_slice(json);
            let nonce = XNonce::try_from(&raw[..NONCE_LEN]).expect("NONCE_LEN bytes");
            match current.encrypt_inout_detached(
                &nonce,
                VERSION.as_bytes(),
                (&mut raw[NONCE_LEN..]).into(),
            ) {
                Ok(tag) => raw.extend_from_slice(&tag),
                Err(_) => {
                    raw.zeroize();
                    return Err(EncryptError::new("encryption failed"));
                }
            }
            out.push_str(PREFIX);
            super::b64::encode_url(raw, out);
            Ok(())
        })
    }

    /// Decrypts a cookie value and checks its age like the signed format
    /// (`max_age: None` skips the age checks). Returns the JSON bytes.
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnknownFormat`] for a value not in this format,
    /// [`DecodeError::DecryptionFailed`] when no key authenticates it,
    /// [`DecodeError::Expired`] / [`DecodeError::FutureTimestamp`] for its
    /// age, [`DecodeError::Payload`] when it is larger than the limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, EncryptedCodec, SecretKey, SecretKeys};
    ///
    /// let codec = EncryptedCodec::new(&SecretKeys::new(SecretKey::from_text("k")?), "s");
    /// let cookie = codec.seal(b"{}", 1_000)?;
    /// assert_eq!(codec.open(&cookie, 1_500, Some(600))?.timestamp, 1_000);
    /// assert!(matches!(codec.open(&cookie, 1_601, Some(600)), Err(DecodeError::Expired { .. })));
    /// assert_eq!(codec.open("eyJ9.x.y", 1_000, None), Err(DecodeError::UnknownFormat));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(
        &self,
        cookie: impl AsRef<[u8]>,
        now: u64,
        max_age: Option<u64>,
    ) -> Result<Signed<Vec<u8>>, DecodeError> {
        self.open_with(cookie.as_ref(), now, max_age, |json, timestamp| Signed {
            value: json.to_vec(),
            timestamp,
        })
    }

    /// [`open`](Self::open), handing the JSON and its signing time to `f`.
    /// The cookie is decoded into this thread's buffer and decrypted where
    /// it lies; the plaintext is wiped when `f` returns.
    pub(crate) fn open_with<R>(
        &self,
        cookie: &[u8],
        now: u64,
        max_age: Option<u64>,
        f: impl FnOnce(&[u8], u64) -> R,
    ) -> Result<R, DecodeError> {
        if cookie.is_empty() {
            return Err(DecodeError::Empty);
        }
        let body = cookie
            .strip_prefix(PREFIX.as_bytes())
            .ok_or(DecodeError::UnknownFormat)?;
        // Refused before any base64 or decryption work: longer than the
        // cookie of a payload at the limit.
        if body.len() > self.longest_body() {
            return Err(PayloadError::TooLarge {
                limit: self.max_payload,
            }
            .into());
        }
        crate::scratch::with_empty(&SEALED, |raw| {
            if !super::b64::decode_url_vec(body, raw) || raw.len() < NONCE_LEN + TIME_LEN + TAG_LEN
            {
                return Err(DecodeError::UnknownFormat);
            }
            let (nonce, sealed) = raw.split_at_mut(NONCE_LEN);
            let nonce = XNonce::try_from(&*nonce).expect("NONCE_LEN bytes");
            let (sealed, tag) = sealed.split_at_mut(sealed.len() - TAG_LEN);
            let tag = Tag::try_from(&*tag).expect("TAG_LEN bytes");
            // A failed attempt leaves the bytes as they were (the tag is
            // checked before anything is decrypted), so the next key sees
            // the ciphertext.
            let opened = self.ciphers.iter().any(|c| {
                c.decrypt_inout_detached(&nonce, VERSION.as_bytes(), sealed.into(), &tag)
                    .is_ok()
            });
            if !opened {
                return Err(DecodeError::DecryptionFailed);
            }
            let (time, json) = sealed.split_at(TIME_LEN);
            let signed_at = u64::from_be_bytes(time.try_into().expect("TIME_LEN bytes"));
            let result = super::check_age(signed_at, now, max_age).map(|()| f(json, signed_at));
            // `json` is within the limit: the length check above is exact.
            raw.zeroize();
            result
        })
    }
}

thread_local! {
    /// The nonce, sealed bytes and tag of the cookie being sealed or opened.
    static SEALED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The same Flask-level vocabulary as [`SessionCodec`](super::SessionCodec):
/// `dumps` / `dumps_session` write a cookie for a [`Value`] or a session
/// [`Dict`] as Flask's tagged JSON, `loads` / `loads_session` open one; the
/// JSON-level pair is [`seal`](Self::seal) / [`open`](Self::open) (the
/// signed codec's is `sign_json` / `unsign`).
impl EncryptedCodec {
    /// Seals any value as Flask's tagged JSON ([`SessionCodec::dumps`]'s
    /// twin).
    ///
    /// [`SessionCodec::dumps`]: super::SessionCodec::dumps
    ///
    /// # Errors
    ///
    /// [`EncodeError`] if the value cannot be written as Flask's JSON, or
    /// [`EncodeError::Encrypt`] if the OS random source fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{EncryptedCodec, SecretKey, SecretKeys, Value};
    ///
    /// let codec = EncryptedCodec::new(&SecretKeys::new(SecretKey::from_text("k")?), "s");
    /// let value = Value::List(vec![Value::from(1), Value::from("two")]);
    /// let cookie = codec.dumps(&value, 1_700_000_000)?;
    /// assert_eq!(codec.loads(&cookie, 1_700_000_000, None)?.value, value);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dumps(&self, value: &Value, timestamp: u64) -> Result<String, EncodeError> {
        let mut json = Vec::with_capacity(128);
        write_json_value(&mut json, value, DEFAULT_MAX_DEPTH)?;
        Ok(self.seal(&json, timestamp)?)
    }

    /// Seals a session dict ([`SessionCodec::dumps_session`]'s twin).
    ///
    /// [`SessionCodec::dumps_session`]: super::SessionCodec::dumps_session
    ///
    /// # Errors
    ///
    /// As [`dumps`](Self::dumps).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, EncryptedCodec, SecretKey, SecretKeys};
    ///
    /// let codec = EncryptedCodec::new(&SecretKeys::new(SecretKey::from_text("k")?), "s");
    /// let mut session = Dict::new();
    /// session.insert("user", "ada");
    /// let cookie = codec.dumps_session(&session, 1_000)?;
    /// assert_eq!(codec.loads_session(&cookie, 1_010, Some(60))?.value, session);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dumps_session(&self, session: &Dict, timestamp: u64) -> Result<String, EncodeError> {
        let mut json = Vec::with_capacity(128);
        write_session_json(&mut json, session, DEFAULT_MAX_DEPTH)?;
        Ok(self.seal(&json, timestamp)?)
    }

    /// Opens a cookie holding any value ([`SessionCodec::loads`]'s twin).
    ///
    /// [`SessionCodec::loads`]: super::SessionCodec::loads
    ///
    /// # Errors
    ///
    /// [`DecodeError`]: a cookie that does not open, is too old, or does not
    /// hold Flask's tagged JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, EncryptedCodec, SecretKey, SecretKeys, Value};
    ///
    /// let codec = EncryptedCodec::new(&SecretKeys::new(SecretKey::from_text("k")?), "s");
    /// let cookie = codec.dumps(&Value::from(7), 1_000)?;
    /// assert_eq!(codec.loads(&cookie, 1_000, None)?.value, Value::from(7));
    /// assert!(matches!(codec.loads(&cookie, 2_000, Some(60)), Err(DecodeError::Expired { .. })));
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
        } = self.open(cookie, now, max_age)?;
        let value = parse_json_bytes(&json, DEFAULT_MAX_DEPTH)?;
        Ok(Signed { value, timestamp })
    }

    /// Opens a session cookie ([`SessionCodec::loads_session`]'s twin).
    ///
    /// [`SessionCodec::loads_session`]: super::SessionCodec::loads_session
    ///
    /// # Errors
    ///
    /// As [`loads`](Self::loads), and [`DecodeError::NotAMapping`] when the
    /// payload is not a dict.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, EncryptedCodec, SecretKey, SecretKeys, Value};
    ///
    /// let codec = EncryptedCodec::new(&SecretKeys::new(SecretKey::from_text("k")?), "s");
    /// let cookie = codec.dumps(&Value::from(7), 1_000)?;
    /// assert_eq!(codec.loads_session(&cookie, 1_000, None), Err(DecodeError::NotAMapping("int")));
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
        } = self.open(cookie, now, max_age)?;
        Ok(Signed {
            value: parse_session_json(&json, DEFAULT_MAX_DEPTH)?,
            timestamp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys(k: &str) -> SecretKeys {
        SecretKeys::new(SecretKey::from_text(k).unwrap())
    }

    #[test]
    fn round_trip_confidential_and_fresh_nonces() {
        let c = EncryptedCodec::new(&keys("k"), "cookie-session");
        let json = br#"{"user":"very-secret-user-name"}"#;
        let a = c.seal(json, 100).unwrap();
        let b = c.seal(json, 100).unwrap();
        assert_ne!(a, b, "a random nonce per cookie");
        assert!(a.starts_with("v1."));
        for cookie in [&a, &b] {
            assert!(!cookie.contains("very-secret"));
            let opened = c.open(cookie, 100, Some(10)).unwrap();
            assert_eq!(
                (opened.value.as_slice(), opened.timestamp),
                (&json[..], 100)
            );
        }
        assert!(matches!(
            c.open(&a, 111, Some(10)),
            Err(DecodeError::Expired { .. })
        ));
        assert!(matches!(
            c.open(&a, 99, Some(10)),
            Err(DecodeError::FutureTimestamp { .. })
        ));
    }

    #[test]
    fn every_single_byte_change_is_rejected() {
        let c = EncryptedCodec::new(&keys("k"), "cookie-session");
        let cookie = c.seal(br#"{"a":1}"#, 5).unwrap();
        let bytes = cookie.as_bytes();
        for i in 0..bytes.len() {
            for replacement in [b'A', b'-', b'z', b'.', b'0'] {
                if bytes[i] == replacement {
                    continue;
                }
                let mut m = bytes.to_vec();
                m[i] = replacement;
                assert!(
                    c.open(&m, 5, None).is_err(),
                    "byte {i} -> {}",
                    replacement as char
                );
            }
        }
    }

    #[test]
    fn every_bit_flip_of_the_sealed_bytes_is_rejected() {
        let c = EncryptedCodec::new(&keys("k"), "cookie-session");
        let cookie = c.seal(br#"{"user":"ada"}"#, 5).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(&cookie[PREFIX.len()..]).unwrap();
        for i in 0..raw.len() {
            for bit in 0..8 {
                let mut m = raw.clone();
                m[i] ^= 1 << bit;
                let forged = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&m));
                assert_eq!(
                    c.open(&forged, 5, None),
                    Err(DecodeError::DecryptionFailed),
                    "byte {i} bit {bit}"
                );
            }
        }
        // Truncation and extension too: too short to hold a nonce, a tag
        // and a time is not this format; longer, it does not authenticate.
        for cut in 1..raw.len() {
            let forged = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&raw[..cut]));
            let want = if cut < NONCE_LEN + TAG_LEN + TIME_LEN {
                DecodeError::UnknownFormat
            } else {
                DecodeError::DecryptionFailed
            };
            assert_eq!(c.open(&forged, 5, None), Err(want), "cut at {cut}");
        }
        let mut longer = raw.clone();
        longer.push(0);
        assert!(
            c.open(
                format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&longer)),
                5,
                None
            )
            .is_err()
        );
    }

    #[test]
    fn payloads_up_to_the_limit_open_and_longer_cookies_are_refused_unread() {
        let keys = keys("k");
        for max in [0, 1, 2, 3, 4, 5, 50, 100, 101, 102] {
            let c = EncryptedCodec::new(&keys, "s").with_max_payload(max);
            let at_limit = c.seal(&vec![b' '; max], 5).unwrap();
            assert_eq!(at_limit.len() - PREFIX.len(), c.longest_body(), "{max}");
            assert_eq!(c.open(&at_limit, 5, None).unwrap().value.len(), max);
            let over = c.seal(&vec![b' '; max + 1], 5).unwrap();
            assert_eq!(
                c.open(&over, 5, None),
                Err(PayloadError::TooLarge { limit: max }.into()),
                "{max}"
            );
            // Text that is no cookie at all: within the length it is read
            // (and fails to authenticate); one character longer, it is
            // refused for its size before any decoding or decryption.
            let longest = c.longest_body();
            let within = format!("{PREFIX}{}", "A".repeat(longest));
            assert_eq!(c.open(&within, 5, None), Err(DecodeError::DecryptionFailed));
            let beyond = format!("{PREFIX}{}", "!".repeat(longest + 1));
            assert_eq!(
                c.open(&beyond, 5, None),
                Err(PayloadError::TooLarge { limit: max }.into()),
                "{max}"
            );
        }
        // No overflow at the largest limit.
        let unlimited = EncryptedCodec::new(&keys, "s").with_max_payload(usize::MAX);
        assert_eq!(unlimited.longest_body(), usize::MAX);
        let cookie = unlimited.seal(b"{}", 5).unwrap();
        assert_eq!(unlimited.open(&cookie, 5, None).unwrap().value, b"{}");
    }

    #[test]
    fn debug_shows_the_key_count_and_limit_but_no_key() {
        let c = EncryptedCodec::new(
            &keys("a-very-secret-key").with_fallback(SecretKey::from_text("old-secret").unwrap()),
            "s",
        )
        .with_max_payload(77);
        let shown = format!("{c:?}");
        assert_eq!(shown, "EncryptedCodec { keys: 2, max_payload: 77 }");
    }

    #[test]
    fn rotation_and_separation() {
        let old = EncryptedCodec::new(&keys("old"), "cookie-session");
        let rotated = EncryptedCodec::new(
            &keys("new").with_fallback(SecretKey::from_text("old").unwrap()),
            "cookie-session",
        );
        let by_old = old.seal(b"{}", 1).unwrap();
        assert!(rotated.open(&by_old, 1, None).is_ok());
        let by_new = rotated.seal(b"{}", 1).unwrap();
        assert_eq!(
            old.open(&by_new, 1, None),
            Err(DecodeError::DecryptionFailed)
        );
        let other_purpose = EncryptedCodec::new(&keys("old"), "other-salt");
        assert_eq!(
            other_purpose.open(&by_old, 1, None),
            Err(DecodeError::DecryptionFailed)
        );
        assert_eq!(
            old.open("eyJhIjoxfQ.ZVPxAA.sig", 1, None),
            Err(DecodeError::UnknownFormat)
        );
    }
}
