//! [`SessionData`], what a session type provides to the runtime, and
//! [`DynamicSession`], the dict-like session for code without a struct.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::{
    DeError, Dict, EncodeError, PyString, Value, from_value, parse_session_json, to_value,
};
use crate::config::SessionConfig;
use crate::error::{OpenError, SessionDataError};
use crate::state::SessionState;

/// The key Flask stores the permanent flag under.
pub const PERMANENT_KEY: &str = "_permanent";

/// What a session type provides to the runtime: conversion from and to the
/// cookie's dict, emptiness, permanence and its [`SessionState`].
///
/// Implemented by structs declared with `#[session]` and by
/// [`DynamicSession`]. The methods here never mark the session accessed: they
/// are the runtime's view, as Flask's own save step is.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::Value;
/// use sessionkit::{DynamicSession, SessionData};
///
/// // Generic code over any session type: `#[session]` structs and
/// // `DynamicSession` alike.
/// fn user_of<S: SessionData>(session: &S) -> Option<String> {
///     match session.get_key("_user_id")? {
///         Value::Str(s) => s.into_string().ok(),
///         _ => None,
///     }
/// }
/// let mut s = DynamicSession::default();
/// s.set_key("_user_id", Value::from("42"))?;
/// assert_eq!(user_of(&s).as_deref(), Some("42"));
/// assert!(s.state().is_modified());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a session type",
    label = "declare it with `#[sessionkit::session]`, or use `DynamicSession`"
)]
pub trait SessionData: Default + Send + 'static {
    /// Builds the session from an opened cookie's dict. Keys the type does
    /// not declare must be kept and written back unchanged.
    ///
    /// # Errors
    ///
    /// [`SessionDataError`] when a value does not fit its field; the runtime
    /// then starts a fresh session (and logs why).
    fn from_dict(dict: Dict) -> Result<Self, SessionDataError>;

    /// Builds the session from a verified cookie's payload: Flask's tagged
    /// JSON text. The default parses it into a [`Dict`] and calls
    /// [`SessionData::from_dict`]; `#[session]` structs read their declared
    /// fields straight from the text into their types (with the same
    /// result).
    ///
    /// # Errors
    ///
    /// [`OpenError::Decode`] for a payload that is not a session (invalid
    /// JSON or tags, not a dict, deeper than `max_depth`),
    /// [`OpenError::Data`] from [`SessionData::from_dict`].
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let s = DynamicSession::from_json(br#"{"user":"ada"}"#, 64)?;
    /// assert_eq!(s.get_as::<String>("user").unwrap()?, "ada");
    /// assert!(DynamicSession::from_json(b"[1]", 64).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn from_json(json: &[u8], max_depth: usize) -> Result<Self, OpenError> {
        Ok(Self::from_dict(parse_session_json(json, max_depth)?)?)
    }

    /// Writes the session as Flask's tagged JSON (keys sorted), the bytes the
    /// cookie will carry.
    ///
    /// # Errors
    ///
    /// [`EncodeError`] if a value cannot be written.
    fn write_json(&self, out: &mut Vec<u8>, max_depth: usize) -> Result<(), EncodeError>;

    /// Whether no key would be written (then saving deletes the cookie, or
    /// sends nothing if the session was not modified).
    fn is_empty_session(&self) -> bool;

    /// Whether `_permanent` is set (truthy).
    fn is_permanent_session(&self) -> bool;

    /// The value stored under a wire key (a declared field if present, or a
    /// kept key), without marking the session accessed.
    fn get_key(&self, key: &str) -> Option<Value>;

    /// Stores a value under a wire key (into the declared field if there is
    /// one); marks the session modified (refused on a null session).
    ///
    /// # Errors
    ///
    /// [`SessionDataError`] if the value does not fit the declared field.
    fn set_key(&mut self, key: &str, value: Value) -> Result<(), SessionDataError>;

    /// The session's state flags.
    fn state(&self) -> &SessionState;

    /// The session's state flags, mutably.
    fn state_mut(&mut self) -> &mut SessionState;

    /// The type's default configuration (the `#[session(...)]` container
    /// options); the secret key is set at run time.
    fn default_config() -> SessionConfig {
        SessionConfig::default()
    }

    /// A null session: reads as empty (defaults), refuses writes.
    fn null() -> Self {
        let mut s = Self::default();
        *s.state_mut() = SessionState::null();
        s
    }
}

