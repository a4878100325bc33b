"""How much Flask's zlib rule saves on sessions of growing size, to choose N
for `#[session(compression = "above:N")]` (see BENCHMARKS.md).

    target/interop-venv/bin/python benches/compression_savings.py

Sessions grow from the benches' small fixture shape (`_permanent`, a
40-hex CSRF token, a `user_id`) by Flask-Login's keys and then by short
app keys; each is written as Flask writes it (tagged JSON) and compressed
with CPython's zlib, which is what itsdangerous does. Seeded, so the
figures repeat.
"""

import random
import zlib

from flask.json.tag import TaggedJSONSerializer

SER = TaggedJSONSerializer()
WORDS = ["cart", "theme", "dark", "light", "en-GB", "Europe/London", "orders",
         "page", "sort", "desc", "notifications", "email", "weekly"]


def session(rng, extra):
    hexes = lambda n: "".join(rng.choice("0123456789abcdef") for _ in range(n))
    d = {"_permanent": True, "csrf_token": hexes(40), "user_id": rng.randint(1, 10**6)}
    if extra >= 1:
        d.update({"_user_id": str(rng.randint(1, 10**6)), "_fresh": True})
    if extra >= 2:
        d["_id"] = hexes(128)
    for i in range(extra - 2):
        d[f"k{i}_" + rng.choice(WORDS)] = rng.choice([
            rng.choice(WORDS),
            rng.randint(0, 10**5),
            (rng.randint(1, 5000), rng.randint(1, 3)),
            {"w": rng.choice(WORDS)},
        ])
    return d


def main():
    rng = random.Random(7)
    print("| session | mean JSON | compressed by Flask's rule | mean saving when compressed |")
    print("| --- | ---: | ---: | ---: |")
    for extra, label in [(0, "small fixture shape"), (1, "+ `_user_id`, `_fresh`"),
                         (2, "+ `_id` (Flask-Login)"), (6, "+ 4 app keys"),
                         (12, "+ 10 app keys"), (30, "+ 28 app keys")]:
        n = compressed = size = saved = 0
        for _ in range(2000):
            j = SER.dumps(session(rng, extra)).encode()
            z = zlib.compress(j)
            n += 1
            size += len(j)
            if len(z) < len(j) - 1:
                compressed += 1
                saved += len(j) - len(z)
        print(f"| {label} | {size / n:.0f} B | {100 * compressed / n:.1f} % "
              f"| {saved / max(compressed, 1):.1f} B |")


if __name__ == "__main__":
    main()
