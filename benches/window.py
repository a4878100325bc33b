"""One measurement window for BENCHMARKS.md, in one command: the criterion
benches and Flask's baseline interleaved, then the allocation counts and
(with `--http`) the loopback HTTP pairs, and the result against issue 7's
targets. The figures are printed, never asserted: a noisy machine moves
them.

    target/interop-venv/bin/python benches/window.py [--rounds 3] [--http]

(The venv is made by the test suite; the script needs Flask, for
`flask_baseline.py`, and `wrk` on PATH for `--http`.)

The procedure is BENCHMARKS.md's: `--rounds` times, one `cargo bench
-p sessionkit-benches --bench sessions` run over the rows below and one
`flask_baseline.py` run, alternating; each Rust row reports the lowest of
its criterion medians (read from criterion's `estimates.json`, not the
printed slope), each Flask row the best of its runs (each already the best
of 7 rounds), so both sides are "best observed". `--http` then runs the
example `bench_server` for each compression setting, the server on CPU 1
and wrk on CPU 0 (`taskset`, when there are two CPUs), and `--pairs`
pairs of 10-second wrk runs, each without then with sessions.

`--self-test` checks the parsers on made-up input (no benches run);
`benches/tests/bench_fixtures.rs` runs it.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (criterion id, label, Flask fixture or None)
ROWS = [
    ("open_save/typed/small", "open+save, small, typed (Flask-exact)", "small"),
    ("open_save/dynamic/small", "open+save, small, dynamic (Flask-exact)", "small"),
    ("open_save/typed_above_256/small", "open+save, small, typed, `above:256`", "small"),
    ("open_save/typed_never_compress/small", "open+save, small, typed, `never`", "small"),
    ("open_save/typed/medium", "open+save, medium, typed (Flask-exact)", "medium"),
    ("open_save/dynamic/medium", "open+save, medium, dynamic (Flask-exact)", "medium"),
    ("open_save/dynamic/large", "open+save, large, dynamic (Flask-exact)", "large"),
    ("open_save/typed/large", "open+save, large, typed (Flask-exact)", "large"),
    ("open_save/baseline_signed_jar/small", "`SignedJar` + serde_json, small", None),
    ("open_save/baseline_signed_jar/medium", "`SignedJar` + serde_json, medium", None),
    ("open_save/baseline_signed_jar/large", "`SignedJar` + serde_json, large", None),
    ("axum/with_session/small", "axum layer + handler, small session", None),
    ("axum/with_session_above_256/small", "axum layer + handler, small session, `above:256`", None),
    ("axum/without_session", "axum handler without sessions", None),
    ("axum/axum_extra_signed_jar/small", "axum + `axum-extra` `SignedCookieJar`, small", None),
    ("axum/tower_sessions_memory_store/small", "axum + tower-sessions `MemoryStore`, small", None),
    ("axum/with_session_encrypted/small", "axum layer + handler, small session, encrypted", None),
    ("axum/axum_extra_private_jar/small", "axum + `axum-extra` `PrivateCookieJar`, small", None),
]

HTTP_MODES = ["auto", "above:256", "never"]


def run(cmd, **kw):
    """Runs `cmd` in the repository, failing loudly."""
    print("$", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, cwd=ROOT, check=True, **kw)


def criterion_medians(criterion_dir, since):
    """{full id: median in µs} of every bench whose estimates were written
    at or after `since` (a time.time() value)."""
    medians = {}
    for dirpath, _dirs, files in os.walk(criterion_dir):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        est_path = os.path.join(dirpath, "estimates.json")
        if os.path.getmtime(est_path) < since:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            full_id = json.load(f)["full_id"]
        with open(est_path) as f:
            medians[full_id] = json.load(f)["median"]["point_estimate"] / 1000.0
    return medians


def wrk_rate(output):
    """Requests per second from wrk's report."""
    m = re.search(r"^Requests/sec:\s*([0-9.]+)", output, re.M)
    if not m:
        raise ValueError("no Requests/sec in wrk's output:\n" + output)
    return float(m.group(1))


def allocation_rows(output):
    """{operation: allocations} from `cargo bench -p sessionkit-benches --bench allocations`."""
    rows = {}
    for line in output.splitlines():
        m = re.match(r"^\| (.+?) \| ([0-9.]+) \|$", line)
        if m:
            rows[m.group(1)] = float(m.group(2))
    return rows


