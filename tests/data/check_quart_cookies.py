"""Quart (Flask's async twin) reads the cookies of
`tests/data/flask-versions-cookies.json` and signs each session again into
the same bytes. Run by `scripts/flask_versions.sh`; exits 1 on a difference.
"""

import asyncio
import importlib.metadata
import json
import sys

import itsdangerous
import quart

data = json.load(open(sys.argv[1]))
itsdangerous.TimestampSigner.get_timestamp = lambda self: data["timestamp"]
app = quart.Quart(__name__)
app.secret_key = data["secret_key"]


async def main():
    # In a request context, as Quart's own save step runs.
    async with app.test_request_context("/"):
        serializer = app.session_interface.get_signing_serializer(app)
        differ = [c for c in data["cookies"] if serializer.dumps(serializer.loads(c)) != c]
    version = importlib.metadata.version("quart")
    if differ:
        sys.exit(f"Quart {version} writes {len(differ)} of the cookies otherwise, e.g. {differ[0]}")
    print(f"Quart {version}: the same {len(data['cookies'])} cookies, read and signed again")


asyncio.run(main())
