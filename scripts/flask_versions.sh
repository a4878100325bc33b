#!/usr/bin/env bash
# Do older Flask releases write the same session cookies (and their
# Flask-WTF the same CSRF tokens, their Flask-Login the same remember-me
# cookies and `_id`s) as Flask 3.1.3 with Flask-WTF 1.3.0 and Flask-Login 0.6.3?
# Builds one venv per release under target/flask-versions/, signs the same
# 300 sessions (every tag), 50 CSRF tokens, 30 remember-me cookies and 30
# identifiers in each (tests/data/gen_flask_versions_cookies.py), and
# compares them byte for byte. On success it writes 3.1.3's output to
# tests/data/flask-versions-cookies.json (replayed by tests/flask_versions.rs).
# Then checks that Quart 0.22.0 reads those cookies and signs them again alike.
# Needs python3 with venv and network access to PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
base=target/flask-versions
mkdir -p "$base"
declare -A pins=(
  [1.1.4]="flask==1.1.4 werkzeug==1.0.1 itsdangerous==1.1.0 jinja2==2.11.3 markupsafe==2.0.1 flask-wtf==0.14.3 wtforms==2.3.3 flask-login==0.5.0"
  [2.0.3]="flask==2.0.3 werkzeug==2.0.3 itsdangerous==2.0.1 jinja2==3.0.3 markupsafe==2.0.1 flask-wtf==1.0.1 wtforms==3.0.1 flask-login==0.5.0"
  [2.2.5]="flask==2.2.5 werkzeug==2.2.3 itsdangerous==2.1.2 flask-wtf==1.1.1 wtforms==3.0.1 flask-login==0.6.2"
  [3.1.3]="flask==3.1.3 itsdangerous==2.2.0 werkzeug==3.1.9 flask-wtf==1.3.0 wtforms==3.3.2 flask-login==0.6.3"
)
for version in 1.1.4 2.0.3 2.2.5 3.1.3; do
  venv="$base/$version"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q ${pins[$version]}
  "$venv/bin/python" tests/data/gen_flask_versions_cookies.py \
    | python3 -c 'import json, sys; d = json.load(sys.stdin); print(json.dumps([d[k] for k in ("cookies", "csrf_tokens", "remember_cookies", "identifiers")]))' > "$base/$version.cookies"
done
for version in 1.1.4 2.0.3 2.2.5; do
  if ! cmp -s "$base/$version.cookies" "$base/3.1.3.cookies"; then
    echo "Flask $version writes other cookies than Flask 3.1.3"; exit 1
  fi
  echo "Flask $version: the same sessions, CSRF tokens, remember-me cookies and identifiers as Flask 3.1.3"
done
"$base/3.1.3/bin/python" tests/data/gen_flask_versions_cookies.py > tests/data/flask-versions-cookies.json
# Quart, Flask's async twin, has its own session interface.
[ -x "$base/quart/bin/python" ] || python3 -m venv "$base/quart"
"$base/quart/bin/pip" install -q quart==0.22.0 flask==3.1.3 itsdangerous==2.2.0
"$base/quart/bin/python" tests/data/check_quart_cookies.py tests/data/flask-versions-cookies.json