def verdicts(rust, flask, http):
    """[(target, figures, met)] for issue 7's targets; `rust` holds lowest
    medians, `flask` best Flask figures per fixture, `http` per-mode lists of
    (without, with) req/s pairs (possibly empty)."""
    out = []
    small = rust.get("open_save/typed/small")
    if small and "small" in flask:
        ratio = flask["small"]["open_save"] / small
        out.append(("small open+save ≥ 25× Flask (Flask-exact)",
                    f"{ratio:.1f}× ({small:.2f} µs against {flask['small']['open_save']:.1f} µs)",
                    ratio >= 25))
    jar = rust.get("open_save/baseline_signed_jar/small")
    if small and jar:
        out.append(("small open+save not slower than SignedJar + serde_json",
                    f"{small:.2f} µs against {jar:.2f} µs", small <= jar))
    for bench, fixture in [("open_save/typed/medium", "medium"),
                           ("open_save/dynamic/large", "large"),
                           ("open_save/typed/large", "large")]:
        if bench in rust and fixture in flask:
            ratio = flask[fixture]["open_save"] / rust[bench]
            out.append((f"{bench} ≥ 5× Flask", f"{ratio:.1f}×", ratio >= 5))
    for mode, pairs in http.items():
        if pairs:
            ratios = [w / wo for wo, w in pairs]
            out.append((f"HTTP ({mode}) ≥ 90 % of the no-session req/s",
                        " / ".join(f"{100 * r:.0f} %" for r in ratios),
                        min(ratios) >= 0.9))
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the bench server did not listen on {port}")


