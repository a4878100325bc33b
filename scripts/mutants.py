#!/usr/bin/env python3
"""Mutation testing of chosen files against a chosen test command.

cargo-mutants (`cargo install cargo-mutants`) lists the mutants; this script
applies each one in a throwaway clone of HEAD, runs the test command there,
and records whether the tests caught it. (cargo-mutants 27 runs the tests of
the mutated package only, and most of sessionkit's tests live in the facade
package's `tests/`, so it cannot run them itself.)

    scripts/mutants.py --out /tmp/mutants.jsonl \
        --file session-runtime/src/secure_cookie.rs \
        --tests "cargo test -q --workspace --all-features --lib --test save_rules"

`--shard K/N` takes every N-th mutant of the listing (from the K-th), for a
spread-out sample of a file too large to run whole.

Each line of the output is one mutant: `caught` (a test failed), `MISSED`
(every test passed), `timeout` (treated as caught: usually an endless loop)
or `unviable` (the mutated package does not compile; a test crate that
no longer builds, as with a mutated macro, counts as caught). A re-run with
the same `--out` skips the mutants already recorded. The summary at the end
lists the missed ones.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def run_one(repo, mutant, tests, timeout):
    diff = mutant["diff"].split("\n")
    # cargo-mutants puts a description where the new file name goes.
    diff[0] = "--- " + mutant["file"]
    diff[1] = "+++ " + mutant["file"]
    patch = "\n".join(diff).rstrip("\n") + "\n"
    applied = subprocess.run(
        ["git", "apply", "--unidiff-zero", "-p0", "-"],
        input=patch.encode(),
        cwd=repo,
        capture_output=True,
    )
    if applied.returncode != 0:
        return "patchfail", applied.stderr.decode(errors="replace")[-300:]
    try:
        # A session of its own, so an endless loop is killed with its
        # whole process group when it times out.
        proc = subprocess.Popen(
            tests,
            shell=True,
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.communicate()
            return "timeout", ""
        text = out.decode(errors="replace")
        if proc.returncode == 0:
            return "MISSED", ""
        # Only the mutated package failing to build is unviable; a test
        # that no longer builds (code a mutated macro generated) is caught.
        if f"could not compile `{mutant['package']}`" in text:
            return "unviable", ""
        failed = [
            l
            for l in text.splitlines()
            if "panicked" in l or "FAILED" in l or "could not compile" in l
        ]
        return "caught", "\n".join(failed)[:300]
    finally:
        subprocess.run(["git", "checkout", "--", mutant["file"]], cwd=repo, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", action="append", required=True, help="a file to mutate (repeatable)")
    ap.add_argument("--tests", required=True, help="the test command, run in the clone")
    ap.add_argument("--out", required=True, help="JSON lines, one per mutant (resumable)")
    ap.add_argument("--timeout", type=int, default=90, help="seconds per mutant")
    ap.add_argument("--clone", help="an existing clone to use (default: a new one of HEAD)")
    ap.add_argument(
        "--shard",
        help="K/N: only the mutants whose index in cargo-mutants' listing is K modulo N "
        "(a spread-out sample when a whole file would take too long)",
    )
    args = ap.parse_args()

    repo = args.clone
    if repo is None:
        repo = os.path.join(tempfile.mkdtemp(prefix="mutants-"), "p")
        subprocess.run(["git", "clone", "-q", ".", repo], check=True)
    listing = ["cargo", "mutants", "--list", "--json", "--diff", "--workspace"]
    for f in args.file:
        listing += ["-f", f]
    mutants = json.loads(subprocess.run(listing, cwd=repo, check=True, capture_output=True).stdout)
    if args.shard:
        k, n = (int(x) for x in args.shard.split("/"))
        mutants = [m for i, m in enumerate(mutants) if i % n == k]
    done = {}
    if os.path.exists(args.out):
        for line in open(args.out):
            rec = json.loads(line)
            done[rec["name"]] = rec["res"]
    print(f"{len(mutants)} mutants, {len(done)} already recorded; clone: {repo}", file=sys.stderr)
    for m in mutants:
        if m["name"] in done:
            continue
        start = time.time()
        res, detail = run_one(repo, m, args.tests, args.timeout)
        done[m["name"]] = res
        with open(args.out, "a") as f:
            f.write(json.dumps({"name": m["name"], "res": res, "secs": round(time.time() - start, 1), "detail": detail}) + "\n")
        print(f"{res:9} {m['name']}", file=sys.stderr)
    counts = {}
    for res in done.values():
        counts[res] = counts.get(res, 0) + 1
    print(json.dumps(counts))
    for name, res in done.items():
        if res == "MISSED":
            print("missed:", name)


if __name__ == "__main__":
    main()