/// A dict-like session: string keys to [`Value`]s, for code that does not
/// declare a session struct (Flask's `session` object).
///
/// Reads mark the session accessed; writes mark it modified. `get_mut`
/// counts as a write (unlike Flask, where an in-place change of a nested
/// value is silently not saved). On a null session reads see nothing and
/// writes are refused: the save step reports them.
///
/// ```
/// use sessionkit::{DynamicSession, SessionData};
///
/// let mut s = DynamicSession::default();
/// s.insert("user", "ada");
/// s.set_permanent(true);
/// assert_eq!(s.get_as::<String>("user").unwrap().unwrap(), "ada");
/// assert!(s.state().is_modified() && s.is_permanent_session());
/// assert_eq!(s.remove("nope"), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct DynamicSession {
    dict: Dict,
    state: SessionState,
}

impl DynamicSession {
    /// A session loaded with `dict` (state: loaded, untouched).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Dict;
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let mut dict = Dict::new();
    /// dict.insert("n", 1);
    /// let s = DynamicSession::from_loaded(dict);
    /// assert!(!s.state().is_new() && !s.state().is_accessed());
    /// assert_eq!(s.len(), 1);
    /// ```
    pub fn from_loaded(dict: Dict) -> Self {
        DynamicSession {
            dict,
            state: SessionState::loaded(),
        }
    }

