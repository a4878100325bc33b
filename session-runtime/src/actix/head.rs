//! Request and response heads between actix-web and the core.
//!
//! actix-web 4 is built on `http` 0.2; the core (and axum, hyper, tower) on
//! `http` 1. Their method, URI, version and header types are distinct
//! types with the same content, so the adapter copies what the core reads:
//! the request's method, URI, version and cookies (its other headers only
//! when something reads them), and on the way out either the
//! whole response head (when after-request hooks may change it) or only
//! what the save touches (`Vary` in, `Set-Cookie` and `Vary` out). No
//! crate converts between the two versions; every value is copied through
//! the target type's own checked constructor, so nothing is reinterpreted.

use actix_web::HttpResponse;
use actix_web::body::BoxBody;
use actix_web::dev::RequestHead;
use actix_web::http::header as actix_header;

/// The core's view of `head`: method, URI, version and the `Cookie`
/// headers — all that opening a session reads from an interface that opens
/// from its cookie ([`lazy_cookie`](crate::interface::SessionInterface::lazy_cookie)).
/// [`copy_headers`] adds the rest when something reads more (hooks, the
/// CSRF check, an interface that opens eagerly): copying a browser's dozen
/// headers costs about a microsecond, a third of a cookie session's request.
pub(super) fn request_parts(head: &RequestHead) -> http::request::Parts {
    let mut request = http::Request::new(());
    *request.method_mut() =
        http::Method::from_bytes(head.method.as_str().as_bytes()).unwrap_or(http::Method::GET);
    *request.uri_mut() = http::Uri::try_from(head.uri.to_string()).unwrap_or_default();
    *request.version_mut() = version(head.version);
    for value in head.headers.get_all(actix_header::COOKIE) {
        if let Ok(value) = http::HeaderValue::from_bytes(value.as_bytes()) {
            request.headers_mut().append(http::header::COOKIE, value);
        }
    }
    request.into_parts().0
}

/// Completes `parts` made by [`request_parts`] with every header of `head`.
pub(super) fn copy_headers(head: &RequestHead, parts: &mut http::request::Parts) {
    parts.headers = to_http_headers(&head.headers);
}

fn version(v: actix_web::http::Version) -> http::Version {
    use actix_web::http::Version as V;
    match v {
        V::HTTP_09 => http::Version::HTTP_09,
        V::HTTP_10 => http::Version::HTTP_10,
        V::HTTP_2 => http::Version::HTTP_2,
        V::HTTP_3 => http::Version::HTTP_3,
        _ => http::Version::HTTP_11,
    }
}

/// Every header of an actix-web header map, as an `http` 1 map (values
/// that `http` 1 would refuse, which actix-web never holds, are skipped).
pub(crate) fn to_http_headers(headers: &actix_header::HeaderMap) -> http::HeaderMap {
    let mut out = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            out.append(name, value);
        }
    }
    out
}

/// Appends `values` (all of `name`'s values in an `http` 1 map) to an
/// actix-web header map.
fn append_all<'a>(
    out: &mut actix_header::HeaderMap,
    name: &str,
    values: impl Iterator<Item = &'a http::HeaderValue>,
) {
    let Ok(name) = actix_header::HeaderName::from_bytes(name.as_bytes()) else {
        return;
    };
    for value in values {
        if let Ok(value) = actix_header::HeaderValue::from_bytes(value.as_bytes()) {
            out.append(name.clone(), value);
        }
    }
}

/// The response head the core's save reads: the status and, with `full`,
/// every header (after-request hooks see and may change them all), else
/// only `Vary` (which the save extends).
pub(super) fn response_parts<B>(response: &HttpResponse<B>, full: bool) -> http::response::Parts {
    let mut out = http::Response::new(());
    *out.status_mut() = http::StatusCode::from_u16(response.status().as_u16()).unwrap_or_default();
    if full {
        *out.headers_mut() = to_http_headers(response.headers());
    } else {
        for value in response.headers().get_all(actix_header::VARY) {
            if let Ok(value) = http::HeaderValue::from_bytes(value.as_bytes()) {
                out.headers_mut().append(http::header::VARY, value);
            }
        }
    }
    out.into_parts().0
}

