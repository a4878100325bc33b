//! Ports of the Werkzeug (and CPython `urllib`) behaviour Flask's sessions
//! and Flask-WTF's checks rely on, in one floor.
//!
//! - [`http`]: cookie and header parsing and formatting, HTTP dates, the
//!   `Vary` set, one [`http::is_token`];
//! - [`form`]: `request.form` (urlencoded and multipart bodies) with Flask
//!   3.1's limits;
//! - [`urls`]: `urlparse` origins and percent-decoding;
//! - [`idna2003`]: Python's `idna` codec, for the cookie `Domain`.
//!
//! Files here import from each other and from [`crate::codec`] (dates)
//! only; the Flask-level files (`secure_cookie`, `csrf`, `flask_login`)
//! import from here and never from each other for HTTP details.

pub(crate) mod form;
pub(crate) mod http;
pub(crate) mod idna2003;
pub(crate) mod urls;
