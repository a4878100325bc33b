"""Drives real Flask's session serializer for the Rust tests.

Reads one JSON request per line on stdin and answers one JSON line each:

  {"op": "dumps", "key_hex": H, "fallbacks_hex": [..], "timestamp": T, "value": TYPED}
      -> {"cookie": "..."}
  {"op": "loads", "key_hex": H, "fallbacks_hex": [..], "now": T, "max_age": S, "cookie": C}
      -> {"session": TYPED} | {"error": "ExceptionClass", "message": "..."}
  {"op": "loads_any", ...same as loads...}
      -> {"value": TYPED} | {"error": ...}   (the payload need not be a dict)
  {"op": "json", "value": TYPED} -> {"json": "..."}   (Flask's tagged JSON text)
  {"op": "dumps_json", "key_hex": H, "timestamp": T, "json": TEXT}
      -> {"cookie": "..."}   (itsdangerous signing TEXT as the payload, with
         its zlib rule: exercises the compressor on arbitrary text)

TYPED is the vectors' typed-value convention (tests/data/flask-sessions.json).
"""

import datetime
import json
import stringprep
import struct
import sys
import uuid
from unittest import mock

from flask import Flask, abort, make_response, request, session
from flask.sessions import SecureCookieSessionInterface
from markupsafe import Markup
from flask_wtf.csrf import CSRFProtect, generate_csrf, same_origin, validate_csrf
from wtforms import ValidationError
from flask_login import LoginManager
from flask_login import utils as login_utils
from werkzeug.http import dump_cookie, parse_cookie
from werkzeug.test import EnvironBuilder
from werkzeug.sansio.utils import get_host


def from_typed(t):
    k = t["t"]
    if k == "none":
        return None
    if k == "bool":
        return t["v"]
    if k == "int":
        return int(t["v"])
    if k == "float":
        return float(t["v"])
    if k in ("str", "markup"):
        s = t["v"] if "v" in t else "".join(chr(c) for c in t["cps"])
        return Markup(s) if k == "markup" else s
    if k == "bytes":
        return bytes.fromhex(t["hex"])
    if k == "list":
        return [from_typed(x) for x in t["v"]]
    if k == "tuple":
        return tuple(from_typed(x) for x in t["v"])
    if k == "dict":
        return {from_typed(a): from_typed(b) for a, b in t["v"]}
    if k == "uuid":
        return uuid.UUID(t["v"])
    if k == "datetime":
        return datetime.datetime.fromisoformat(t["v"])
    raise ValueError(f"unknown typed kind {k}")


