"""A small real Flask app (Flask-Login + flash) for the live interop tests.

Usage: python flask_app.py SECRET_KEY
Serves on 127.0.0.1 on a free port chosen by the OS, prints that port on the
first line of stdout, and serves until killed.
"""

import sys

from flask import Flask, flash, jsonify, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect, generate_csrf

app = Flask(__name__)
app.secret_key = sys.argv[1]
login_manager = LoginManager(app)
csrf = CSRFProtect(app)


class User(UserMixin):
    def __init__(self, user_id):
        self.id = user_id


@login_manager.user_loader
def load_user(user_id):
    return User(user_id)


@app.post("/login")
@csrf.exempt
def login():
    login_user(User(request.form["username"]))
    session.permanent = True
    # A key the Rust side does not declare, with a tuple and nesting.
    session["flask_only"] = {"nested": [1, 2, 3], "t": (1, "x"), "u": "\u00fc\U0001f600"}
    flash("Welcome from Flask")
    return "ok"


@app.post("/logout")
@csrf.exempt
def logout():
    logout_user()
    return "ok"


@app.get("/csrf")
def csrf_token():
    return generate_csrf()


@app.post("/protected")
def protected():
    return "posted"


@app.get("/whoami")
def whoami():
    return jsonify(
        user=current_user.get_id() if current_user.is_authenticated else None,
        visits=session.get("visits"),
        fresh=session.get("_fresh"),
        flask_only=repr(session.get("flask_only")),
        keys=sorted(session.keys()),
        permanent=session.permanent,
    )


if __name__ == "__main__":
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()
