"""A real Flask 3.1.3 + Flask-Session 0.8.0 app on Redis or on
Flask-SQLAlchemy, for the live server-side interop tests
(`tests/store_redis.rs`, `tests/store_sql.rs`).

Usage: python flask_session_app.py SECRET_KEY STORE USE_SIGNER(0|1) [msgpack|json]

STORE is a Redis port (`SESSION_TYPE = "redis"`) or an SQLAlchemy URL such
as `postgresql+psycopg://postgres@127.0.0.1/db` (`SESSION_TYPE =
"sqlalchemy"`, the default table `sessions`).
Serves on 127.0.0.1 on a free port chosen by the OS, prints that port on the
first line of stdout, and serves until killed.
"""

import datetime
import sys
import warnings

import redis
from flask import Flask, jsonify, request, session
from flask_session import Session

warnings.simplefilter("ignore", DeprecationWarning)  # SESSION_USE_SIGNER

app = Flask(__name__)
app.secret_key = sys.argv[1]
app.config.update(
    SESSION_USE_SIGNER=sys.argv[3] == "1",
    SESSION_SERIALIZATION_FORMAT=sys.argv[4] if len(sys.argv) > 4 else "msgpack",
)
if sys.argv[2].isdigit():
    app.config.update(SESSION_TYPE="redis",
                      SESSION_REDIS=redis.Redis(host="127.0.0.1", port=int(sys.argv[2])))
else:
    from flask_sqlalchemy import SQLAlchemy

    app.config.update(SQLALCHEMY_DATABASE_URI=sys.argv[2])
    app.config.update(SESSION_TYPE="sqlalchemy", SESSION_SQLALCHEMY=SQLAlchemy(app))
Session(app)


def describe(value):
    """A value as Python sees it: its type name and repr, recursively."""
    if isinstance(value, dict):
        return {"dict": {k: describe(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [describe(v) for v in value]}
    return {type(value).__name__: repr(value)}


@app.post("/write")
def write():
    """Every kind of value Flask-Session's msgpack carries."""
    session["user"] = "ada"
    session["n"] = 42
    session["neg"] = -70000
    session["big"] = 2**64 - 1
    session["f"] = 1.5
    session["bytes"] = b"\x00\xff"
    session["t"] = (1, "x")
    session["nested"] = {"a": [1, {"b": "\u00fc\U0001f600"}], "none": None, "yes": True}
    session["when"] = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    session["naive"] = datetime.datetime(2026, 1, 2, 3, 4, 5)
    session["_user_id"] = "42"
    return "ok"


@app.post("/set/<key>/<value>")
def set_value(key, value):
    session[key] = value
    return "ok"


@app.get("/read")
def read():
    return jsonify({k: describe(v) for k, v in session.items()})


@app.post("/clear")
def clear():
    session.clear()
    return "ok"


if __name__ == "__main__":
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app)
    print(server.server_port, flush=True)
    server.serve_forever()
