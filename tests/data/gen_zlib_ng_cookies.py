"""Cookies written by real Flask 3.1 whose Python `zlib` is zlib-ng.

Python's `zlib` module may be linked to zlib-ng (which can be built as a
drop-in replacement for zlib) instead of zlib. zlib-ng's level 6 writes different deflate streams, and for about
one small session in twelve it makes the other compression decision. Flask
on such a Python still writes valid cookies, and every Flask reads them; so
must we. This script signs sessions with Flask's own serializer twice, once
with CPython's zlib and once with zlib-ng (`pip install zlib-ng`, whose
`zlib_ng.zlib_ng` is a drop-in `zlib`), and keeps the sessions where the two
cookies differ: `tests/zlib_ng_cookies.rs` replays them. On stderr it
says how often the two differ among the sessions it made (on 2026-11-27:
the compression decision for 246 of 3 000 small sessions, the bytes for
every medium and large one).

    python -m venv /tmp/zng && /tmp/zng/bin/pip install flask==3.1.3 zlib-ng
    /tmp/zng/bin/python tests/data/gen_zlib_ng_cookies.py > tests/data/zlib-ng-cookies.json
"""

import importlib.metadata
import json
import random
import sys
import zlib

import flask
import itsdangerous
import itsdangerous.url_safe
from zlib_ng import zlib_ng

SECRET = "zlib-ng-interop-key"
TIMESTAMP = 1_764_000_000
rng = random.Random(20261127)


def hex_token(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def small():
    return {"_permanent": True, "csrf_token": hex_token(40), "user_id": rng.randint(0, 10**6)}


def medium():
    return {
        "_permanent": True,
        "_fresh": rng.random() < 0.5,
        "_id": hex_token(128),
        "_user_id": str(rng.randint(1, 10**5)),
        "csrf_token": hex_token(40),
        "cart": [(rng.randint(1, 999), rng.randint(1, 5)) for _ in range(rng.randint(0, 12))],
        "prefs": {"theme": rng.choice(["dark", "light"]), "lang": rng.choice(["en", "de", "fr"])},
        "_flashes": [("message", "Saved %d items" % rng.randint(1, 50))],
    }


def large():
    s = medium()
    s["recent"] = [
        {"id": rng.randint(1, 10**4), "name": "Product %d" % rng.randint(1, 500), "price": rng.randint(100, 99999) / 100}
        for _ in range(rng.randint(10, 60))
    ]
    return s


app = flask.Flask(__name__)
app.secret_key = SECRET
# Inside an app context, as in a request: Flask's JSON provider sorts keys.
app.app_context().push()
serializer = app.session_interface.get_signing_serializer(app)
itsdangerous.TimestampSigner.get_timestamp = lambda self: TIMESTAMP


def sign(session, zlib_module):
    itsdangerous.url_safe.zlib = zlib_module
    try:
        return serializer.dumps(session)
    finally:
        itsdangerous.url_safe.zlib = zlib


wanted = {
    ("small", "only zlib-ng compresses"): 12,
    ("small", "only zlib compresses"): 12,
    ("small", "both compress, different bytes"): 8,
    ("medium", "both compress, different bytes"): 8,
    ("large", "both compress, different bytes"): 8,
}
found = {k: [] for k in wanted}
tried = {"small": 0, "medium": 0, "large": 0}
decision_differs = dict.fromkeys(tried, 0)
bytes_differ = dict.fromkeys(tried, 0)
for _ in range(3_000):
    for shape, make in (("small", small), ("medium", medium), ("large", large)):
        session = make()
        ng, classic = sign(session, zlib_ng), sign(session, zlib)
        tried[shape] += 1
        bytes_differ[shape] += ng != classic
        decision_differs[shape] += ng.startswith(".") != classic.startswith(".")
        if ng == classic:
            continue
        if ng.startswith(".") and classic.startswith("."):
            kind = "both compress, different bytes"
        elif ng.startswith("."):
            kind = "only zlib-ng compresses"
        else:
            kind = "only zlib compresses"
        key = (shape, kind)
        if key in found and len(found[key]) < wanted[key]:
            # Flask's own reading of the zlib-ng cookie is the expected session.
            opened = serializer.loads(ng)
            found[key].append(
                {
                    "shape": shape,
                    "kind": kind,
                    "zlib_ng_cookie": ng,
                    "zlib_cookie": classic,
                    "session_json": app.session_interface.serializer.dumps(opened),
                }
            )

for shape, n in tried.items():
    print(
        f"{shape}: {n} sessions, cookies differ for {bytes_differ[shape]},"
        f" the compression decision for {decision_differs[shape]}",
        file=sys.stderr,
    )
missing = {f"{s}/{k}": n - len(found[(s, k)]) for (s, k), n in wanted.items() if len(found[(s, k)]) < n}
if missing:
    sys.exit(f"not enough cases found: {missing}")

json.dump(
    {
        "generator": "tests/data/gen_zlib_ng_cookies.py",
        "flask": importlib.metadata.version("flask"),
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
        "zlib_ng": zlib_ng.ZLIBNG_VERSION,
        "secret_key": SECRET,
        "timestamp": TIMESTAMP,
        "cases": [case for key in wanted for case in found[key]],
    },
    sys.stdout,
    indent=1,
)
sys.stdout.write("\n")