    /// The value under `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Value;
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let mut s = DynamicSession::default();
    /// s.insert("n", 1);
    /// assert_eq!(s.get("n"), Some(&Value::from(1)));
    /// assert_eq!(s.get("missing"), None);
    /// assert!(s.state().is_accessed());
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.state.mark_accessed();
        self.dict.get(key)
    }

    /// The value under `key` converted to `T` (`None` if absent).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    ///
    /// let mut s = DynamicSession::default();
    /// s.insert("n", 1);
    /// assert_eq!(s.get_as::<u8>("n").unwrap()?, 1);
    /// assert!(s.get_as::<String>("n").unwrap().is_err()); // a number, not text
    /// assert!(s.get_as::<u8>("missing").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Option<Result<T, DeError>> {
        self.get(key).map(|v| from_value(v.clone()))
    }

    /// Whether `key` is present.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    ///
    /// let mut s = DynamicSession::default();
    /// s.insert("_user_id", "42");
    /// assert!(s.contains_key("_user_id"));
    /// assert!(!s.contains_key("_fresh"));
    /// ```
    pub fn contains_key(&self, key: &str) -> bool {
        self.state.mark_accessed();
        self.dict.contains_key(key)
    }

    /// The number of keys.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    ///
    /// let mut s = DynamicSession::default();
    /// s.insert("a", 1);
    /// s.insert("b", 2);
    /// s.insert("a", 3);
    /// assert_eq!(s.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.state.mark_accessed();
        self.dict.len()
    }

    /// Whether there are no keys.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    ///
    /// let mut s = DynamicSession::default();
    /// assert!(s.is_empty());
    /// s.insert("a", 1);
    /// assert!(!s.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.state.mark_accessed();
        self.dict.is_empty()
    }

    /// The whole dict.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    ///
    /// let mut s = DynamicSession::default();
    /// s.insert("b", 2);
    /// s.insert("a", 1);
    /// let keys: Vec<_> = s.dict().keys().map(|k| k.to_string()).collect();
    /// assert_eq!(keys, ["b", "a"]); // insertion order; the cookie sorts
    /// ```
    pub fn dict(&self) -> &Dict {
        self.state.mark_accessed();
        &self.dict
    }

    /// The whole dict **without** marking the session accessed: for
    /// middleware and tests that observe the session without being part of
    /// the response's dependence on it (no `Vary: Cookie`).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Dict;
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let mut dict = Dict::new();
    /// dict.insert("n", 1);
    /// let s = DynamicSession::from_loaded(dict);
    /// assert_eq!(s.dict_untracked().len(), 1);
    /// assert!(!s.state().is_accessed()); // no `Vary: Cookie` because of this read
    /// ```
    pub fn dict_untracked(&self) -> &Dict {
        &self.dict
    }

    /// Sets `key` (always marks modified, even for an equal value, as Flask).
    /// Refused on a null session (returns `None`, recorded for the save step).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Value;
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let mut s = DynamicSession::default();
    /// assert_eq!(s.insert("n", 1), None);
    /// assert_eq!(s.insert("n", 2), Some(Value::from(1)));
    ///
    /// // A null session (no secret key) refuses the write; saving reports it.
    /// let mut null = DynamicSession::null();
    /// assert_eq!(null.insert("n", 1), None);
    /// assert!(null.is_empty() && null.state().refused_write());
    /// ```
    pub fn insert(&mut self, key: impl Into<PyString>, value: impl Into<Value>) -> Option<Value> {
        if !self.state.mark_modified() {
            return None;
        }
        self.dict.insert(key, value)
    }

    /// Sets `key` to a serialisable value.
    ///
    /// # Errors
    ///
    /// [`EncodeError`] if `value` cannot be represented (for example a map
    /// whose keys Python could not sort, which Flask fails to save). The
    /// session then keeps its data but counts as accessed, so the response
    /// still carries `Vary: Cookie`, as Flask's 500 does.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::{DynamicSession, SessionData};
    /// use sessionkit::codec::EncodeError;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    /// struct Prefs {
    ///     theme: String,
    ///     page_size: u32,
    /// }
    /// let mut s = DynamicSession::default();
    /// let prefs = Prefs { theme: "dark".into(), page_size: 50 };
    /// s.insert_as("prefs", &prefs)?;
    /// assert_eq!(s.get_as::<Prefs>("prefs").unwrap()?, prefs);
    ///
    /// // A tuple cannot be a JSON key: nothing is stored.
    /// let mut fresh = DynamicSession::default();
    /// let by_pair = std::collections::BTreeMap::from([((1, 2), "x")]);
    /// assert_eq!(fresh.insert_as("m", &by_pair), Err(EncodeError::KeyMustBeString));
    /// assert!(fresh.is_empty() && !fresh.state().is_modified() && fresh.state().is_accessed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert_as<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<Option<Value>, EncodeError> {
        self.state.mark_accessed();
        let v = to_value(value)?;
        Ok(self.insert(key, v))
    }

    /// The value under `key`, to change in place; counts as a write.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Value;
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let mut s = DynamicSession::default();
    /// s.insert("cart", Value::List(vec![]));
    /// let mut loaded = DynamicSession::from_loaded(s.dict().clone());
    /// if let Some(Value::List(items)) = loaded.get_mut("cart") {
    ///     items.push(Value::from(7));
    /// }
    /// // Unlike Flask, an in-place change is a write: it will be saved.
    /// assert!(loaded.state().is_modified());
    /// ```
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        if !self.dict.contains_key(key) {
            self.state.mark_accessed();
            return None;
        }
        if !self.state.mark_modified() {
            return None;
        }
        self.dict.get_mut(key)
    }

    /// Removes `key` (Flask's `pop`): marks modified only if it was present.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{Dict, Value};
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let mut dict = Dict::new();
    /// dict.insert("_flashes", "hi");
    /// let mut s = DynamicSession::from_loaded(dict);
    /// assert_eq!(s.remove("missing"), None);
    /// assert!(!s.state().is_modified());
    /// assert_eq!(s.remove("_flashes"), Some(Value::from("hi")));
    /// assert!(s.state().is_modified());
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        if self.state.is_null() {
            // Flask's `NullSession.pop` fails even for a missing key.
            let _ = self.state.mark_modified();
            return None;
        }
        if !self.dict.contains_key(key) {
            self.state.mark_accessed();
            return None;
        }
        if !self.state.mark_modified() {
            return None;
        }
        self.dict.remove(key)
    }

    /// Removes every key (marks modified even when already empty, as Flask).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let mut s = DynamicSession::default();
    /// s.insert("_user_id", "42");
    /// s.clear(); // logout: an empty, modified session deletes the cookie
    /// assert!(s.is_empty() && s.state().is_modified());
    /// ```
    pub fn clear(&mut self) {
        if self.state.mark_modified() {
            self.dict.clear();
        }
    }

    /// The value under `key`, inserting `default` first if it is missing
    /// (Flask's `setdefault`: modified only when it inserts).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Value;
    /// use sessionkit::DynamicSession;
    ///
    /// let mut s = DynamicSession::default();
    /// assert_eq!(s.set_default("theme", "light"), Some(&Value::from("light")));
    /// assert_eq!(s.set_default("theme", "dark"), Some(&Value::from("light")));
    /// ```
    pub fn set_default(&mut self, key: &str, default: impl Into<Value>) -> Option<&Value> {
        if !self.dict.contains_key(key) && !self.state.mark_modified() {
            return None;
        }
        self.state.mark_accessed();
        if !self.dict.contains_key(key) {
            self.dict.insert(key, default);
        }
        self.dict.get(key)
    }

    /// Whether the session is permanent (`_permanent` is truthy).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    ///
    /// let mut s = DynamicSession::default();
    /// assert!(!s.is_permanent());
    /// s.insert("_permanent", 1); // any truthy value, as in Python
    /// assert!(s.is_permanent());
    /// ```
    pub fn is_permanent(&self) -> bool {
        self.get(PERMANENT_KEY).is_some_and(Value::is_truthy)
    }

    /// Sets `_permanent` to `value` (a real bool, like Flask).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Value;
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let mut s = DynamicSession::default();
    /// s.set_permanent(true);
    /// assert_eq!(s.get("_permanent"), Some(&Value::Bool(true)));
    /// assert!(s.is_permanent_session());
    /// ```
    pub fn set_permanent(&mut self, value: bool) {
        self.insert(PERMANENT_KEY, value);
    }
}

