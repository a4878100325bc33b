//! Keys, key derivation and HMAC-SHA1 signatures as itsdangerous makes them.
//!
//! SHA-1 is used only inside HMAC and only because Flask's cookies use it;
//! HMAC-SHA1 has no known practical forgery, but new protocols should not
//! choose it.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use super::b64;
use super::error::KeyError;

type HmacSha1 = Hmac<Sha1>;

/// A secret key: bytes, never empty, never printed.
///
/// Text keys are their UTF-8 bytes, as in Flask. `Debug` shows only the
/// length; the bytes are wiped from memory on drop.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::SecretKey;
///
/// let key = SecretKey::from_text("dev-key").unwrap();
/// assert_eq!(format!("{key:?}"), "SecretKey(<7 bytes, redacted>)");
/// assert!(SecretKey::new(Vec::new()).is_err());
/// assert_eq!(SecretKey::from_hex("00ff").unwrap().len(), 2);
/// ```
#[derive(Clone)]
pub struct SecretKey(Zeroizing<Vec<u8>>);

impl SecretKey {
    /// A key from raw bytes.
    ///
    /// # Errors
    ///
    /// [`KeyError::Empty`] for an empty key.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{KeyError, SecretKey};
    ///
    /// let key = SecretKey::new(vec![0x9f, 0x00, 0x10])?; // any bytes
    /// assert_eq!(key.to_hex(), "9f0010");
    /// assert_eq!(SecretKey::new(Vec::new()).unwrap_err(), KeyError::Empty);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(bytes.into());
        if bytes.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(SecretKey(bytes))
    }

    /// A key from text (its UTF-8 bytes, like Flask's `str` keys).
    ///
    /// # Errors
    ///
    /// [`KeyError::Empty`] for an empty key.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    ///
    /// // Flask's `app.secret_key = "clé"` signs with these UTF-8 bytes.
    /// assert_eq!(SecretKey::from_text("clé")?.to_hex(), "636cc3a9");
    /// assert!(SecretKey::from_text("").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        Self::new(text.as_bytes().to_vec())
    }

    /// A key from hexadecimal text.
    ///
    /// # Errors
    ///
    /// [`KeyError::BadHex`] for non-hex text or an odd length,
    /// [`KeyError::Empty`] for an empty key.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{KeyError, SecretKey};
    ///
    /// assert_eq!(SecretKey::from_hex("00FF")?.len(), 2);
    /// assert!(matches!(SecretKey::from_hex("abc"), Err(KeyError::BadHex(_))));
    /// assert!(matches!(SecretKey::from_hex("zz"), Err(KeyError::BadHex(_))));
    /// assert!(matches!(SecretKey::from_hex("+f"), Err(KeyError::BadHex(_))));
    /// // The error gives where, never what: no character of the key.
    /// assert_eq!(
    ///     SecretKey::from_hex("00s3cr3t").unwrap_err().to_string(),
    ///     "the secret key is not valid hex: not a hex digit at position 2"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_hex(hex: &str) -> Result<Self, KeyError> {
        let hex = hex.trim();
        if !hex.len().is_multiple_of(2) {
            return Err(KeyError::BadHex("odd number of digits".into()));
        }
        // Errors give the position only: never a character of the key.
        let digit = |i: usize| {
            (hex.as_bytes()[i] as char)
                .to_digit(16)
                .ok_or_else(|| KeyError::BadHex(format!("not a hex digit at position {i}")))
        };
        let mut bytes = Zeroizing::new(Vec::with_capacity(hex.len() / 2));
        for i in (0..hex.len()).step_by(2) {
            bytes.push((digit(i)? * 16 + digit(i + 1)?) as u8);
        }
        Self::new(std::mem::take(&mut *bytes))
    }

    /// A new random key of `len` bytes from the operating system's CSPRNG
    /// (32 is a good length).
    ///
    /// # Errors
    ///
    /// [`KeyError::Empty`] for `len == 0`, [`KeyError::Rng`] if the OS
    /// random source fails.
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// let k = SecretKey::generate(32).unwrap();
    /// assert_eq!(k.len(), 32);
    /// assert_eq!(k.to_hex().len(), 64);
    /// ```
    pub fn generate(len: usize) -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new(vec![0u8; len]);
        getrandom::fill(&mut bytes).map_err(|e| KeyError::Rng(e.to_string()))?;
        Self::new(bytes.to_vec())
    }

    /// The key as lowercase hex (to store or hand to Flask as
    /// `bytes.fromhex(...)`). Treat the result as the secret it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    ///
    /// let key = SecretKey::generate(16)?;
    /// assert_eq!(SecretKey::from_hex(&key.to_hex())?.to_hex(), key.to_hex());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_hex(&self) -> String {
        super::lower_hex(&self.0)
    }

    /// The key's length in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    ///
    /// assert_eq!(SecretKey::from_text("ü")?.len(), 2); // bytes, not characters
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: keys are never empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    ///
    /// assert!(!SecretKey::from_text("k")?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(<{} bytes, redacted>)", self.0.len())
    }
}

