"""300 sessions with every tag, signed by the running Python's Flask, and
50 CSRF tokens signed by its Flask-WTF.

Run by `scripts/flask_versions.sh` under Flask 1.1.4, 2.0.3, 2.2.5 and 3.1.3
(with Flask-WTF 0.14.3, 1.0.1, 1.1.1 and 1.3.0); the script checks that all
four print the same bytes, and keeps 3.1.3's
output as `tests/data/flask-versions-cookies.json`, which
`tests/flask_versions.rs` replays: a team moving an older Flask app to Rust
shares its sessions the same way.
"""

import datetime
import importlib.metadata
import json
import random
import sys
import uuid

import flask
import itsdangerous
from flask_wtf.csrf import generate_csrf, validate_csrf
from markupsafe import Markup

SECRET = "flask-versions-key"
TIMESTAMP = 1_764_000_000
itsdangerous.TimestampSigner.get_timestamp = lambda self: TIMESTAMP
app = flask.Flask(__name__)
app.secret_key = SECRET
rng = random.Random(5)
cookies = []
# In a request context, as Flask's own save step runs.
with app.test_request_context():
    serializer = app.session_interface.get_signing_serializer(app)
    for i in range(300):
        session = {
            "_permanent": i % 2 == 0,
            "csrf_token": "%040x" % rng.getrandbits(160),
            "user_id": rng.randint(0, 10**6),
            "t": (1, "a", b"\x00\xff"),
            "m": Markup("<b>%d</b>" % i),
            "u": uuid.UUID(int=rng.getrandbits(128)),
            "d": datetime.datetime(2024, 1, 2, 3, 4, 5, rng.randint(0, 999_999), tzinfo=datetime.timezone.utc),
            "f": rng.random() * 10 ** rng.randint(-20, 20),
            " t": [1],
            "n": {"b": 1, "a": [None, True, "é\u2028\U0001f600"]},
            "big": 2**70 + i,
        }
        if i % 3 == 0:
            # Long enough for zlib to pay off.
            session["blob"] = ["x" * rng.randint(0, 300)]
        elif i % 3 == 1:
            # Small, mostly too short for zlib to save 2 bytes.
            keep = rng.sample(sorted(session), 3)
            session = {k: session[k] for k in keep}
        cookie = serializer.dumps(session)
        assert serializer.loads(cookie) is not None
        cookies.append(cookie)

csrf_tokens = []
for _ in range(50):
    # One request each: Flask-WTF caches the signed token per request.
    with app.test_request_context():
        raw = "%040x" % rng.getrandbits(160)
        flask.session["csrf_token"] = raw
        token = generate_csrf()
        validate_csrf(token)
        csrf_tokens.append({"raw": raw, "signed": token})

json.dump(
    {
        "generator": "tests/data/gen_flask_versions_cookies.py",
        "flask": importlib.metadata.version("flask"),
        "flask_wtf": importlib.metadata.version("flask-wtf"),
        "itsdangerous": importlib.metadata.version("itsdangerous"),
        "secret_key": SECRET,
        "timestamp": TIMESTAMP,
        "cookies": cookies,
        "csrf_tokens": csrf_tokens,
    },
    sys.stdout,
    indent=1,
)
sys.stdout.write("\n")
