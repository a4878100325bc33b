"""Generates tests/data/python_float_repr.txt: doubles (as hex bits) and
CPython's repr of each, weighted to the cases a shortest-digits writer gets
wrong: exact halfway ties between two shortest candidates, near-ties where
two candidates both read back, subnormals, and the positional/scientific
boundaries. Run with the interop venv's Python:

    target/interop-venv/bin/python tests/data/gen_float_repr.py > tests/data/python_float_repr.txt
"""

import random
import struct
import sys
from fractions import Fraction

random.seed(20261126)


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def neighbours(r):
    """The repr with its last digit one lower and one higher (same length)."""
    mant, _, ex = r.partition("e")
    suffix = "e" + ex if ex else ""
    last = mant[-1]
    out = []
    if last != "0":
        out.append(mant[:-1] + str(int(last) - 1) + suffix)
    if last != "9":
        out.append(mant[:-1] + str(int(last) + 1) + suffix)
    return out


def random_double(exp_lo, exp_hi):
    e = random.randint(exp_lo, exp_hi)
    return from_bits(((e + 1023) << 52) | random.getrandbits(52))


ties, near, seen = [], [], set()
while len(ties) < 150 or len(near) < 150:
    # Ties and near-ties only exist where the spacing of doubles is a short
    # decimal fraction: magnitudes around 2^30 .. 2^53.
    x = random_double(30, 52)
    r = repr(x)
    for n in neighbours(r):
        if float(n) != x:
            continue
        tie = Fraction(x) == (Fraction(r) + Fraction(n)) / 2
        bucket = ties if tie else near
        if len(bucket) < 150 and x not in seen:
            seen.add(x)
            bucket.append(x)
        break

values = ties + near
# Subnormals, the smallest normals and the largest finite values.
values += [from_bits(random.getrandbits(52) or 1) for _ in range(60)]
values += [from_bits(b) for b in (1, 2, 3, 0x000F_FFFF_FFFF_FFFF, 0x0010_0000_0000_0000)]
values += [from_bits(0x7FEF_FFFF_FFFF_FFFF - i) for i in range(5)]
# Where repr switches between positional and scientific (1e-4 and 1e16),
# and the doubles next to powers of ten.
for p in range(-8, 24):
    t = 10.0 ** p
    values += [t, from_bits(bits(t) - 1), from_bits(bits(t) + 1)]
# Anything, across the whole range.
values += [random_double(-1022, 1023) for _ in range(200)]
values += [random_double(-20, 60) for _ in range(200)]
values += [-v for v in values[::7]]

for v in values:
    print(f"{bits(v):016x} {v!r}")
print(f"generated {len(values)} values", file=sys.stderr)
