//! Flask-WTF's CSRF tokens: a raw token kept in the session, and a signed,
//! timestamped form of it for forms and headers.
//!
//! The signed token is itsdangerous' `URLSafeTimedSerializer` with its
//! *defaults* (unlike the session): salt `wtf-csrf-token`, key derivation
//! `django-concat` (`SHA1(salt + "signer" + key)`), HMAC-SHA1, payload the
//! JSON string of the raw token.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use super::SessionCodec;
use super::error::{DecodeError, KeyError};
use super::json::write as json_write;
use super::signer::{KeyDerivation, SecretKey};
use super::value::Value;

/// The salt of Flask-WTF's tokens.
pub const CSRF_SALT: &str = "wtf-csrf-token";

/// Signs and verifies Flask-WTF CSRF tokens.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{CsrfTokenCodec, DecodeError, SecretKey, new_raw_csrf_token};
///
/// let codec = CsrfTokenCodec::new(SecretKey::from_text("dev-key")?);
/// let raw = new_raw_csrf_token()?;
/// let signed = codec.sign(&raw, 1_000);
/// assert_eq!(codec.verify(&signed, 1_000 + 3_600, Some(3_600))?, raw);
/// assert!(matches!(codec.verify(&signed, 1_000 + 3_601, Some(3_600)), Err(DecodeError::Expired { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct CsrfTokenCodec {
    codec: SessionCodec,
}

impl CsrfTokenCodec {
    /// A codec for `key` (Flask-WTF: `WTF_CSRF_SECRET_KEY`, else `SECRET_KEY`).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{CsrfTokenCodec, SecretKey};
    ///
    /// let a = CsrfTokenCodec::new(SecretKey::from_text("key-a")?);
    /// let b = CsrfTokenCodec::new(SecretKey::from_text("key-b")?);
    /// assert!(b.verify(&a.sign("raw", 5), 5, None).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(key: SecretKey) -> Self {
        CsrfTokenCodec {
            codec: SessionCodec::builder(key)
                .salt(CSRF_SALT)
                .key_derivation(KeyDerivation::DjangoConcat)
                .build(),
        }
    }

    /// The signed form of `raw`, at `timestamp`.
    ///
    /// ```
    /// use sessionkit::codec::{CsrfTokenCodec, SecretKey};
    /// let c = CsrfTokenCodec::new(SecretKey::from_text("dev-key").unwrap());
    /// assert_eq!(
    ///     c.sign("c3499c2729730a7f807efb8676a92dcb6f8a3f8f", 1_700_000_000),
    ///     "ImMzNDk5YzI3Mjk3MzBhN2Y4MDdlZmI4Njc2YTkyZGNiNmY4YTNmOGYi.ZVPxAA.MV1t4X_E8UtDov2kRxKNR33Jm30"
    /// );
    /// ```
    pub fn sign(&self, raw: &str, timestamp: u64) -> String {
        let mut json = Vec::with_capacity(raw.len() + 2);
        json_write::write_py_string_bytes(&mut json, raw.as_bytes());
        self.codec.sign_json(&json, timestamp)
    }

    /// The raw token inside a signed one. `max_age: None` disables the age
    /// checks (`WTF_CSRF_TIME_LIMIT = None`).
    ///
    /// # Errors
    ///
    /// [`DecodeError`]; `Expired` and `FutureTimestamp` are Flask-WTF's
    /// "expired", everything else its "invalid".
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{CsrfTokenCodec, DecodeError, SecretKey};
    ///
    /// let codec = CsrfTokenCodec::new(SecretKey::from_text("dev-key")?);
    /// // The signed token Flask-WTF made for this raw token and time.
    /// let signed = "ImMzNDk5YzI3Mjk3MzBhN2Y4MDdlZmI4Njc2YTkyZGNiNmY4YTNmOGYi.ZVPxAA.MV1t4X_E8UtDov2kRxKNR33Jm30";
    /// assert_eq!(codec.verify(signed, 1_700_000_000, None)?, "c3499c2729730a7f807efb8676a92dcb6f8a3f8f");
    /// assert_eq!(codec.verify("garbage", 1_700_000_000, None), Err(DecodeError::NoSeparator));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify(
        &self,
        token: &str,
        now: u64,
        max_age: Option<u64>,
    ) -> Result<String, DecodeError> {
        match self.codec.loads(token, now, max_age)?.value {
            Value::Str(s) => s.into_string().map_err(|_| DecodeError::NotAMapping("str")),
            other => Err(DecodeError::NotAMapping(other.kind())),
        }
    }
}

/// A new raw token: `hex(SHA-1(64 random bytes))`, 40 hex digits, as
/// Flask-WTF makes them.
///
/// # Errors
///
/// [`KeyError::Rng`] if the OS random source fails.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::new_raw_csrf_token;
///
/// let a = new_raw_csrf_token()?;
/// assert_eq!(a.len(), 40);
/// assert!(a.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
/// assert_ne!(a, new_raw_csrf_token()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn new_raw_csrf_token() -> Result<String, KeyError> {
    let mut seed = [0u8; 64];
    getrandom::fill(&mut seed).map_err(|e| KeyError::Rng(e.to_string()))?;
    Ok(super::lower_hex(&Sha1::digest(seed)))
}

/// Constant-time equality of two tokens.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::tokens_equal;
///
/// assert!(tokens_equal("abc", "abc"));
/// assert!(!tokens_equal("abc", "abd"));
/// assert!(!tokens_equal("abc", "abcd"));
/// ```
pub fn tokens_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_tokens_are_40_hex_and_fresh() {
        let a = new_raw_csrf_token().unwrap();
        let b = new_raw_csrf_token().unwrap();
        assert_eq!(a.len(), 40);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
        assert!(tokens_equal(&a, &a.clone()) && !tokens_equal(&a, &b) && !tokens_equal("a", "ab"));
    }
}
