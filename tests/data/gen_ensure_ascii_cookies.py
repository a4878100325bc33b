"""Sessions signed by real Flask 3.1 with `app.json.ensure_ascii = False`
(before Flask 2.3: `JSON_AS_ASCII = False`), which writes the session JSON
as UTF-8 instead of escaping every non-ASCII character.
`tests/ensure_ascii.rs` replays them.

    target/interop-venv/bin/python tests/data/gen_ensure_ascii_cookies.py > tests/data/ensure-ascii-cookies.json
"""

import importlib.metadata
import json
import random
import sys

import flask
import itsdangerous
from markupsafe import Markup

SECRET = "ensure-ascii-key"
TIMESTAMP = 1_764_000_000
itsdangerous.TimestampSigner.get_timestamp = lambda self: TIMESTAMP
rng = random.Random(20261127)

POOLS = [
    "abcxyz 019",
    "".join(map(chr, range(0x00, 0x20))) + "\x7f",
    '"\\/',
    "éüßñÆ\xa0\xff",
    "日本語テキスト한국어中文",
    "\u2028\u2029\ufeff\ufffd",
    "😀🎉𝄞\U0010ffff",
]


def text(max_len):
    return "".join(rng.choice(rng.choice(POOLS)) for _ in range(rng.randint(0, max_len)))


def value(depth=0):
    kind = rng.randrange(7 if depth < 2 else 3)
    if kind == 0:
        return text(12)
    if kind == 1:
        return rng.randint(-5, 10**6)
    if kind == 2:
        return text(3) * rng.randint(1, 40)  # long and repetitive: compresses
    if kind == 3:
        return [value(depth + 1) for _ in range(rng.randint(0, 4))]
    if kind == 4:
        return tuple(value(depth + 1) for _ in range(rng.randint(0, 3)))
    if kind == 5:
        return Markup(text(8))
    return {text(6): value(depth + 1) for _ in range(rng.randint(0, 4))}


def app_with(ensure_ascii):
    app = flask.Flask(__name__)
    app.secret_key = SECRET
    app.json.ensure_ascii = ensure_ascii
    return app


utf8_app, ascii_app = app_with(False), app_with(True)
cases = []
for i in range(200):
    session = {text(8): value() for _ in range(rng.randint(1, 6))}
    if i % 2 == 0:
        session["_permanent"] = True
    # In a request context, as Flask's own save step runs (keys sorted).
    with utf8_app.test_request_context():
        utf8 = utf8_app.session_interface.get_signing_serializer(utf8_app).dumps(session)
    with ascii_app.test_request_context():
        ascii_serializer = ascii_app.session_interface.get_signing_serializer(ascii_app)
        cases.append(
            {
                "session_json": ascii_app.session_interface.serializer.dumps(session),
                "cookie_utf8": utf8,
                "cookie_ascii": ascii_serializer.dumps(session),
            }
        )

json.dump(
    {
        "generator": "tests/data/gen_ensure_ascii_cookies.py",
        "flask": importlib.metadata.version("flask"),
        "secret_key": SECRET,
        "timestamp": TIMESTAMP,
        "cases": cases,
    },
    sys.stdout,
    indent=1,
)
sys.stdout.write("\n")