/// The current key, which signs, and older keys that still verify
/// (Flask's `SECRET_KEY` and `SECRET_KEY_FALLBACKS`).
///
/// Fallbacks are kept in the order given (oldest first, as in Flask's list);
/// verification tries the current key, then the fallbacks from the last to
/// the first. Signing always uses the current key — the behaviour Flask 3.1.0
/// got wrong (GHSA-4grg-w6v8-c28g).
///
/// ```
/// use sessionkit::codec::{SecretKey, SecretKeys};
///
/// let keys = SecretKeys::new(SecretKey::from_text("new").unwrap())
///     .with_fallback(SecretKey::from_text("old").unwrap());
/// assert_eq!(keys.fallbacks().len(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct SecretKeys {
    current: SecretKey,
    fallbacks: Vec<SecretKey>,
}

impl SecretKeys {
    /// Keys with only a current key.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{SecretKey, SecretKeys};
    ///
    /// let keys = SecretKeys::new(SecretKey::from_text("k")?);
    /// assert!(keys.fallbacks().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(current: SecretKey) -> Self {
        SecretKeys {
            current,
            fallbacks: Vec::new(),
        }
    }

    /// Adds a fallback key (append in Flask's list order).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{SecretKey, SecretKeys};
    ///
    /// let keys = SecretKeys::new(SecretKey::from_text("2026")?)
    ///     .with_fallback(SecretKey::from_text("2024")?)
    ///     .with_fallback(SecretKey::from_text("2025")?);
    /// let order: Vec<String> = keys.fallbacks().iter().map(|k| k.to_hex()).collect();
    /// assert_eq!(order, [SecretKey::from_text("2024")?.to_hex(), SecretKey::from_text("2025")?.to_hex()]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_fallback(mut self, key: SecretKey) -> Self {
        self.fallbacks.push(key);
        self
    }

    /// The signing key.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{SecretKey, SecretKeys};
    ///
    /// let keys = SecretKeys::new(SecretKey::from_text("new")?).with_fallback(SecretKey::from_text("old")?);
    /// assert_eq!(keys.current().to_hex(), SecretKey::from_text("new")?.to_hex());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn current(&self) -> &SecretKey {
        &self.current
    }

    /// The fallback keys in the order given.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{SecretKey, SecretKeys};
    ///
    /// let keys: SecretKeys = SecretKey::from_text("only")?.into();
    /// assert_eq!(keys.fallbacks().len(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fallbacks(&self) -> &[SecretKey] {
        &self.fallbacks
    }
}

impl From<SecretKey> for SecretKeys {
    fn from(k: SecretKey) -> Self {
        SecretKeys::new(k)
    }
}

/// How itsdangerous turns a secret key and a salt into the HMAC key.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{KeyDerivation, SecretKey, SessionCodec};
///
/// assert_eq!(KeyDerivation::default(), KeyDerivation::Hmac); // Flask's sessions
/// // Flask-WTF's tokens use itsdangerous' default derivation and their own salt.
/// let wtf = SessionCodec::builder(SecretKey::from_text("k")?)
///     .salt("wtf-csrf-token")
///     .key_derivation(KeyDerivation::DjangoConcat)
///     .build();
/// let raw = "c3499c2729730a7f807efb8676a92dcb6f8a3f8f";
/// let csrf = sessionkit::codec::CsrfTokenCodec::new(SecretKey::from_text("k")?);
/// assert_eq!(wtf.sign_json(format!("\"{raw}\"").as_bytes(), 1_700_000_000), csrf.sign(raw, 1_700_000_000));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyDerivation {
    /// `HMAC-SHA1(key = secret, message = salt)`: what Flask's sessions use.
    #[default]
    Hmac,
    /// `SHA1(salt + "signer" + secret)`: itsdangerous' default, used by
    /// Flask-WTF's CSRF tokens.
    DjangoConcat,
    /// `SHA1(salt + secret)`.
    Concat,
    /// The secret itself.
    None,
}

