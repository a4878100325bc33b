"""Flask 3.1.3 + Flask-Session 0.8.0 on Redis for the server-side load test
(`benches/store_load.py`): the same three routes as
`benches/examples/store_server.rs`. Run under gunicorn:

    gunicorn -w 1 -b 127.0.0.1:PORT --chdir benches 'flask_session_bench:make_app("REDIS_PORT")'
"""

import redis
from flask import Flask, session
from flask_session import Session


def make_app(redis_port):
    app = Flask(__name__)
    app.secret_key = "load-test-secret-key-0123456789abcdef"
    app.config.update(
        SESSION_TYPE="redis",
        SESSION_REDIS=redis.Redis(host="127.0.0.1", port=int(redis_port)),
        SESSION_KEY_PREFIX="flask:",
    )
    Session(app)

    @app.get("/read")
    def read():
        return str(session.get("user_id", 0))

    @app.post("/change")
    def change():
        session["user_id"] = session.get("user_id", 0) + 1
        return "ok"

    @app.post("/seed")
    def seed():
        session["csrf_token"] = "3f2a9c0d1b8e7f6a5d4c3b2a1f0e9d8c7b6a5f4e"
        session["user_id"] = 42
        return "ok"

    return app