def to_typed(v):
    if v is None:
        return {"t": "none"}
    if isinstance(v, bool):
        return {"t": "bool", "v": v}
    if isinstance(v, int):
        return {"t": "int", "v": str(v)}
    if isinstance(v, float):
        return {"t": "float", "v": repr(v)}
    if isinstance(v, str):
        kind = "markup" if isinstance(v, Markup) else "str"
        try:
            v.encode("utf-8")
            return {"t": kind, "v": str(v)}
        except UnicodeEncodeError:
            return {"t": kind, "cps": [ord(c) for c in v]}
    if isinstance(v, bytes):
        return {"t": "bytes", "hex": v.hex()}
    if isinstance(v, list):
        return {"t": "list", "v": [to_typed(x) for x in v]}
    if isinstance(v, tuple):
        return {"t": "tuple", "v": [to_typed(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "v": [[to_typed(a), to_typed(b)] for a, b in v.items()]}
    if isinstance(v, uuid.UUID):
        return {"t": "uuid", "v": str(v)}
    if isinstance(v, datetime.datetime):
        return {"t": "datetime", "v": v.isoformat()}
    raise ValueError(f"cannot type {type(v)}")


def serializer(req):
    app = Flask("interop")
    app.secret_key = bytes.fromhex(req["key_hex"])
    app.config["SECRET_KEY_FALLBACKS"] = [bytes.fromhex(h) for h in req.get("fallbacks_hex", [])]
    app.json.ensure_ascii = req.get("ensure_ascii", True)
    ctx = app.app_context()
    ctx.push()
    return ctx, SecureCookieSessionInterface().get_signing_serializer(app)


# The handler actions of the HTTP vectors (the same names as there).
ACTIONS = {
    "none": lambda session: "ok",
    "session.get('a')": lambda session: str(session.get("a")),
    # Reaching the session at all marks it accessed (Flask 3.1.3).
    "session.new": lambda session: str(session.new),
    "set user='x'": lambda session: session.__setitem__("user", "x") or "ok",
    "set user='x'; permanent": lambda session: (
        session.__setitem__("user", "x"), setattr(session, "permanent", True)
    ) and "ok",
    "set user='z'; abort(403)": lambda session: session.__setitem__("user", "z") or abort(403),
    "session.clear()": lambda session: session.clear() or "ok",
    "session.pop('nope', None)": lambda session: session.pop("nope", None) or "ok",
    "session['a'] = session['a']": lambda session: session.__setitem__("a", session.get("a")) or "ok",
}


def http(req):
    """One request through a Flask app configured as `req` says, answered
    with the response's status, `Set-Cookie` headers and `Vary`."""
    app = Flask("interop_http")
    if req.get("key_hex") is not None:
        app.secret_key = bytes.fromhex(req["key_hex"])
    app.config["SECRET_KEY_FALLBACKS"] = [bytes.fromhex(h) for h in req.get("fallbacks_hex", [])]
    config = dict(req["config"])
    # Not a config key since Flask 2.3 (it was `JSON_AS_ASCII`): the provider's.
    if "JSON_ENSURE_ASCII" in config:
        app.json.ensure_ascii = config.pop("JSON_ENSURE_ASCII")
    app.config.update(config)
    action = ACTIONS[req["action"]]

    @app.route("/act")
    def act():
        response = make_response(action(session))
        for value in req.get("vary", []):
            response.headers.add("Vary", value)
        return response

    now = datetime.datetime.fromtimestamp(req["now"], datetime.timezone.utc)
    fixed = type("Fixed", (datetime.datetime,), {"now": staticmethod(lambda tz=None: now)})
    headers = {"Cookie": req["cookie"]} if req.get("cookie") is not None else {}
    with mock.patch("itsdangerous.timed.time.time", return_value=req["now"]), mock.patch(
        "flask.sessions.datetime", fixed
    ):
        # `use_cookies=False`: the client would replace the `Cookie` header
        # with its own (empty) cookie jar.
        response = app.test_client(use_cookies=False).get(req.get("path", "/act"), headers=headers)
    return {
        "status": response.status_code,
        "set_cookie": response.headers.getlist("Set-Cookie"),
        "vary": response.headers.getlist("Vary"),
    }


def handle(req):
    op = req["op"]
    if op == "json":
        app = Flask("interop")
        with app.app_context():
            try:
                return {"json": SecureCookieSessionInterface.serializer.dumps(from_typed(req["value"]))}
            except TypeError as e:  # keys Python cannot sort: Flask answers 500
                return {"error": type(e).__name__, "message": str(e)}
    if op == "http":
        return http(req)
    if op == "float_json":
        # Flask's JSON for the double with these IEEE 754 bits.
        value = struct.unpack("<d", int(req["bits"]).to_bytes(8, "little"))[0]
        app = Flask("interop")
        with app.app_context():
            return {"json": SecureCookieSessionInterface.serializer.dumps({"x": value})}
    if op == "untag":
        # Flask's tagged loader on a JSON text (any value, not only a dict).
        app = Flask("interop")
        with app.app_context():
            try:
                value = SecureCookieSessionInterface.serializer.loads(req["text"])
            except Exception as e:
                return {"error": type(e).__name__, "message": str(e)}
        return {"value": to_typed(value)}
    if op in ("csrf_sign", "csrf_validate"):
        # A Flask-WTF token for a session holding `raw`, signed at `now`; or
        # Flask-WTF's verdict on `token` for that session at `now`.
        app = Flask(op)
        app.config["SECRET_KEY"] = req["secret"]
        with app.test_request_context("/"), mock.patch(
            "itsdangerous.timed.time.time", return_value=req["now"]
        ):
            session["csrf_token"] = req["raw"]
            if op == "csrf_sign":
                return {"token": generate_csrf()}
            try:
                validate_csrf(req["token"])
            except ValidationError as e:
                return {"verdict": e.args[0]}
            return {"verdict": "ok"}
    if op == "csrf_form_token":
        # The token Flask-WTF's CSRFProtect finds in a POST: `request.form`
        # as Werkzeug parses the body, then the headers.
        app = Flask("csrf_form")
        app.config["SECRET_KEY"] = "unused"
        protect = CSRFProtect(app)
        headers = dict(req.get("headers", {}))
        if req.get("content_type") is not None:
            headers["Content-Type"] = req["content_type"]
        body = req["body"].encode("latin1")
        with app.test_request_context("/", method="POST", data=body, headers=headers):
            try:
                return {"token": protect._get_csrf_token()}
            except Exception as e:
                return {"error": type(e).__name__, "message": str(e)}
    if op == "csrf_referrer":
        # Flask-WTF's SSL-strict referrer check on an HTTPS request: its
        # `same_origin(request.referrer, "https://" + request.host + "/")`.
        if not req.get("referrer"):
            return {"verdict": "missing"}
        good = f"https://{get_host('https', req['host'])}/"
        try:
            same = same_origin(req["referrer"], good)
        except ValueError as e:  # Flask answers 500
            return {"verdict": "error", "message": str(e)}
        return {"verdict": "ok" if same else "mismatch"}
    if op == "request_cookie":
        # What `request.cookies.get(name)` gives for a `Cookie` header (as
        # the WSGI environ holds it: the header bytes as Latin-1 text).
        try:
            return {"value": parse_cookie(req["header"]).get(req["name"])}
        except Exception as e:
            return {"error": type(e).__name__, "message": str(e)}
    if op == "cookie_domain":
        # Werkzeug's rendering of a cookie's Domain (IDNA 2003 and all), and
        # whether the domain holds code points unassigned in Unicode 3.2
        # (which Python's nameprep case-folds with today's Unicode data).
        post32 = any(stringprep.in_table_a1(c) for c in req["domain"])
        try:
            return {"cookie": dump_cookie("s", "v", domain=req["domain"]), "post32": post32}
        except Exception as e:
            return {"error": type(e).__name__, "message": str(e), "post32": post32}
    if op == "login_identifier":
        # Flask-Login's `_create_identifier()` for a request whose WSGI
        # environ holds these headers (raw bytes as Latin-1 text) and this
        # REMOTE_ADDR (absent when null).
        app = Flask("login")
        environ = EnvironBuilder("/").get_environ()
        environ.pop("REMOTE_ADDR", None)
        if req["remote_addr"] is not None:
            environ["REMOTE_ADDR"] = req["remote_addr"]
        for name, key in (("HTTP_X_FORWARDED_FOR", "x_forwarded_for_hex"), ("HTTP_USER_AGENT", "user_agent_hex")):
            if req[key] is not None:
                environ[name] = bytes.fromhex(req[key]).decode("latin1")
        with app.request_context(environ):
            return {"id": login_utils._create_identifier()}
    if op == "login_protection":
        # Flask-Login's `_session_protection_failed()` on a loaded session,
        # then its after-request pop of `_remember`: the session as saved,
        # whether it was modified or accessed, and whether the user is
        # refused.
        app = Flask("protection")
        app.secret_key = "k"
        manager = LoginManager(app)
        app.config["SESSION_PROTECTION"] = req["mode"]
        manager._session_identifier_generator = lambda: req["current_id"]
        with app.test_request_context("/"):
            sess = session._get_current_object()
            dict.update(sess, from_typed(req["session"]))
            failed = manager._session_protection_failed()
            accessed = sess.accessed
            remember = sess.pop("_remember", None) if "_remember" in sess else None
            return {
                "failed": failed,
                "remember": remember,
                "session": to_typed(dict.copy(sess)),
                "modified": sess.modified,
                "accessed": accessed,
            }
    if op == "remember_set_cookie":
        # Flask-Login's `_set_cookie` at `now` (its `datetime.utcnow()`) for
        # a session holding `_user_id` (and `_remember_seconds` if given),
        # with the REMEMBER_COOKIE_* settings in `config`; then the user id
        # Flask-Login reads back from a request carrying that cookie.
        app = Flask("remember")
        app.config["SECRET_KEY"] = req["secret"]
        app.config.update(req["config"])
        manager = LoginManager(app)
        fixed = datetime.datetime.fromtimestamp(req["now"], datetime.timezone.utc)

        class Clock(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return fixed.replace(tzinfo=None)

        with app.test_request_context("/"), mock.patch("flask_login.login_manager.datetime", Clock):
            session["_user_id"] = req["user_id"]
            if req.get("remember_seconds") is not None:
                session["_remember_seconds"] = req["remember_seconds"]
            response = make_response("ok")
            try:
                manager._set_cookie(response)
            except Exception as e:
                return {"error": type(e).__name__, "message": str(e)}
            header = response.headers.getlist("Set-Cookie")
            cleared = make_response("ok")
            manager._clear_cookie(cleared)
            deletion = cleared.headers.getlist("Set-Cookie")
        pair = header[0].split("; ")[0]
        with app.test_request_context("/", headers={"Cookie": pair}):
            name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            cookie = request.cookies.get(name)
            back = login_utils.decode_cookie(cookie) if cookie is not None else None
        return {"set_cookie": header, "read_back": back, "delete": deletion}
    if op == "remember_restore":
        # Flask-Login's `_load_user()` (session protection off, a user loader
        # that knows every id) on a loaded session and a request `Cookie`
        # header: the session afterwards and whether it was modified.
        app = Flask("restore")
        app.config["SECRET_KEY"] = req["secret"]
        app.config["SESSION_PROTECTION"] = None
        manager = LoginManager(app)
        manager.user_loader(lambda uid: {"id": uid})
        headers = {"Cookie": req["cookie_header"]} if req["cookie_header"] is not None else {}
        with app.test_request_context("/", headers=headers):
            sess = session._get_current_object()
            dict.update(sess, from_typed(req["session"]))
            try:
                manager._load_user()
            except Exception as e:  # Flask would answer 500
                return {"error": type(e).__name__, "message": str(e)}
            return {"session": to_typed(dict.copy(sess)), "modified": sess.modified}
    if op in ("remember_encode", "remember_decode"):
        # Flask-Login's remember-me cookie value for `user_id`, or the user id
        # it reads from `cookie` (None when the digest does not match).
        app = Flask("remember")
        app.config["SECRET_KEY"] = req["secret"]
        with app.app_context():
            try:
                if op == "remember_encode":
                    return {"value": login_utils.encode_cookie(req["user_id"])}
                return {"user_id": login_utils.decode_cookie(req["cookie"])}
            except Exception as e:  # Flask would answer 500
                return {"error": type(e).__name__, "message": str(e)}
    ctx, s = serializer(req)
    try:
        if op == "dumps":
            with mock.patch("itsdangerous.timed.time.time", return_value=req["timestamp"]):
                return {"cookie": s.dumps(from_typed(req["value"]))}
        if op == "dumps_json":
            # Flask's serializer turns the session into TEXT; hand it TEXT.
            s.serializer = type("Raw", (), {"dumps": staticmethod(lambda obj, **kw: obj)})
            with mock.patch("itsdangerous.timed.time.time", return_value=req["timestamp"]):
                return {"cookie": s.dumps(req["json"])}
        if op == "resign":
            # What `sessionkit sign` promises: Flask's tagged loader reads the
            # text in whatever spelling, and the session is saved as Flask
            # saves it (JSON `null` opens as an empty session).
            data = s.serializer.loads(req["text"])
            if data is None:
                data = {}
            if not isinstance(data, dict):
                return {"error": "NotAMapping", "message": type(data).__name__}
            with mock.patch("itsdangerous.timed.time.time", return_value=req["timestamp"]):
                return {"cookie": s.dumps(data)}
        if op in ("loads", "loads_any"):
            with mock.patch("itsdangerous.timed.time.time", return_value=req["now"]):
                try:
                    data = s.loads(req["cookie"], max_age=req["max_age"])
                except Exception as e:  # the class name is the answer
                    return {"error": type(e).__name__, "message": str(e)}
            if op == "loads_any":
                return {"value": to_typed(data)}
            if data is None:
                data = {}
            return {"session": to_typed(dict(data))}
        raise ValueError(f"unknown op {op}")
    finally:
        ctx.pop()


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = handle(json.loads(line))
        except Exception as e:
            out = {"error": type(e).__name__, "message": str(e)}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