/// Writes what the core changed back into the actix-web response: with
/// `full`, the status and every header; else `Vary` and the cookies the
/// save added.
pub(super) fn write_back<B>(
    parts: &http::response::Parts,
    response: &mut HttpResponse<B>,
    full: bool,
) {
    let headers = response.headers_mut();
    if full {
        headers.clear();
        for name in parts.headers.keys() {
            append_all(headers, name.as_str(), parts.headers.get_all(name).iter());
        }
        if let Ok(status) = actix_web::http::StatusCode::from_u16(parts.status.as_u16()) {
            *response.status_mut() = status;
        }
        return;
    }
    if parts.headers.contains_key(http::header::VARY) {
        headers.remove(actix_header::VARY);
        append_all(
            headers,
            "vary",
            parts.headers.get_all(http::header::VARY).iter(),
        );
    }
    append_all(
        headers,
        "set-cookie",
        parts.headers.get_all(http::header::SET_COOKIE).iter(),
    );
}

/// An answer the core made (a hook's, a CSRF refusal, a save error) as an
/// actix-web response.
pub(super) fn to_actix(response: http::Response<Vec<u8>>) -> HttpResponse<BoxBody> {
    let (parts, body) = response.into_parts();
    let status = actix_web::http::StatusCode::from_u16(parts.status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = HttpResponse::with_body(status, BoxBody::new(body));
    for name in parts.headers.keys() {
        append_all(
            out.headers_mut(),
            name.as_str(),
            parts.headers.get_all(name).iter(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_head_keeps_every_header_value_in_order() {
        let request = actix_web::test::TestRequest::post()
            .uri("/a/b?x=1")
            .append_header(("cookie", "a=1"))
            .append_header(("cookie", "b=2"))
            .append_header(("origin", "http://x.example"))
            .to_srv_request();
        let mut parts = request_parts(request.head());
        assert_eq!(parts.method, http::Method::POST);
        assert_eq!(parts.uri, "/a/b?x=1");
        let cookies: Vec<_> = parts.headers.get_all("cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert!(
            parts.headers.get("origin").is_none(),
            "only the cookies at first"
        );
        copy_headers(request.head(), &mut parts);
        let cookies: Vec<_> = parts.headers.get_all("cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert_eq!(parts.headers["origin"], "http://x.example");
    }

    #[test]
    fn a_response_head_round_trips_and_the_save_adds_only_its_headers() {
        let mut response = HttpResponse::Found()
            .append_header(("vary", "Accept-Encoding"))
            .append_header(("set-cookie", "theme=dark"))
            .append_header(("x-kept", "1"))
            .finish();
        let mut parts = response_parts(&response, false);
        assert_eq!(parts.status, 302);
        assert!(parts.headers.get("x-kept").is_none(), "only Vary is copied");
        parts
            .headers
            .insert("vary", "Accept-Encoding, Cookie".parse().unwrap());
        parts
            .headers
            .append("set-cookie", "session=x; Path=/".parse().unwrap());
        write_back(&parts, &mut response, false);
        let cookies: Vec<_> = response.headers().get_all("set-cookie").collect();
        assert_eq!(cookies, ["theme=dark", "session=x; Path=/"]);
        assert_eq!(
            response.headers().get("vary").unwrap(),
            "Accept-Encoding, Cookie"
        );
        assert_eq!(response.headers().get("x-kept").unwrap(), "1");

        let mut parts = response_parts(&response, true);
        parts.headers.remove("x-kept");
        parts.status = http::StatusCode::IM_A_TEAPOT;
        write_back(&parts, &mut response, true);
        assert_eq!(response.status(), 418);
        assert!(response.headers().get("x-kept").is_none());
        assert_eq!(response.headers().get_all("set-cookie").count(), 2);
    }
}
