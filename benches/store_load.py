"""Server-side sessions under HTTP load, in one command: sessionkit on Redis
(compare-and-set, and a plain overwrite), tower-sessions 0.14 with
tower-sessions-redis-store 0.16, and Flask + Flask-Session 0.8 under
gunicorn (one sync worker), all on one Redis this script starts.

    target/interop-venv/bin/python benches/store_load.py [--seconds 10] [--rounds 2]
    target/interop-venv/bin/python benches/store_load.py --cluster   # single node vs cluster
    target/interop-venv/bin/python benches/store_load.py --postgres  # PostgreSQL stores
    target/interop-venv/bin/python benches/store_load.py --floor     # against the hand-built floor

With `--postgres` it compares sessionkit's `PostgresStore` with
tower-sessions 0.14 + tower-sessions-sqlx-store 0.15 on a database it
creates (and drops) on the PostgreSQL at 127.0.0.1:5432.

With `--cluster` it also starts a local Redis Cluster (3 masters + 3
replicas, `redis-cli --cluster create`) and compares sessionkit on it with
sessionkit on the single node, in the same window.

Needs `redis-server`, `wrk` and `taskset` on PATH, and gunicorn in the
Python that runs it (`pip install gunicorn`). Each server is pinned to CPU 0
and wrk to CPU 1; wrk drives 32 connections over 1 024 sessions (rotated per
request, so compare-and-sets do not contend). Reported per route: requests
per second, the p99 latency, and the server's CPU time per request (from
/proc).
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def start_cluster(tmp):
    """A 3 + 3 Redis Cluster on free ports; returns (processes, URL)."""
    procs, ports = [], []
    while len(ports) < 6:
        p = free_port()
        if p < 55000 and p not in ports:
            ports.append(p)
    for p in ports:
        d = os.path.join(tmp, str(p))
        os.makedirs(d)
        procs.append(subprocess.Popen(
            ["redis-server", "--port", str(p), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
             "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000", "--save", "",
             "--appendonly", "no", "--dir", d], stdout=subprocess.DEVNULL))
    for p in ports:
        wait_port(p)
    subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports],
                    "--cluster-replicas", "1", "--cluster-yes"], check=True, stdout=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        infos = [subprocess.run(["redis-cli", "-p", str(p), "CLUSTER", "INFO"], capture_output=True,
                                text=True).stdout for p in ports]
        if all("cluster_state:ok" in i for i in infos):
            break
        time.sleep(0.1)
    return procs, "redis-cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports)


def seed(port, n=1024):
    cookies = []
    for _ in range(n):
        req = urllib.request.Request(f"http://127.0.0.1:{port}/seed", method="POST", data=b"")
        with urllib.request.urlopen(req) as r:
            cookie = r.headers["Set-Cookie"].split(";")[0]
            cookies.append(cookie)
    return cookies


LUA = """
local cookies = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do cookies[#cookies + 1] = line end
  i = math.random(#cookies)
end
request = function()
  i = i + 1
  return wrk.format("%s", "%s", {["Cookie"] = cookies[(i %% #cookies) + 1]})
end
"""


def load(port, pid, method, path, cookie_file, seconds):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % (method, path))
        script = f.name
    before = cpu_seconds(pid)
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", "-c32", f"-d{seconds}s", "--latency", "-s", script,
         f"http://127.0.0.1:{port}{path}", "--", cookie_file],
        capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(pid) - before
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert not errors, f"{path}: {errors.group(0)}"
    return rps, p99_ms, cpu / requests * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--floor", action="store_true",
                    help="sessionkit against the hand-built floor (benches/store_floor.rs)")
    ap.add_argument("--postgres", action="store_true",
                    help="sessionkit's PostgresStore against tower-sessions' sqlx store")
    ap.add_argument("--cluster", action="store_true",
                    help="sessionkit on a local Redis Cluster against sessionkit on one node")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "sessionkit-benches", "--features", "redis",
                    "--features", "postgres", "--example", "store_server"], cwd=ROOT, check=True)
    redis_port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"], stdout=subprocess.DEVNULL)
    wait_port(redis_port)
    url = f"redis://127.0.0.1:{redis_port}/0"
    cluster, cluster_url = [], ""
    if args.cluster:
        cluster, cluster_url = start_cluster(tempfile.mkdtemp())
    servers = {
        "sessionkit": lambda p: ["taskset", "-c", "0", f"{ROOT}/target/release/examples/store_server"],
        "sessionkit-overwrite": lambda p: ["taskset", "-c", "0", f"{ROOT}/target/release/examples/store_server"],
        "tower-sessions": lambda p: ["taskset", "-c", "0", f"{ROOT}/target/release/examples/store_server"],
        "flask-session": lambda p: ["taskset", "-c", "0", sys.executable, "-m", "gunicorn", "-w", "1", "-b",
                                    f"127.0.0.1:{p}", "--chdir", f"{ROOT}/benches", "--log-level", "warning",
                                    f"flask_session_bench:make_app('{redis_port}')"],
    }
    database = f"sessionkit_bench_{os.getpid()}"
    database_url = f"postgres://postgres@127.0.0.1:5432/{database}"
    if args.cluster:
        servers = {name: servers["sessionkit"] for name in ["sessionkit", "sessionkit-cluster"]}
    if args.floor:
        servers = {name: servers["sessionkit"] for name in ["sessionkit", "floor", "tower-sessions"]}
    if args.postgres:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {database}"],
                       check=True, stdout=subprocess.DEVNULL)
        servers = {name: servers["sessionkit"] for name in ["sessionkit-postgres", "tower-sessions-postgres"]}
    results = {}
    try:
        for rnd in range(args.rounds):
            for name, cmd in servers.items():
                port = free_port()
                env = dict(os.environ, BACKEND=name, REDIS_URL=url, REDIS_CLUSTER_URL=cluster_url,
                           DATABASE_URL=database_url, PORT=str(port))
                proc = subprocess.Popen(cmd(port), env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
                try:
                    wait_port(port)
                    pid = proc.pid
                    if name == "flask-session":
                        # The gunicorn worker, not the arbiter, serves.
                        time.sleep(1)
                        kids = open(f"/proc/{pid}/task/{pid}/children").read().split()
                        pid = int(kids[0]) if kids else pid
                    cookies = seed(port)
                    with tempfile.NamedTemporaryFile("w", delete=False) as f:
                        f.write("\n".join(cookies) + "\n")
                        cookie_file = f.name
                    for method, path in [("GET", "/read"), ("POST", "/change")]:
                        r = load(port, pid, method, path, cookie_file, args.seconds)
                        results.setdefault((name, path), []).append(r)
                        print(f"round {rnd + 1} {name:22} {path:8} {r[0]:9.0f} req/s  p99 {r[1]:7.2f} ms  "
                              f"{r[2]:6.1f} us CPU/request", flush=True)
                finally:
                    proc.terminate()
                    proc.wait()
    finally:
        for proc in [redis, *cluster]:
            proc.terminate()
            proc.wait()
        if args.postgres:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c",
                            f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], stdout=subprocess.DEVNULL)
    print("\nbest of the rounds (highest req/s; its p99 and CPU):")
    for (name, path), rs in results.items():
        rps, p99, cpu = max(rs)
        print(f"| {name} | {path} | {rps:.0f} | {p99:.2f} ms | {cpu:.1f} µs |")


if __name__ == "__main__":
    main()
