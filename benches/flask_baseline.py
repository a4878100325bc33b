"""Times Flask's own session serializer on the fixtures of benches/benches/fixtures.rs,
on this machine, for the ratios in BENCHMARKS.md; and, for a like-for-like
view of the same work as sessionkit's `open_session` + `save_session`,
Flask's own `SecureCookieSessionInterface.open_session` + `save_session`
(Cookie header parsing, the signing serializer Flask builds per call, the
`Set-Cookie` header).

    target/interop-venv/bin/python benches/flask_baseline.py

(The venv is created by the test suite: `cargo test --test flask_interop`.)

`--check` runs every timed operation once instead of timing it and prints
each fixture's JSON as Flask writes it (`benches/tests/bench_fixtures.rs` compares
that with the Rust fixtures, so both sides time the same payloads).
`--json` prints the timings as one JSON object instead of a table
(`benches/window.py` reads it).
"""

import json
import sys
import time

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

TOKEN = "3d70005188f7b2c3a77763d99821c06a3c520414"


def small():
    return {"_permanent": True, "csrf_token": TOKEN, "user_id": 42}


def medium():
    d = small()
    d.update(
        {
            "_user_id": "1042",
            "_fresh": True,
            "_id": "9f" * 64,
            "_flashes": [("message", "Welcome back, Ada!")],
            "cart": [(1000 + i * 37, i % 3 + 1) for i in range(12)],
            "prefs": {
                "theme": "dark",
                "language": "en-GB",
                "timezone": "Europe/London",
                "notifications": {"email": True, "sms": False, "digest": "weekly"},
                "recent_searches": ["rust sessions", "flask login", "itsdangerous"],
            },
            "last_page": "/account/orders/2024/11?sort=date&dir=desc",
        }
    )
    return d


def large():
    d = medium()
    d["recently_viewed"] = [
        {
            "sku": f"SKU-{10000 + i * 7:05d}",
            "title": f"Stainless steel water bottle, {250 + i * 50} ml",
            "price": 12.5 + i,
        }
        for i in range(40)
    ]
    return d


CHECK = "--check" in sys.argv[1:]
JSON = "--json" in sys.argv[1:]


def per_op(fn, rounds=7, min_time=0.3, prepare=None):
    """Microseconds per call: the best of `rounds` timed rounds (as
    `timeit` advises), so a noisy machine flatters Flask, never us.
    `prepare` runs before each round, outside the timing. With `--check`,
    one call and no timing."""
    if CHECK:
        if prepare is not None:
            prepare()
        fn()
        return 0.0
    best = float("inf")
    for _ in range(rounds):
        if prepare is not None:
            prepare()
        n, total = 0, 0.0
        start = time.perf_counter()
        while total < min_time:
            for _ in range(200):
                fn()
            n += 200
            total = time.perf_counter() - start
        best = min(best, total / n * 1e6)
    return best


def interface_open_save(app, cookie, counter):
    """Flask's `open_session` + `save_session` for a request carrying
    `cookie`, changing `user_id` in between: a callable, and the `prepare`
    hook that makes its responses outside the timing (each save needs a
    fresh one, as a real request has)."""
    iface = app.session_interface
    ctx = app.test_request_context("/", environ_base={"HTTP_COOKIE": f"session={cookie}"})
    request = ctx.request
    responses = []
    assert iface.open_session(app, request)["csrf_token"] == TOKEN, "the cookie must open"

    def prepare():
        responses.clear()
        responses.extend(app.response_class() for _ in range(10 if CHECK else 40_000))

    def open_save():
        counter[0] += 1
        # A new request parses its Cookie header again.
        request.__dict__.pop("cookies", None)
        session = iface.open_session(app, request)
        session["user_id"] = counter[0]
        response = responses.pop()
        iface.save_session(app, session, response)
        assert "Set-Cookie" in response.headers

    return open_save, prepare


def main():
    app = Flask("bench")
    app.secret_key = "benchmark-secret-key-0123456789abcdef"
    with app.test_request_context("/"):
        s = SecureCookieSessionInterface().get_signing_serializer(app)
        counter = [0]
        results = {}
        if not CHECK and not JSON:
            print(
                "| fixture | JSON bytes | dumps µs | loads µs | open+save µs "
                "| open_session+save_session µs |"
            )
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, make in [("small", small), ("medium", medium), ("large", large)]:
            value = make()
            cookie = s.dumps(value)
            json_len = len(s.serializer.dumps(value))
            iface_fn, iface_prepare = interface_open_save(app, cookie, counter)

            def dumps():
                counter[0] += 1
                value["user_id"] = counter[0]
                s.dumps(value)

            def loads():
                s.loads(cookie, max_age=2678400)

            def open_save():
                counter[0] += 1
                d = dict(s.loads(cookie, max_age=2678400))
                d["user_id"] = counter[0]
                s.dumps(d)

            r = {
                "json_bytes": json_len,
                "dumps": per_op(dumps),
                "loads": per_op(loads),
                "open_save": per_op(open_save),
                "interface": per_op(iface_fn, prepare=iface_prepare),
            }
            results[name] = r
            if CHECK:
                print(f"fixture {name} {s.serializer.dumps(make())}")
            elif not JSON:
                print(
                    f"| {name} | {json_len} | {r['dumps']:.1f} | {r['loads']:.1f} "
                    f"| {r['open_save']:.1f} | {r['interface']:.1f} |"
                )
        if JSON:
            print(json.dumps(results))


if __name__ == "__main__":
    main()