impl KeyDerivation {
    fn derive(self, secret: &[u8], salt: &[u8]) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(match self {
            KeyDerivation::Hmac => {
                let mut mac = keyed_hmac(secret);
                mac.update(salt);
                mac.finalize().into_bytes().to_vec()
            }
            KeyDerivation::DjangoConcat => Sha1::new()
                .chain_update(salt)
                .chain_update(b"signer")
                .chain_update(secret)
                .finalize()
                .to_vec(),
            KeyDerivation::Concat => Sha1::new()
                .chain_update(salt)
                .chain_update(secret)
                .finalize()
                .to_vec(),
            KeyDerivation::None => secret.to_vec(),
        })
    }
}

/// A keyed HMAC-SHA1 state.
fn keyed_hmac(key: &[u8]) -> HmacSha1 {
    #[allow(clippy::expect_used)]
    <HmacSha1 as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length")
}

/// Pre-keyed HMAC states: derived once, cloned per cookie.
#[derive(Clone)]
pub(crate) struct Signer {
    /// The signing key's state.
    current: HmacSha1,
    /// Verification order after `current`: the fallbacks last to first.
    fallbacks: Vec<HmacSha1>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("fallbacks", &self.fallbacks.len())
            .finish_non_exhaustive()
    }
}

impl Signer {
    pub(crate) fn new(keys: &SecretKeys, salt: &[u8], derivation: KeyDerivation) -> Signer {
        let keyed = |k: &SecretKey| keyed_hmac(&derivation.derive(k.expose(), salt));
        Signer {
            current: keyed(&keys.current),
            fallbacks: keys.fallbacks.iter().rev().map(keyed).collect(),
        }
    }

    /// Appends `.` and the signature of `signed_text` (which `out` ends with).
    pub(crate) fn append_signature(&self, out: &mut String, signed_start: usize) {
        let mut mac = self.current.clone();
        mac.update(out.as_bytes().get(signed_start..).unwrap_or_default());
        let tag = mac.finalize().into_bytes();
        out.push('.');
        b64::encode_url(&tag, out);
    }

    /// Whether `sig` (base64, leniently decoded) is the HMAC of `signed_text`
    /// under any key. Each comparison is constant-time.
    pub(crate) fn verify(&self, signed_text: &[u8], sig: &[u8]) -> bool {
        // Canonical signatures (27 characters) decode on the stack.
        let mut buf = [0u8; 20];
        let fast = (sig.len() == 27)
            .then(|| b64::decode_url_into(sig, &mut buf))
            .flatten();
        let owned;
        let sig: &[u8] = match fast {
            Some(n) => buf.get(..n).unwrap_or_default(),
            None => {
                let Ok(v) = b64::decode_itsdangerous(sig) else {
                    return false;
                };
                owned = v;
                &owned
            }
        };
        std::iter::once(&self.current)
            .chain(&self.fallbacks)
            .any(|state| {
                let mut mac = state.clone();
                mac.update(signed_text);
                mac.verify_slice(sig).is_ok()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn derivations_match_spec_examples() {
        assert_eq!(
            hex(&KeyDerivation::Hmac.derive(b"dev-key", b"cookie-session")),
            "1e34d378ab465d58a6e2fa13f5269e1763af102a"
        );
        assert_eq!(
            hex(&KeyDerivation::DjangoConcat.derive(b"dev-key", b"wtf-csrf-token")),
            "010279a7a9a6229183c0700aed2f170a0a5af3f0"
        );
    }

    #[test]
    fn a_key_reports_its_size_and_hex_but_debug_hides_it() {
        let k = SecretKey::new(vec![0x00, 0x7f, 0xa5]).unwrap();
        assert_eq!((k.len(), k.is_empty()), (3, false));
        assert_eq!(k.to_hex(), "007fa5");
        assert_eq!(
            SecretKey::from_hex(&k.to_hex()).unwrap().expose(),
            k.expose()
        );
        assert_eq!(format!("{k:?}"), "SecretKey(<3 bytes, redacted>)");
        let text = SecretKey::from_text("dev-key").unwrap();
        assert_eq!((text.len(), text.to_hex()), (7, hex(b"dev-key")));
        // An empty key cannot be made, so `is_empty` is false for every key.
        assert_eq!(SecretKey::new(Vec::new()).err(), Some(KeyError::Empty));
    }
}