impl SessionData for DynamicSession {
    fn from_dict(dict: Dict) -> Result<Self, SessionDataError> {
        Ok(Self::from_loaded(dict))
    }

    fn write_json(&self, out: &mut Vec<u8>, max_depth: usize) -> Result<(), EncodeError> {
        crate::codec::write_session_json(out, &self.dict, max_depth)
    }

    fn is_empty_session(&self) -> bool {
        self.dict.is_empty()
    }

    fn get_key(&self, key: &str) -> Option<Value> {
        self.dict.get(key).cloned()
    }

    fn set_key(&mut self, key: &str, value: Value) -> Result<(), SessionDataError> {
        self.insert(key, value);
        Ok(())
    }

    fn is_permanent_session(&self) -> bool {
        self.dict.get(PERMANENT_KEY).is_some_and(Value::is_truthy)
    }

    fn state(&self) -> &SessionState {
        &self.state
    }

    fn state_mut(&mut self) -> &mut SessionState {
        &mut self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flask_modification_rules() {
        let loaded: Dict = [("a", 1)].into_iter().collect();
        let s = DynamicSession::from_loaded(loaded.clone());
        assert!(!s.state().is_accessed());
        let _ = s.get("a");
        assert!(s.state().is_accessed() && !s.state().is_modified());

        let mut s = DynamicSession::from_loaded(loaded.clone());
        assert_eq!(s.remove("missing"), None);
        assert!(
            s.state().is_accessed() && !s.state().is_modified(),
            "pop of a missing key"
        );
        let _ = s.set_default("a", 5);
        assert!(!s.state().is_modified(), "setdefault of a present key");
        let _ = s.set_default("b", 5);
        assert!(s.state().is_modified(), "setdefault of a missing key");

        let mut s = DynamicSession::default();
        s.clear();
        assert!(s.state().is_modified(), "clear of an empty session");
        assert!(s.state().is_new());
    }

    #[test]
    fn null_session_refuses_writes_and_remembers() {
        let mut s = DynamicSession::null();
        assert_eq!(s.get("a"), None);
        assert!(!s.state().refused_write());
        s.insert("a", 1);
        assert!(s.state().refused_write());
        assert!(s.is_empty_session(), "the write was not applied");
        assert!(!s.state().is_modified());
    }
}
