"""300 sessions with every tag, signed by the running Python's Flask; 50
CSRF tokens signed by its Flask-WTF; 30 remember-me cookies and 30 session
identifiers (`_id`) of its Flask-Login.

Run by `scripts/flask_versions.sh` under Flask 1.1.4, 2.0.3, 2.2.5 and 3.1.3
(with Flask-WTF 0.14.3, 1.0.1, 1.1.1 and 1.3.0, Flask-Login 0.5.0, 0.5.0,
0.6.2 and 0.6.3); the script checks that all four print the same bytes, and
keeps 3.1.3's
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
from flask_login import utils as login_utils
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

remember = []
user_ids = ["1", "42", "a|b", "ü", "Ω-7", "", " x ", "%s" % ("9" * 40)]
user_ids += [str(rng.randint(0, 10**9)) for _ in range(22)]
with app.app_context():
    for user_id in user_ids:
        cookie = login_utils.encode_cookie(user_id)
        assert login_utils.decode_cookie(cookie) == user_id
        remember.append({"user_id": user_id, "cookie": cookie})

identifiers = []
# Header values as the bytes a client sends; a WSGI server hands them to
# Flask decoded as Latin-1.
agents = [None, b"curl/8.0", "Mozilla/5.0 (it's \"x\") \\ \u00fc".encode(), b"a\tb", "\u03a9".encode()]
forwarded = [None, b"203.0.113.9", b" 203.0.113.9 , 10.0.0.1", b"\t1.2.3.4 ", "\u00fc".encode()]
for i in range(30):
    remote_addr = rng.choice(["10.0.0.1", "::1", "198.51.100.9"])
    headers = {}
    agent, xff = agents[i % len(agents)], forwarded[(i // len(agents)) % len(forwarded)]
    if agent is not None:
        headers["User-Agent"] = agent.decode("latin-1")
    if xff is not None:
        headers["X-Forwarded-For"] = xff.decode("latin-1")
    with app.test_request_context(environ_base={"REMOTE_ADDR": remote_addr}, headers=headers):
        identifiers.append(
            {
                "remote_addr": remote_addr,
                "user_agent_hex": agent.hex() if agent is not None else None,
                "x_forwarded_for_hex": xff.hex() if xff is not None else None,
                "id": login_utils._create_identifier(),
            }
        )

json.dump(
    {
        "generator": "tests/data/gen_flask_versions_cookies.py",
        "flask": importlib.metadata.version("flask"),
        "flask_wtf": importlib.metadata.version("flask-wtf"),
        "flask_login": importlib.metadata.version("flask-login"),
        "itsdangerous": importlib.metadata.version("itsdangerous"),
        "secret_key": SECRET,
        "timestamp": TIMESTAMP,
        "cookies": cookies,
        "csrf_tokens": csrf_tokens,
        "remember_cookies": remember,
        "identifiers": identifiers,
    },
    sys.stdout,
    indent=1,
)
sys.stdout.write("\n")
