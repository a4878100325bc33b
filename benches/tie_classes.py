"""Can the exact compression decision skip zlib's heap? (see BENCHMARKS.md)

    target/interop-venv/bin/python benches/tie_classes.py

zlib builds each Huffman tree with a binary heap ordered by (frequency,
depth); among equal keys the heap's positions decide, and the block header
depends on which symbol gets which length. Any min-key merge order (a
cheap two-queue build, say) makes the same merges key by key, so its tree
differs from zlib's only by which items of one key fill that key's slots.
If, in such a build, every (frequency, depth) class ends at a single tree
depth, no tie-break can change any symbol's length, and the cheap build's
lengths are zlib's. This script measures how often that sufficient
condition holds for the literal tree of small sessions (the benches' small
fixture with random CSRF tokens), how often the cheap build happens to
equal zlib anyway, and checks the condition against the lengths in real
zlib's output (CPython's `zlib`, level 6). Only sessions zlib codes as
literals alone are counted: their literal histogram is the input's byte
histogram. Seeded, so the figures repeat.
"""

import collections
import json
import random
import zlib

BL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]


def two_queue(freqs):
    """Huffman by two queues in zlib's (frequency, depth) order.

    Returns each symbol's length and whether every key class ends at one
    depth."""
    leaves = sorted((f, 0, ("leaf", s)) for s, f in freqs.items())
    nodes, kids = [], {}
    li = ni = 0

    def pop():
        nonlocal li, ni
        if li < len(leaves) and (ni >= len(nodes) or leaves[li][:2] <= nodes[ni][:2]):
            li += 1
            return leaves[li - 1]
        ni += 1
        return nodes[ni - 1]

    while (len(leaves) - li) + (len(nodes) - ni) >= 2:
        a, b = pop(), pop()
        n = (a[0] + b[0], max(a[1], b[1]) + 1, ("node", len(nodes)))
        kids[n[2]] = (a, b)
        nodes.append(n)
    depth, stack = {}, [(nodes[-1], 0)]
    while stack:
        item, d = stack.pop()
        depth[item] = d
        if item[2][0] == "node":
            stack.extend((c, d + 1) for c in kids[item[2]])
    depths_of_key = collections.defaultdict(set)
    for item, d in depth.items():
        depths_of_key[item[:2]].add(d)
    lengths = {item[2][1]: d for item, d in depth.items() if item[2][0] == "leaf"}
    return lengths, all(len(ds) == 1 for ds in depths_of_key.values())


class Bits:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def get(self, n):
        v = 0
        for i in range(n):
            v |= ((self.data[self.pos >> 3] >> (self.pos & 7)) & 1) << i
            self.pos += 1
        return v


def canonical_codes(lengths):
    count = collections.Counter(l for l in lengths if l)
    code, first = 0, {}
    for l in range(1, 16):
        code = (code + count[l - 1]) << 1 if l > 1 else 0
        first[l] = code
    table = {}
    for sym, l in enumerate(lengths):
        if l:
            table[(l, first[l])] = sym
            first[l] += 1
    return table


def zlib_literal_lengths(data):
    """The literal/length code lengths in zlib's first block, if dynamic."""
    r = Bits(zlib.compress(data, 6)[2:])
    r.get(1)
    if r.get(2) != 2:
        return None
    hlit, hdist, hclen = r.get(5) + 257, r.get(5) + 1, r.get(4) + 4
    cl = [0] * 19
    for i in range(hclen):
        cl[BL_ORDER[i]] = r.get(3)
    table = canonical_codes(cl)
    lens = []
    while len(lens) < hlit + hdist:
        code = length = 0
        while (length, code) not in table:
            code = (code << 1) | r.get(1)
            length += 1
        sym = table[(length, code)]
        if sym < 16:
            lens.append(sym)
        elif sym == 16:
            lens += [lens[-1]] * (3 + r.get(2))
        elif sym == 17:
            lens += [0] * (3 + r.get(3))
        else:
            lens += [0] * (11 + r.get(7))
    return {s: l for s, l in enumerate(lens[:hlit]) if l}


def main():
    rng = random.Random(1)
    total = uniform = equal = 0
    for _ in range(3000):
        token = "".join(rng.choice("0123456789abcdef") for _ in range(40))
        data = json.dumps({"_permanent": True, "csrf_token": token, "user_id": 42},
                          separators=(",", ":"), sort_keys=True).encode()
        freqs = collections.Counter(data)
        freqs[256] = 1  # end of block
        zl = zlib_literal_lengths(data)
        if zl is None or len(zl) != len(freqs):
            continue  # not dynamic, or zlib found a match
        total += 1
        lengths, is_uniform = two_queue(freqs)
        uniform += is_uniform
        equal += lengths == zl
        if is_uniform and lengths != zl:
            raise SystemExit(f"condition held but lengths differ: {data!r}")
    print(f"literal-only small sessions: {total}")
    print(f"every key class at one depth: {uniform} ({uniform / total:.0%})"
          " - each equal to zlib's lengths")
    print(f"two-queue lengths equal to zlib's: {equal} ({equal / total:.0%})")


if __name__ == "__main__":
    main()