def http_pairs(pairs, seconds):
    """{mode: [(without, with) req/s]} for each compression setting."""
    run(["cargo", "build", "-q", "--release", "-p", "sessionkit-benches", "--example", "bench_server"])
    run(["cargo", "build", "-q", "--release", "-p", "session-cli"])
    cookie = run(
        ["target/release/sessionkit", "sign", "--secret",
         "benchmark-secret-key-0123456789abcdef",
         '{"_permanent":true,"csrf_token":"3d70005188f7b2c3a77763d99821c06a3c520414",'
         '"last":1,"visits":1}'],
        capture_output=True, text=True).stdout.strip()
    pin = shutil.which("taskset") and (os.cpu_count() or 1) >= 2
    server_cpu = ["taskset", "-c", "1"] if pin else []
    wrk_cpu = ["taskset", "-c", "0"] if pin else []
    results = {}
    for mode in HTTP_MODES:
        port = free_port()
        env = dict(os.environ, COMPRESSION=mode, PORT=str(port))
        server = subprocess.Popen(server_cpu + ["target/release/examples/bench_server"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        try:
            wait_for(port)
            results[mode] = []
            for _ in range(pairs):
                rates = []
                for path in ["without", "with"]:
                    out = run(wrk_cpu + ["wrk", "-t1", "-c32", f"-d{seconds}s",
                                         "-H", f"Cookie: session={cookie}",
                                         f"http://127.0.0.1:{port}/{path}"],
                              capture_output=True, text=True).stdout
                    rates.append(wrk_rate(out))
                results[mode].append(tuple(rates))
        finally:
            server.terminate()
            server.wait()
    return results


def self_test():
    with tempfile.TemporaryDirectory() as d:
        def bench(directory, full_id, median_ns, mtime):
            new = os.path.join(d, directory, "new")
            os.makedirs(new)
            with open(os.path.join(new, "benchmark.json"), "w") as f:
                json.dump({"full_id": full_id}, f)
            est = os.path.join(new, "estimates.json")
            with open(est, "w") as f:
                json.dump({"median": {"point_estimate": median_ns},
                           "mean": {"point_estimate": median_ns * 2}}, f)
            os.utime(est, (mtime, mtime))
        now = time.time()
        bench("open_save/typed_small", "open_save/typed/small", 3190.0, now)
        bench("axum/without_session", "axum/without_session", 700.0, now)
        bench("open_save/stale", "open_save/stale", 1.0, now - 3600)
        got = criterion_medians(d, now - 1)
        assert got == {"open_save/typed/small": 3.19, "axum/without_session": 0.7}, got
    assert wrk_rate("  Latency 1ms\nRequests/sec: 101234.56\nTransfer/sec: 9MB\n") == 101234.56
    try:
        wrk_rate("connection refused")
        raise AssertionError("wrk_rate accepted a report without a rate")
    except ValueError:
        pass
    rows = allocation_rows("| operation | allocations |\n| --- | ---: |\n"
                           "| open+save typed (small) | 4.0 |\n| codec dumps (small) | 2.0 |\n")
    assert rows == {"open+save typed (small)": 4.0, "codec dumps (small)": 2.0}, rows
    flask = {"small": {"open_save": 40.0}, "medium": {"open_save": 120.0},
             "large": {"open_save": 350.0}}
    rust = {"open_save/typed/small": 1.6, "open_save/baseline_signed_jar/small": 1.5,
            "open_save/typed/medium": 20.0, "open_save/dynamic/large": 80.0}
    v = {t: met for t, _, met in verdicts(rust, flask, {"auto": [(100.0, 95.0), (100.0, 89.0)]})}
    assert v == {
        "small open+save ≥ 25× Flask (Flask-exact)": True,
        "small open+save not slower than SignedJar + serde_json": False,
        "open_save/typed/medium ≥ 5× Flask": True,
        "open_save/dynamic/large ≥ 5× Flask": False,
        "HTTP (auto) ≥ 90 % of the no-session req/s": False,
    }, v
    print("self-test ok")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--http", action="store_true", help="also run the loopback HTTP pairs")
    p.add_argument("--pairs", type=int, default=2)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--self-test", action="store_true")
    args = p.parse_args()
    if args.self_test:
        self_test()
        return
    if args.http and not shutil.which("wrk"):
        sys.exit("--http needs wrk on PATH (https://github.com/wg/wrk)")

    start = time.strftime("%H:%M", time.gmtime())
    criterion_dir = os.path.join(ROOT, "target", "criterion")
    ids = [r[0] for r in ROWS]
    pattern = "^(" + "|".join(re.escape(i) for i in ids) + ")$"
    run(["cargo", "bench", "-q", "-p", "sessionkit-benches", "--bench", "sessions", "--no-run"])
    runs, flask_runs = [], []
    for _ in range(args.rounds):
        since = time.time()
        run(["cargo", "bench", "-q", "-p", "sessionkit-benches", "--bench", "sessions", "--",
             "--noplot", pattern], stdout=subprocess.DEVNULL)
        runs.append(criterion_medians(criterion_dir, since))
        out = run([sys.executable, "benches/flask_baseline.py", "--json"],
                  capture_output=True, text=True).stdout
        flask_runs.append(json.loads(out.strip().splitlines()[-1]))
    rust = {i: min(r[i] for r in runs if i in r) for i in ids if any(i in r for r in runs)}
    flask = {
        fixture: {op: min(r[fixture][op] for r in flask_runs) for op in flask_runs[0][fixture]}
        for fixture in flask_runs[0]
    }
    allocations = allocation_rows(run(
        ["cargo", "bench", "-q", "-p", "sessionkit-benches", "--bench", "allocations"],
        capture_output=True, text=True).stdout)
    http = http_pairs(args.pairs, args.seconds) if args.http else {}
    end = time.strftime("%H:%M", time.gmtime())

    print(f"Window {start}-{end} UTC {time.strftime('%Y-%m-%d', time.gmtime())}, "
          f"{args.rounds} rounds; Rust: lowest criterion median, Flask: best run.\n")
    print("| operation | sessionkit | Flask serializer | ratio | Flask interface | ratio | runs (µs) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for bench, label, fixture in ROWS:
        if bench not in rust:
            continue
        ours = rust[bench]
        each = " / ".join(f"{r[bench]:.2f}" for r in runs if bench in r)
        cells = ["", "", "", ""]
        if fixture:
            f = flask[fixture]
            cells = [f"{f['open_save']:.1f} µs", f"{f['open_save'] / ours:.1f}×",
                     f"{f['interface']:.1f} µs", f"{f['interface'] / ours:.1f}×"]
        print(f"| {label} | {ours:.2f} µs | " + " | ".join(cells) + f" | {each} |")
    print("\nFlask runs, small open+save (µs): "
          + " / ".join(f"{r['small']['open_save']:.1f}" for r in flask_runs))
    print("\n| allocations | count |\n| --- | ---: |")
    for op, n in allocations.items():
        print(f"| {op} | {n:g} |")
    if http:
        print("\n| server | without sessions (req/s) | with a small session (req/s) | ratio |")
        print("| --- | ---: | ---: | ---: |")
        for mode, pairs in http.items():
            print(f"| `{mode}` | " + " / ".join(f"{wo:.0f}" for wo, _ in pairs) + " | "
                  + " / ".join(f"{w:.0f}" for _, w in pairs) + " | "
                  + " / ".join(f"{100 * w / wo:.0f} %" for wo, w in pairs) + " |")
    print("\n| target | figures | met |\n| --- | --- | --- |")
    for target, figures, met in verdicts(rust, flask, http):
        print(f"| {target} | {figures} | {'yes' if met else 'no'} |")
    small_alloc = allocations.get("open+save typed (small)")
    if small_alloc is not None:
        print(f"| ≤ 4 allocations per small open+save | {small_alloc:g} | "
              f"{'yes' if small_alloc <= 4 else 'no'} |")


if __name__ == "__main__":
    main()
