"""The bench server's own CPU time per request, for the loopback HTTP
comparison in BENCHMARKS.md ("Server CPU per request").

    python3 benches/server_cpu.py [--modes auto,never] [--rounds 8] [--seconds 4]

For each compression setting it starts `bench_server` on CPU 1 (one tokio
worker) and runs `wrk` on CPU 0 against `/without`, `/constant` and
`/with` in turn, rotating the order each round. During each wrk run,
`perf stat -e task-clock -p <server>` counts the server's CPU time; that
time divided by the requests wrk completed is the figure per request.
Unlike requests per second, it does not depend on how much CPU wrk got.
It prints every run, then per route the median and range, and per round
the difference to `/without` of the same round (the machine's speed moves
between rounds; within one round the three routes are seconds apart).

Needs `wrk`, `perf` and `taskset` on PATH and two CPUs. The figures are
printed, never asserted.
"""

import argparse
import os
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the benches
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from window import ROOT, free_port, run, wait_for  # noqa: E402

ROUTES = ["without", "constant", "with"]
SESSION = ('{"_permanent":true,"csrf_token":"3d70005188f7b2c3a77763d99821c06a3c520414",'
           '"last":1,"visits":1}')


def task_clock_ms(perf_output):
    """The task-clock figure (ms) from `perf stat -x,` output."""
    for line in perf_output.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2].startswith("task-clock"):
            return float(fields[0])
    raise ValueError("no task-clock in perf's output:\n" + perf_output)


def requests_done(wrk_output):
    """Requests completed, from wrk's "N requests in" line."""
    for line in wrk_output.splitlines():
        words = line.split()
        if len(words) > 2 and words[1:3] == ["requests", "in"]:
            return int(words[0])
    raise ValueError("no request count in wrk's output:\n" + wrk_output)


def measure(mode, rounds, seconds, cookie):
    """[(round, route, µs of server CPU per request)] for one server."""
    port = free_port()
    env = dict(os.environ, COMPRESSION=mode, PORT=str(port), TOKIO_WORKER_THREADS="1")
    server = subprocess.Popen(["taskset", "-c", "1", "target/release/examples/bench_server"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    rows = []
    try:
        wait_for(port)
        for r in range(rounds):
            for k in range(len(ROUTES)):
                route = ROUTES[(k + r) % len(ROUTES)]
                perf = subprocess.Popen(
                    ["perf", "stat", "-x,", "-e", "task-clock", "-p", str(server.pid),
                     "--", "sleep", str(seconds)],
                    stderr=subprocess.PIPE, text=True)
                out = run(["taskset", "-c", "0", "wrk", "-t1", "-c32", f"-d{seconds}s",
                           "-H", f"Cookie: session={cookie}",
                           f"http://127.0.0.1:{port}/{route}"],
                          capture_output=True, text=True).stdout
                _, err = perf.communicate()
                per_request = task_clock_ms(err) * 1000 / requests_done(out)
                print(f"{mode} round {r + 1} {route}: {per_request:.2f} µs", flush=True)
                rows.append((r, route, per_request))
    finally:
        server.terminate()
        server.wait()
    return rows


def summary(mode, rows):
    by_route = {route: [v for _, rt, v in rows if rt == route] for route in ROUTES}
    print(f"\n{mode}: server CPU per request (µs), median (range)")
    for route, values in by_route.items():
        print(f"  {route:9} {statistics.median(values):6.2f} "
              f"({min(values):.2f}–{max(values):.2f})")
    rounds = {}
    for r, route, v in rows:
        rounds.setdefault(r, {})[route] = v
    for route in ROUTES[1:]:
        extra = [d[route] - d["without"] for d in rounds.values()]
        share = [d["without"] / d[route] for d in rounds.values()]
        print(f"  {route} − without, per round: "
              + " / ".join(f"{x:+.2f}" for x in extra)
              + f"; median {statistics.median(extra):+.2f} µs, so "
              f"{100 * statistics.median(share):.0f} % of the no-session rate "
              f"({100 * min(share):.0f}–{100 * max(share):.0f} %)")


def self_test():
    assert task_clock_ms("3876.79,msec,task-clock,3876790000,100.00,0.969,CPUs utilized\n") == 3876.79
    assert requests_done("Running 4s test\n  333108 requests in 4.00s, 40MB read\n") == 333108
    for bad, parse in [("", task_clock_ms), ("connection refused", requests_done)]:
        try:
            parse(bad)
        except ValueError:
            continue
        raise AssertionError(f"{parse.__name__} accepted {bad!r}")
    print("self-test ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default="auto,never")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    os.chdir(ROOT)
    run(["cargo", "build", "-q", "--release", "-p", "sessionkit-benches", "--example", "bench_server"])
    run(["cargo", "build", "-q", "--release", "-p", "session-cli"])
    cookie = run(["target/release/sessionkit", "sign", "--secret",
                  "benchmark-secret-key-0123456789abcdef", SESSION],
                 capture_output=True, text=True).stdout.strip()
    results = {mode: measure(mode, args.rounds, args.seconds, cookie)
               for mode in args.modes.split(",")}
    for mode, rows in results.items():
        summary(mode, rows)


if __name__ == "__main__":
    main()
