//! An exact re-implementation of zlib's level-6 `compress()` for short inputs.
//!
//! itsdangerous tries `zlib.compress(json)` on every save and keeps it when it
//! saves at least 2 bytes. Real zlib spends most of that attempt on setup, not
//! on the input: every stream reset clears a 64 KiB hash table. For a cookie
//! (at most a few KiB of JSON) that memset dominates the whole save.
//!
//! This module produces **the same bytes as zlib** at level 6 (window 15,
//! memLevel 8, default strategy; checked against the bundled zlib 1.3.2 and,
//! live, against CPython 3.11's zlib 1.2.13 through itsdangerous) for inputs
//! of up to [`MAX_INPUT`] bytes, which always fit in one deflate block and
//! one window:
//!
//! - the lazy-matching parser (`deflate_slow`) with zlib's exact hash
//!   function, chain limits (good 8, lazy 16, nice 128, chain 128), the
//!   `TOO_FAR` rule and position 0 as the chain terminator;
//! - zlib's Huffman tree builder (heap order with depth tie-break, its
//!   length-limiting repair), code-length run encoding and the
//!   stored/fixed/dynamic block choice.
//!
//! It differs only in bookkeeping, never in output: hash heads live in a
//! small open-addressing table for short inputs (cleared whole, it stays in
//! L1) and in zlib's full table otherwise (clearing only the heads an input
//! set); heap entries carry their sort key; codes are built only when the
//! block is written; zero runs of the code-length sequence are encoded in
//! closed form; and the block cost is known before any bit is written, so an
//! input that cannot save 2 bytes is rejected without emitting anything.
//!
//! Checked byte for byte against real zlib by the tests below (generated
//! inputs of every shape, and inputs built to force both length-limit
//! repairs), live against itsdangerous in `tests/flask_interop.rs`, and by
//! the `deflate` fuzz target.

use std::cell::RefCell;

/// Inputs up to this length are handled here: fewer symbols than zlib's
/// 16383-symbol block limit, so zlib emits exactly one block.
pub(crate) const MAX_INPUT: usize = 16 * 1024 - 2;

const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// `MAX_DIST` for a 32 KiB window: `w_size - MIN_LOOKAHEAD`.
const MAX_DIST: usize = 32 * 1024 - (MAX_MATCH + MIN_MATCH + 1);
const TOO_FAR: usize = 4096;
const HASH_BITS: u32 = 15;
const HASH_SIZE: usize = 1 << HASH_BITS;
const HASH_MASK: u32 = (HASH_SIZE - 1) as u32;
// Level 6.
const GOOD_MATCH: usize = 8;
const MAX_LAZY: usize = 16;
const NICE_MATCH: usize = 128;
const MAX_CHAIN: u32 = 128;
/// The small head table is used up to this many index bits (16 KiB).
const SMALL_MAX_BITS: u32 = 12;
/// Zero bytes after the data, as zlib keeps them (`WIN_INIT`), plus room
/// for comparing 8 bytes at a time past the last one zlib may read.
const PADDING: usize = MAX_MATCH + 1 + 8;

const LITERALS: usize = 256;
const END_BLOCK: usize = 256;
const LENGTH_CODES: usize = 29;
const L_CODES: usize = LITERALS + 1 + LENGTH_CODES;
const D_CODES: usize = 30;
const BL_CODES: usize = 19;
const HEAP_SIZE: usize = 2 * L_CODES + 1;
const MAX_BITS: usize = 15;
const MAX_BL_BITS: usize = 7;
const REP_3_6: usize = 16;
const REPZ_3_10: usize = 17;
const REPZ_11_138: usize = 18;

const EXTRA_LBITS: [u8; LENGTH_CODES] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const EXTRA_DBITS: [u8; D_CODES] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
const EXTRA_BLBITS: [u8; BL_CODES] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
const BL_ORDER: [u8; BL_CODES] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// The length code of a match length minus 3 (zlib's `_length_code`):
/// codes 0–7 hold one length each, then each pair of extra bits doubles the
/// span of four codes, and length 258 has code 28 of its own.
fn length_code(lc: usize) -> usize {
    match lc {
        0..8 => lc,
        255 => LENGTH_CODES - 1,
        _ => {
            let log = lc.ilog2() as usize;
            4 * (log - 1) + ((lc >> (log - 2)) & 3)
        }
    }
}

/// The smallest length minus 3 of a length code (zlib's `base_length`; the
/// code of 258 sends no extra bits, so its base is not used).
fn base_length(code: usize) -> usize {
    match code {
        0..8 => code,
        _ => (4 + (code & 3)) << (code / 4 - 1),
    }
}

/// The distance code of a distance minus 1 (zlib's `d_code`): codes 0–3
/// hold one distance each, then codes come in pairs per power of two.
fn d_code(dist: usize) -> usize {
    match dist {
        0..4 => dist,
        _ => {
            let log = dist.ilog2() as usize;
            2 * log + ((dist >> (log - 1)) & 1)
        }
    }
}

/// The smallest distance minus 1 of a distance code (zlib's `base_dist`).
fn base_dist(code: usize) -> usize {
    match code {
        0..4 => code,
        _ => (2 + (code & 1)) << (code / 2 - 1),
    }
}

/// Code lengths of the fixed literal/length tree (RFC 1951 §3.2.6).
const fn static_llen(n: usize) -> u16 {
    match n {
        0..=143 => 8,
        144..=255 => 9,
        256..=279 => 7,
        _ => 8,
    }
}

/// `bi_reverse`: the low `len` bits of `code`, reversed.
const fn reverse(code: u16, len: u16) -> u16 {
    code.reverse_bits() >> (16 - len)
}

/// The fixed literal/length tree's codes (bit-reversed, ready to send).
const STATIC_LCODES: [u16; L_CODES + 2] = {
    let mut bl_count = [0u16; MAX_BITS + 1];
    let mut n = 0;
    while n < L_CODES + 2 {
        bl_count[static_llen(n) as usize] += 1;
        n += 1;
    }
    let mut next = [0u16; MAX_BITS + 1];
    let mut code = 0u16;
    let mut bits = 1;
    while bits <= MAX_BITS {
        code = (code + bl_count[bits - 1]) << 1;
        next[bits] = code;
        bits += 1;
    }
    let mut codes = [0u16; L_CODES + 2];
    let mut n = 0;
    while n < L_CODES + 2 {
        let len = static_llen(n);
        codes[n] = reverse(next[len as usize], len);
        next[len as usize] += 1;
        n += 1;
    }
    codes
};

/// One Huffman tree being built: zlib's `ct_data` array split into fields.
struct Tree {
    freq: [u32; HEAP_SIZE],
    len: [u16; HEAP_SIZE],
    code: [u16; HEAP_SIZE],
    dad: [u16; HEAP_SIZE],
    /// Largest code with a non-zero frequency (after `build`).
    max_code: usize,
    /// The symbols with a non-zero length (after `build`).
    nonzero: Used,
}

/// The fixed parameters of one tree kind (zlib's `static_tree_desc`).
struct Desc {
    elems: usize,
    extra: &'static [u8],
    extra_base: usize,
    max_length: usize,
    /// Code length of each symbol in the fixed tree, if there is one.
    static_len: Option<fn(usize) -> u16>,
}

const L_DESC: Desc = Desc {
    elems: L_CODES,
    extra: &EXTRA_LBITS,
    extra_base: LITERALS + 1,
    max_length: MAX_BITS,
    static_len: Some(static_llen),
};
const D_DESC: Desc = Desc {
    elems: D_CODES,
    extra: &EXTRA_DBITS,
    extra_base: 0,
    max_length: MAX_BITS,
    static_len: Some(|_| 5),
};
const BL_DESC: Desc = Desc {
    elems: BL_CODES,
    extra: &EXTRA_BLBITS,
    extra_base: 0,
    max_length: MAX_BL_BITS,
    static_len: None,
};

impl Tree {
    fn new() -> Self {
        Tree {
            freq: [0; HEAP_SIZE],
            len: [0; HEAP_SIZE],
            code: [0; HEAP_SIZE],
            dad: [0; HEAP_SIZE],
            max_code: 0,
            nonzero: [0; _],
        }
    }

    /// zlib's `gen_codes`: canonical codes, bit-reversed for sending. The
    /// per-length counts are those `gen_bitlen` left (the leaves' lengths).
    /// Only the leaves (`nonzero`, in symbol order) have a length, so only
    /// they are visited: counting over the whole alphabet would mostly
    /// increment the count of length 0, one dependent store after another.
    fn gen_codes(&mut self) {
        let mut bl_count = [0u16; MAX_BITS + 1];
        let (len, code) = (&self.len, &mut self.code);
        each_leaf(&self.nonzero, self.max_code, |n| {
            bl_count[usize::from(len[n])] += 1
        });
        bl_count[0] = 0;
        let mut next = [0u16; MAX_BITS + 1];
        let mut c = 0u16;
        for (slot, &count) in next[1..].iter_mut().zip(&bl_count) {
            c = c.wrapping_add(count) << 1;
            *slot = c;
        }
        each_leaf(&self.nonzero, self.max_code, |n| {
            let l = len[n];
            if l != 0 {
                code[n] = reverse(next[usize::from(l)], l);
                next[usize::from(l)] = next[usize::from(l)].wrapping_add(1);
            }
        });
    }

    /// `len[n]`, with zlib's 0xffff guard just past `max_code`.
    fn guarded_len(&self, n: usize) -> u16 {
        if n > self.max_code {
            0xffff
        } else {
            self.len[n]
        }
    }
}

/// A heap entry: zlib's ordering key (frequency, then depth) above the node
/// number, so comparing two entries needs no lookups. zlib's `smaller(n, m)`
/// is `key(n) <= key(m)`.
type Entry = u64;
const NODE_BITS: u32 = 10;

fn entry(freq: u32, depth: u8, node: usize) -> Entry {
    ((u64::from(freq) << 8 | u64::from(depth)) << NODE_BITS) | node as u64
}

fn key(e: Entry) -> u64 {
    e >> NODE_BITS
}

/// zlib's `smaller`: `key(a) <= key(b)`, without shifting either (`a`'s
/// node bits can only matter when the keys are equal, and then `b`'s are
/// all set).
fn smaller(a: Entry, b: Entry) -> bool {
    a <= b | ((1 << NODE_BITS) - 1)
}

fn node_of(e: Entry) -> usize {
    (e & ((1 << NODE_BITS) - 1)) as usize
}

/// Room for zlib's priority queue (1-based, at most `L_CODES` entries);
/// indices are masked with `PQ_SIZE - 1`, which also spares bounds checks.
const PQ_SIZE: usize = 512;

/// Symbols with a non-zero frequency, one bit each (zlib scans them all).
type Used = [u64; L_CODES.div_ceil(64)];

fn mark(used: &mut Used, n: usize) {
    used[n / 64] |= 1 << (n % 64);
}

/// Calls `f` with each symbol marked in `used`, up to `max_code`, in order.
fn each_leaf(used: &Used, max_code: usize, mut f: impl FnMut(usize)) {
    for (w, &word) in used.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            let n = w * 64 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if n <= max_code {
                f(n);
            }
        }
    }
}

/// Scratch shared by the tree builds (zlib's `heap`, split into the
/// priority queue and the sorted tail `order`; depths travel in the queue
/// entries) and the running bit costs.
struct Builder {
    pq: [Entry; PQ_SIZE],
    heap_len: usize,
    order: [u16; HEAP_SIZE],
    heap_max: usize,
    bl_count: [u16; MAX_BITS + 1],
    /// Bits of the dynamic-tree encoding (zlib's `opt_len`).
    opt_len: i64,
    /// Bits of the fixed-tree encoding (zlib's `static_len`).
    static_len: i64,
}

impl Builder {
    fn pqdownheap(&mut self, mut k: usize) {
        const M: usize = PQ_SIZE - 1;
        let pq = &mut self.pq;
        let len = self.heap_len;
        let v = pq[k & M];
        let mut j = k << 1;
        while j <= len {
            if j < len && smaller(pq[(j + 1) & M], pq[j & M]) {
                j += 1;
            }
            if smaller(v, pq[j & M]) {
                break;
            }
            pq[k & M] = pq[j & M];
            k = j;
            j <<= 1;
        }
        pq[k & M] = v;
    }

    /// zlib's `build_tree`: Huffman code lengths for `tree`, whose symbols
    /// with a non-zero frequency are the bits of `used`.
    fn build(&mut self, tree: &mut Tree, desc: &Desc, used: &Used) {
        const M: usize = PQ_SIZE - 1;
        let elems = desc.elems;
        let mut max_code: isize = -1;
        self.heap_len = 0;
        self.heap_max = HEAP_SIZE;
        tree.len[..elems].fill(0);
        tree.nonzero = *used;
        each_leaf(used, usize::MAX, |n| {
            self.heap_len += 1;
            self.pq[self.heap_len & M] = entry(tree.freq[n], 0, n);
            max_code = n as isize;
        });
        // At least two codes of non-zero frequency, as zlib forces.
        while self.heap_len < 2 {
            let node = if max_code < 2 {
                max_code += 1;
                max_code as usize
            } else {
                0
            };
            self.heap_len += 1;
            self.pq[self.heap_len & M] = entry(1, 0, node);
            tree.freq[node] = 1;
            tree.nonzero[node / 64] |= 1 << (node % 64);
            self.opt_len -= 1;
            if let Some(stat) = desc.static_len {
                self.static_len -= i64::from(stat(node));
            }
        }
        tree.max_code = max_code as usize;

        for n in (1..=self.heap_len / 2).rev() {
            self.pqdownheap(n);
        }
        let mut node = elems;
        loop {
            // pqremove
            let n = self.pq[1];
            self.pq[1] = self.pq[self.heap_len & M];
            self.heap_len -= 1;
            self.pqdownheap(1);
            let m = self.pq[1];

            self.heap_max -= 2;
            self.order[self.heap_max + 1] = node_of(n) as u16;
            self.order[self.heap_max] = node_of(m) as u16;

            let freq = (key(n) >> 8) as u32 + (key(m) >> 8) as u32;
            let depth = (key(n) as u8).max(key(m) as u8) + 1;
            tree.dad[node_of(n)] = node as u16;
            tree.dad[node_of(m)] = node as u16;
            self.pq[1] = entry(freq, depth, node);
            node += 1;
            self.pqdownheap(1);
            if self.heap_len < 2 {
                break;
            }
        }
        self.heap_max -= 1;
        self.order[self.heap_max] = node_of(self.pq[1]) as u16;

        // Codes are made only if the block is written (`Tree::gen_codes`).
        self.gen_bitlen(tree, desc);
    }

    /// zlib's `gen_bitlen`: lengths from the tree, limited to `max_length`
    /// with zlib's repair, adding the costs to `opt_len` / `static_len`.
    fn gen_bitlen(&mut self, tree: &mut Tree, desc: &Desc) {
        let max_code = tree.max_code;
        let max_length = desc.max_length;
        self.bl_count = [0; MAX_BITS + 1];
        tree.len[usize::from(self.order[self.heap_max])] = 0;
        let mut overflow = 0i32;
        for h in self.heap_max + 1..HEAP_SIZE {
            let n = usize::from(self.order[h]);
            let mut bits = usize::from(tree.len[usize::from(tree.dad[n])]) + 1;
            if bits > max_length {
                bits = max_length;
                overflow += 1;
            }
            tree.len[n] = bits as u16;
            if n > max_code {
                continue;
            }
            self.bl_count[bits] += 1;
            let xbits = if n >= desc.extra_base {
                usize::from(desc.extra[n - desc.extra_base])
            } else {
                0
            };
            let f = i64::from(tree.freq[n]);
            self.opt_len += f * (bits + xbits) as i64;
            if let Some(stat) = desc.static_len {
                self.static_len += f * (usize::from(stat(n)) + xbits) as i64;
            }
        }
        if overflow == 0 {
            return;
        }
        loop {
            let mut bits = max_length - 1;
            while self.bl_count[bits] == 0 {
                bits -= 1;
            }
            self.bl_count[bits] -= 1;
            self.bl_count[bits + 1] += 2;
            self.bl_count[max_length] -= 1;
            overflow -= 2;
            if overflow <= 0 {
                break;
            }
        }
        let mut h = HEAP_SIZE;
        for bits in (1..=max_length).rev() {
            let mut n = self.bl_count[bits];
            while n != 0 {
                h -= 1;
                let m = usize::from(self.order[h]);
                if m > max_code {
                    continue;
                }
                if usize::from(tree.len[m]) != bits {
                    self.opt_len +=
                        (bits as i64 - i64::from(tree.len[m])) * i64::from(tree.freq[m]);
                    tree.len[m] = bits as u16;
                }
                n -= 1;
            }
        }
    }
}

/// One step of zlib's code-length run encoding (`scan_tree` / `send_tree`).
#[cfg_attr(test, derive(Debug, PartialEq))]
enum Run {
    /// `count` copies of a length sent one by one.
    Single(u16, usize),
    /// Optionally the length itself, then `REP_3_6` with `count - 3`.
    Repeat { first: Option<u16>, count: usize },
    /// `REPZ_3_10` (`count` 3..=10) or `REPZ_11_138`.
    Zeros(usize),
}

/// Walks `tree.len[0..=max_code]` as zlib's `scan_tree` does, calling `f`
/// once per emitted run. Zero stretches between the non-zero lengths (most
/// of the literal alphabet) are encoded in closed form: zlib always enters
/// one with a fresh count and a 138 limit, so a stretch of `g` zeros gives
/// `g / 138` full runs and then its remainder.
fn runs(tree: &Tree, mut f: impl FnMut(Run)) {
    let mut prevlen: i32 = -1;
    let mut count = 0usize;
    let (mut max_count, mut min_count) = if tree.len[0] == 0 { (138, 3) } else { (7, 4) };
    let mut next = 0usize;
    each_leaf(&tree.nonzero, usize::MAX, |n| {
        if n > next {
            let gap = n - next;
            for _ in 0..gap / 138 {
                f(Run::Zeros(138));
            }
            match gap % 138 {
                0 => {}
                r @ 1..=2 => f(Run::Single(0, r)),
                r => f(Run::Zeros(r)),
            }
            count = 0;
            prevlen = 0;
            (max_count, min_count) = (7, 4);
        }
        next = n + 1;
        let curlen = tree.len[n];
        let nextlen = tree.guarded_len(n + 1);
        count += 1;
        if count < max_count && curlen == nextlen {
            return;
        } else if count < min_count {
            f(Run::Single(curlen, count));
        } else {
            let first = (i32::from(curlen) != prevlen).then_some(curlen);
            let count = if first.is_some() { count - 1 } else { count };
            f(Run::Repeat { first, count });
        }
        count = 0;
        prevlen = i32::from(curlen);
        (max_count, min_count) = if nextlen == 0 {
            (138, 3)
        } else if curlen == nextlen {
            (6, 3)
        } else {
            (7, 4)
        };
    });
}

/// zlib's `scan_tree` element by element: the reference for [`runs`].
#[cfg(test)]
fn runs_reference(tree: &Tree, mut f: impl FnMut(Run)) {
    let max_code = tree.max_code;
    let mut prevlen: i32 = -1;
    let mut nextlen = tree.guarded_len(0);
    let mut count = 0usize;
    let (mut max_count, mut min_count) = if nextlen == 0 { (138, 3) } else { (7, 4) };
    for n in 0..=max_code {
        let curlen = nextlen;
        nextlen = tree.guarded_len(n + 1);
        count += 1;
        if count < max_count && curlen == nextlen {
            continue;
        } else if count < min_count {
            f(Run::Single(curlen, count));
        } else if curlen != 0 {
            let first = (i32::from(curlen) != prevlen).then_some(curlen);
            let count = if first.is_some() { count - 1 } else { count };
            f(Run::Repeat { first, count });
        } else {
            f(Run::Zeros(count));
        }
        count = 0;
        prevlen = i32::from(curlen);
        (max_count, min_count) = if nextlen == 0 {
            (138, 3)
        } else if curlen == nextlen {
            (6, 3)
        } else {
            (7, 4)
        };
    }
}

/// Little-endian bit writer (zlib's `send_bits` / `bi_windup`).
struct Bits<'a> {
    out: &'a mut Vec<u8>,
    buf: u64,
    n: u32,
}

impl Bits<'_> {
    /// Appends `len` (at most 16) bits; whole 32-bit words go out at once
    /// (fewer than 32 bits are held, so the 64-bit buffer never overflows).
    fn send(&mut self, value: u16, len: u16) {
        self.buf |= u64::from(value) << self.n;
        self.n += u32::from(len);
        if self.n >= 32 {
            self.out.extend_from_slice(&(self.buf as u32).to_le_bytes());
            self.buf >>= 32;
            self.n -= 32;
        }
    }

    fn windup(&mut self) {
        let bytes = self.n.div_ceil(8) as usize;
        self.out.extend_from_slice(&self.buf.to_le_bytes()[..bytes]);
        self.buf = 0;
        self.n = 0;
    }
}

/// Per-thread state, reused across calls.
struct Deflater {
    /// zlib's `head`: the most recent position per hash, 0 meaning none
    /// (cleared whole before each long input, as `deflateReset` does).
    head: Vec<u16>,
    /// For short inputs, `head` as a small open-addressing table of
    /// `0x8000 | hash` above the position, with this many index bits.
    small: Vec<u32>,
    small_bits: Option<u32>,
    /// zlib's `prev`: the previous position with the same hash.
    prev: Vec<u16>,
    /// The input followed by [`PADDING`] zero bytes.
    window: Vec<u8>,
    /// Symbols: `dist << 8 | lc`, `dist == 0` for a literal.
    syms: Vec<u32>,
    /// The literal/length and distance symbols counted so far.
    lused: Used,
    dused: Used,
    ltree: Box<Tree>,
    dtree: Box<Tree>,
    bltree: Box<Tree>,
    builder: Box<Builder>,
}

thread_local! {
    static DEFLATER: RefCell<Deflater> = RefCell::new(Deflater::default());
}

/// `zlib.compress(data)` when it is at least 2 bytes shorter than `data`
/// (itsdangerous' rule): `Some(true)` with the bytes in `out`, `Some(false)`
/// when zlib's output would not be that short (nothing is written), `None`
/// when `data` is longer than [`MAX_INPUT`] and real zlib must decide.
pub(crate) fn compress_if_smaller(data: &[u8], out: &mut Vec<u8>) -> Option<bool> {
    if data.len() > MAX_INPUT {
        return None;
    }
    Some(crate::scratch::with(&DEFLATER, |d| d.run(data, out)))
}

impl Default for Deflater {
    fn default() -> Self {
        Deflater {
            head: vec![0; HASH_SIZE],
            small: Vec::new(),
            small_bits: None,
            prev: Vec::new(),
            window: Vec::new(),
            syms: Vec::new(),
            lused: [0; _],
            dused: [0; _],
            ltree: Box::new(Tree::new()),
            dtree: Box::new(Tree::new()),
            bltree: Box::new(Tree::new()),
            builder: Box::new(Builder {
                pq: [0; PQ_SIZE],
                heap_len: 0,
                order: [0; HEAP_SIZE],
                heap_max: 0,
                bl_count: [0; MAX_BITS + 1],
                opt_len: 0,
                static_len: 0,
            }),
        }
    }
}

impl Deflater {
    fn run(&mut self, data: &[u8], out: &mut Vec<u8>) -> bool {
        self.window.clear();
        self.window.extend_from_slice(data);
        self.window.resize(data.len() + PADDING, 0);
        self.prev.clear();
        self.prev.resize(data.len(), 0);
        self.syms.clear();
        // Short inputs map hash -> head in a small table that stays in L1
        // (cleared whole); longer ones use zlib's full table (also cleared
        // whole: one sequential pass beats undoing scattered writes).
        let small_bits = (2 * data.len())
            .max(64)
            .next_power_of_two()
            .trailing_zeros();
        self.small_bits = (small_bits <= SMALL_MAX_BITS).then_some(small_bits);
        if let Some(bits) = self.small_bits {
            self.small.clear();
            self.small.resize(1 << bits, 0);
        }
        // init_block
        self.ltree.freq[..L_CODES].fill(0);
        self.dtree.freq[..D_CODES].fill(0);
        self.ltree.freq[END_BLOCK] = 1;
        self.lused = [0; _];
        self.dused = [0; _];
        mark(&mut self.lused, END_BLOCK);
        if self.small_bits.is_none() {
            self.head.fill(0);
        }
        self.parse(data.len());
        self.finish(data, out)
    }

    fn hash(&self, p: usize) -> usize {
        let w = &self.window;
        (((u32::from(w[p]) << (2 * 5)) ^ (u32::from(w[p + 1]) << 5) ^ u32::from(w[p + 2]))
            & HASH_MASK) as usize
    }

    /// zlib's `INSERT_STRING`: returns the previous head for `p`'s hash.
    fn insert(&mut self, p: usize) -> usize {
        let h = self.hash(p);
        let previous = match self.small_bits {
            Some(bits) => {
                // Open addressing: slot = 0x8000 | hash above the position.
                let mask = (1usize << bits) - 1;
                let tag = 0x8000 | h as u32;
                let mut i = ((h as u32).wrapping_mul(0x9E37_79B1) >> (32 - bits)) as usize;
                loop {
                    let slot = self.small[i];
                    if slot == 0 || slot >> 16 == tag {
                        self.small[i] = tag << 16 | p as u32;
                        break (slot & 0xffff) as u16;
                    }
                    i = (i + 1) & mask;
                }
            }
            None => std::mem::replace(&mut self.head[h], p as u16),
        };
        self.prev[p] = previous;
        usize::from(previous)
    }

    /// zlib's `deflate_slow` over the whole input with `Z_FINISH`.
    fn parse(&mut self, n: usize) {
        let mut strstart = 0usize;
        let mut lookahead = n;
        let mut match_length = MIN_MATCH - 1;
        let mut match_start = 0usize;
        let mut match_available = false;
        while lookahead != 0 {
            let mut hash_head = 0;
            if lookahead >= MIN_MATCH {
                hash_head = self.insert(strstart);
            }
            let prev_length = match_length;
            let prev_match = match_start;
            match_length = MIN_MATCH - 1;
            if hash_head != 0 && prev_length < MAX_LAZY && strstart - hash_head <= MAX_DIST {
                (match_length, match_start) =
                    self.longest_match(hash_head, strstart, prev_length, lookahead, match_start);
                if match_length == MIN_MATCH && strstart - match_start > TOO_FAR {
                    match_length = MIN_MATCH - 1;
                }
            }
            if prev_length >= MIN_MATCH && match_length <= prev_length {
                let max_insert = strstart + lookahead - MIN_MATCH;
                let dist = strstart - 1 - prev_match;
                self.tally_dist(dist, prev_length - MIN_MATCH);
                lookahead -= prev_length - 1;
                for _ in 0..prev_length - 2 {
                    strstart += 1;
                    if strstart <= max_insert {
                        self.insert(strstart);
                    }
                }
                match_available = false;
                match_length = MIN_MATCH - 1;
                strstart += 1;
            } else if match_available {
                self.tally_lit(self.window[strstart - 1]);
                strstart += 1;
                lookahead -= 1;
            } else {
                match_available = true;
                strstart += 1;
                lookahead -= 1;
            }
        }
        if match_available {
            self.tally_lit(self.window[strstart - 1]);
        }
    }

    /// zlib's `_tr_tally_lit`: records a literal and counts it.
    fn tally_lit(&mut self, c: u8) {
        self.syms.push(u32::from(c));
        self.ltree.freq[usize::from(c)] += 1;
        mark(&mut self.lused, usize::from(c));
    }

    /// zlib's `_tr_tally_dist`: records a match (`lc` is its length minus 3)
    /// and counts its length and distance codes.
    fn tally_dist(&mut self, dist: usize, lc: usize) {
        self.syms.push(((dist as u32) << 8) | lc as u32);
        let l = length_code(lc) + LITERALS + 1;
        self.ltree.freq[l] += 1;
        mark(&mut self.lused, l);
        let d = d_code(dist - 1);
        self.dtree.freq[d] += 1;
        mark(&mut self.dused, d);
    }

    /// zlib's `longest_match` (the portable version): `(length, start)`.
    fn longest_match(
        &self,
        mut cur_match: usize,
        strstart: usize,
        prev_length: usize,
        lookahead: usize,
        mut match_start: usize,
    ) -> (usize, usize) {
        let w = &self.window;
        let mut chain_length = MAX_CHAIN;
        let mut best_len = prev_length;
        let nice_match = NICE_MATCH.min(lookahead);
        let limit = strstart.saturating_sub(MAX_DIST);
        let scan = &w[strstart..strstart + MAX_MATCH + 9];
        let mut scan_end1 = scan[best_len - 1];
        let mut scan_end = scan[best_len];
        if prev_length >= GOOD_MATCH {
            chain_length >>= 2;
        }
        loop {
            let m = &w[cur_match..cur_match + MAX_MATCH + 9];
            if m[best_len] == scan_end
                && m[best_len - 1] == scan_end1
                && m[0] == scan[0]
                && m[1] == scan[1]
            {
                // Byte 2 matches too: equal hashes and equal first two bytes
                // imply it. zlib compares from byte 3 on.
                let len = common_prefix(scan, m);
                if len > best_len {
                    match_start = cur_match;
                    best_len = len;
                    if len >= nice_match {
                        break;
                    }
                    scan_end1 = scan[best_len - 1];
                    scan_end = scan[best_len];
                }
            }
            cur_match = usize::from(self.prev[cur_match]);
            if cur_match <= limit {
                break;
            }
            chain_length -= 1;
            if chain_length == 0 {
                break;
            }
        }
        (best_len.min(lookahead), match_start)
    }

    /// Builds the trees, decides the block type exactly as zlib's
    /// `_tr_flush_block` does and writes the stream when it saves 2 bytes.
    fn finish(&mut self, data: &[u8], out: &mut Vec<u8>) -> bool {
        let (lt, dt, bt) = (&mut *self.ltree, &mut *self.dtree, &mut *self.bltree);
        bt.freq[..BL_CODES].fill(0);
        let (lused, dused) = (&self.lused, &self.dused);
        let b = &mut *self.builder;
        b.opt_len = 0;
        b.static_len = 0;
        b.build(lt, &L_DESC, lused);
        b.build(dt, &D_DESC, dused);
        // build_bl_tree
        for tree in [&*lt, &*dt] {
            runs(tree, |run| match run {
                Run::Single(len, count) => bt.freq[usize::from(len)] += count as u32,
                Run::Repeat { first, .. } => {
                    if let Some(len) = first {
                        bt.freq[usize::from(len)] += 1;
                    }
                    bt.freq[REP_3_6] += 1;
                }
                Run::Zeros(count) if count <= 10 => bt.freq[REPZ_3_10] += 1,
                Run::Zeros(_) => bt.freq[REPZ_11_138] += 1,
            });
        }
        let mut blused: Used = [0; _];
        for (n, &f) in bt.freq[..BL_CODES].iter().enumerate() {
            if f != 0 {
                mark(&mut blused, n);
            }
        }
        b.build(bt, &BL_DESC, &blused);
        let mut max_blindex = BL_CODES - 1;
        while max_blindex >= 3 && bt.len[usize::from(BL_ORDER[max_blindex])] == 0 {
            max_blindex -= 1;
        }
        b.opt_len += 3 * (max_blindex as i64 + 1) + 5 + 5 + 4;

        let opt_lenb = (b.opt_len + 3 + 7) >> 3;
        let static_lenb = (b.static_len + 3 + 7) >> 3;
        let chosen = opt_lenb.min(static_lenb);
        let stored_len = data.len() as i64;
        // A stored block never saves bytes; otherwise the stream is the
        // 2-byte header, the block and the 4-byte Adler-32.
        if stored_len + 4 <= chosen || 2 + chosen + 4 > stored_len - 2 {
            return false;
        }

        out.clear();
        out.reserve(2 + chosen as usize + 4);
        out.extend_from_slice(&[0x78, 0x9c]);
        let mut bits = Bits {
            out: &mut *out,
            buf: 0,
            n: 0,
        };
        if static_lenb <= opt_lenb {
            bits.send(0b01 << 1 | 1, 3);
            send_symbols(
                &mut bits,
                &self.syms,
                |n| (STATIC_LCODES[n], static_llen(n)),
                |n| (reverse(n as u16, 5), 5),
            );
        } else {
            lt.gen_codes();
            dt.gen_codes();
            bt.gen_codes();
            bits.send(0b10 << 1 | 1, 3);
            let lcodes = lt.max_code + 1;
            let dcodes = dt.max_code + 1;
            bits.send((lcodes - 257) as u16, 5);
            bits.send((dcodes - 1) as u16, 5);
            bits.send((max_blindex + 1 - 4) as u16, 4);
            for &rank in &BL_ORDER[..=max_blindex] {
                bits.send(bt.len[usize::from(rank)], 3);
            }
            for tree in [&*lt, &*dt] {
                runs(tree, |run| send_run(&mut bits, bt, run));
            }
            send_symbols(
                &mut bits,
                &self.syms,
                |n| (lt.code[n], lt.len[n]),
                |n| (dt.code[n], dt.len[n]),
            );
        }
        bits.windup();
        // The block is exactly as long as its cost said (a wrong cost
        // could still have made the same choice).
        debug_assert_eq!(out.len(), 2 + chosen as usize, "block cost");
        out.extend_from_slice(&adler32(data).to_be_bytes());
        true
    }
}

/// zlib's match length for two windows whose first 3 bytes agree: the
/// common prefix, at most `MAX_MATCH`, compared 8 bytes at a time. Both
/// slices hold `MAX_MATCH + 9` bytes.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let mut at = 3;
    while at < MAX_MATCH {
        let diff = word(a, at) ^ word(b, at);
        if diff != 0 {
            return (at + diff.trailing_zeros() as usize / 8).min(MAX_MATCH);
        }
        at += 8;
    }
    MAX_MATCH
}

/// Sends one code-length run with the bit-length tree `bt`.
fn send_run(bits: &mut Bits<'_>, bt: &Tree, run: Run) {
    let code = |bits: &mut Bits<'_>, c: usize| bits.send(bt.code[c], bt.len[c]);
    match run {
        Run::Single(len, count) => {
            for _ in 0..count {
                code(bits, usize::from(len));
            }
        }
        Run::Repeat { first, count } => {
            if let Some(len) = first {
                code(bits, usize::from(len));
            }
            code(bits, REP_3_6);
            bits.send((count - 3) as u16, 2);
        }
        Run::Zeros(count) if count <= 10 => {
            code(bits, REPZ_3_10);
            bits.send((count - 3) as u16, 3);
        }
        Run::Zeros(count) => {
            code(bits, REPZ_11_138);
            bits.send((count - 11) as u16, 7);
        }
    }
}

/// zlib's `compress_block`: the symbols, then end-of-block.
fn send_symbols(
    bits: &mut Bits<'_>,
    syms: &[u32],
    lcode: impl Fn(usize) -> (u16, u16),
    dcode: impl Fn(usize) -> (u16, u16),
) {
    for &s in syms {
        let dist = (s >> 8) as usize;
        let lc = (s & 0xff) as usize;
        if dist == 0 {
            let (c, l) = lcode(lc);
            bits.send(c, l);
        } else {
            let code = length_code(lc);
            let (c, l) = lcode(code + LITERALS + 1);
            bits.send(c, l);
            let extra = u16::from(EXTRA_LBITS[code]);
            if extra != 0 {
                bits.send((lc - base_length(code)) as u16, extra);
            }
            let dist = dist - 1;
            let code = d_code(dist);
            let (c, l) = dcode(code);
            bits.send(c, l);
            let extra = u16::from(EXTRA_DBITS[code]);
            if extra != 0 {
                bits.send((dist - base_dist(code)) as u16, extra);
            }
        }
    }
    let (c, l) = lcode(END_BLOCK);
    bits.send(c, l);
}

/// Adler-32 (RFC 1950), the zlib trailer.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 is the largest run that cannot overflow u32 before reducing.
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    /// The symbol counts zlib's trees were built from, read back out of a
    /// zlib stream's dynamic blocks: literal/length, distance, and the
    /// code-length symbols of the block header (the bit-length tree's).
    #[derive(Default)]
    struct BlockCounts {
        lit: Vec<u64>,
        dist: Vec<u64>,
        bl: Vec<u64>,
    }

    /// Reads `z` (a zlib stream) back: the counts of every dynamic block.
    /// A test-side inflater, so the tests can tell from the output which
    /// length limit a tree build had to repair, with no hook in the code
    /// under test.
    fn dynamic_block_counts(z: &[u8]) -> Vec<BlockCounts> {
        struct Bits<'a>(&'a [u8], usize);
        impl Bits<'_> {
            fn get(&mut self, n: usize) -> usize {
                let mut v = 0;
                for i in 0..n {
                    let bit = (self.0[self.1 / 8] >> (self.1 % 8)) & 1;
                    v |= usize::from(bit) << i;
                    self.1 += 1;
                }
                v
            }
            /// One symbol of the canonical code `c` (puff.c's `decode`).
            fn sym(&mut self, c: &Code) -> usize {
                let (mut code, mut first, mut index) = (0usize, 0usize, 0usize);
                for &count in &c.count[1..] {
                    code |= self.get(1);
                    if code < first + count {
                        return c.symbols[index + code - first];
                    }
                    index += count;
                    first = (first + count) << 1;
                    code <<= 1;
                }
                panic!("bad code");
            }
        }
        /// A canonical Huffman code: how many codes of each length, and the
        /// symbols in code order.
        struct Code {
            count: [usize; 16],
            symbols: Vec<usize>,
        }
        let code = |lens: &[u8]| {
            let mut count = [0; 16];
            lens.iter().for_each(|&l| count[usize::from(l)] += 1);
            count[0] = 0;
            let mut symbols: Vec<usize> = (0..lens.len()).filter(|&s| lens[s] > 0).collect();
            symbols.sort_by_key(|&s| lens[s]);
            Code { count, symbols }
        };
        const ORDER: [usize; 19] = [
            16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
        ];
        let (len_extra, dist_extra) = (
            |s: usize| {
                if (265..285).contains(&s) {
                    (s - 261) / 4
                } else {
                    0
                }
            },
            |d: usize| if d >= 4 { (d - 2) / 2 } else { 0 },
        );
        let mut b = Bits(z, 16);
        let mut blocks = Vec::new();
        loop {
            let last = b.get(1) == 1;
            match b.get(2) {
                0 => {
                    b.1 = b.1.div_ceil(8) * 8;
                    let len = b.get(16);
                    b.1 += 16 + len * 8;
                }
                2 => {
                    let (hlit, hdist, hclen) = (b.get(5) + 257, b.get(5) + 1, b.get(4) + 4);
                    let mut cl = [0u8; 19];
                    for &s in &ORDER[..hclen] {
                        cl[s] = b.get(3) as u8;
                    }
                    let cl_code = code(&cl);
                    let mut c = BlockCounts {
                        bl: vec![0; 19],
                        lit: vec![0; 286],
                        dist: vec![0; 30],
                    };
                    let mut lens = Vec::new();
                    while lens.len() < hlit + hdist {
                        let s = b.sym(&cl_code);
                        c.bl[s] += 1;
                        match s {
                            0..=15 => lens.push(s as u8),
                            16 => {
                                let prev = *lens.last().unwrap();
                                lens.extend(std::iter::repeat_n(prev, 3 + b.get(2)));
                            }
                            17 => lens.extend(std::iter::repeat_n(0, 3 + b.get(3))),
                            _ => lens.extend(std::iter::repeat_n(0, 11 + b.get(7))),
                        }
                    }
                    let (ll, dl) = (code(&lens[..hlit]), code(&lens[hlit..]));
                    loop {
                        let s = b.sym(&ll);
                        c.lit[s] += 1;
                        if s == 256 {
                            break;
                        }
                        if s > 256 {
                            b.get(len_extra(s));
                            let d = b.sym(&dl);
                            c.dist[d] += 1;
                            b.get(dist_extra(d));
                        }
                    }
                    blocks.push(c);
                }
                _ => {
                    // Fixed codes: no tree was built. Skip the symbols.
                    let fixed: Vec<u8> = (0..288)
                        .map(|s| match s {
                            0..=143 => 8,
                            144..=255 => 9,
                            256..=279 => 7,
                            _ => 8,
                        })
                        .collect();
                    let (ll, dl) = (code(&fixed), code(&[5; 30]));
                    loop {
                        let s = b.sym(&ll);
                        if s == 256 {
                            break;
                        }
                        if s > 256 {
                            b.get(len_extra(s));
                            let d = b.sym(&dl);
                            b.get(dist_extra(d));
                        }
                    }
                }
            }
            if last {
                return blocks;
            }
        }
    }

    /// The longest code of a Huffman code for `counts`, built by merging the
    /// two lightest nodes, the shallower first on ties: the least depth any
    /// optimal code for these counts has. When it exceeds a limit, zlib's
    /// tree (optimal too) did as well, and zlib had to repair it.
    fn unlimited_depth(counts: &[u64]) -> usize {
        let mut heap: BinaryHeap<Reverse<(u64, usize)>> = counts
            .iter()
            .filter(|&&n| n > 0)
            .map(|&n| Reverse((n, 0)))
            .collect();
        while heap.len() > 1 {
            let (Some(Reverse((a, da))), Some(Reverse((b, db)))) = (heap.pop(), heap.pop()) else {
                unreachable!()
            };
            heap.push(Reverse((a + b, da.max(db) + 1)));
        }
        heap.pop().map_or(0, |Reverse((_, d))| d)
    }

    #[test]
    fn the_block_reader_reads_zlib_back() {
        // The counts read back must add up to what was compressed: every
        // byte is a literal or inside a match, and each block ends once.
        let text = br#"{"_permanent":true,"csrf_token":"3f2a9c0d1b8e7f6a5d4c3b2a1f0e9d8c7b6a5f4e","user_id":42,"cart":[1,2,3,1,2,3,1,2,3]}"#;
        let blocks = dynamic_block_counts(&zlib(&text.repeat(8)));
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].lit[256], 1);
        assert!(blocks[0].dist.iter().sum::<u64>() > 0, "no matches read");
        assert_eq!(unlimited_depth(&[1, 1]), 1);
        assert_eq!(unlimited_depth(&[1, 1, 2, 3, 5, 8]), 5);
    }

    /// Real zlib on a fresh stream, as Python's `zlib.compress` runs it.
    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut c = Compress::new(Compression::new(6), true);
        let mut out = Vec::with_capacity(data.len() + data.len() / 1000 + 64);
        c.compress_vec(data, &mut out, FlushCompress::Finish)
            .unwrap();
        out
    }

    /// Checks one input against zlib under itsdangerous' rule.
    fn check(data: &[u8]) {
        let expected = zlib(data);
        let mut out = vec![0xAA];
        let got = compress_if_smaller(data, &mut out).expect("small input");
        let smaller = expected.len() + 1 < data.len();
        assert_eq!(
            got,
            smaller,
            "decision for {:?}",
            String::from_utf8_lossy(data)
        );
        if smaller {
            assert_eq!(
                out,
                expected,
                "bytes for {:?}",
                String::from_utf8_lossy(data)
            );
        }
    }

    /// A deterministic xorshift generator (no test dependency needed here).
    pub(super) struct Rng(pub(super) u64);
    impl Rng {
        pub(super) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        pub(super) fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn length_and_distance_codes_cover_their_ranges_in_order() {
        // Each value lies in its code's range [base, base + 2^extra), codes
        // never decrease, and consecutive codes' ranges touch: together this
        // pins the code of every value (RFC 1951 §3.2.5).
        let check = |values: usize,
                     code: fn(usize) -> usize,
                     base: fn(usize) -> usize,
                     extra: &[u8],
                     last: usize| {
            let mut prev = 0;
            for v in 0..values {
                let c = code(v);
                assert!(
                    c >= prev && c <= prev + 1,
                    "value {v}: code {c} after {prev}"
                );
                if c != prev {
                    assert_eq!(base(c), v, "code {c} starts at {v}");
                }
                prev = c;
                assert!(v - base(c) < 1 << extra[c], "value {v} past code {c}");
            }
            assert_eq!(prev, last);
        };
        check(
            255,
            length_code,
            base_length,
            &EXTRA_LBITS,
            LENGTH_CODES - 2,
        );
        assert_eq!(length_code(255), LENGTH_CODES - 1, "length 258");
        assert_eq!(
            base_length(LENGTH_CODES - 2) + (1 << EXTRA_LBITS[LENGTH_CODES - 2]),
            256
        );
        check(32 * 1024, d_code, base_dist, &EXTRA_DBITS, D_CODES - 1);
        assert_eq!(
            base_dist(D_CODES - 1) + (1 << EXTRA_DBITS[D_CODES - 1]),
            32 * 1024
        );
    }

    #[test]
    fn common_prefix_is_the_bytewise_one_capped() {
        let mut rng = Rng(3);
        for _ in 0..20_000 {
            let a: Vec<u8> = (0..MAX_MATCH + 9).map(|_| rng.below(2) as u8).collect();
            let mut b = a.clone();
            let cut = 3 + rng.below(MAX_MATCH + 6);
            if cut < b.len() {
                b[cut] ^= 1;
            }
            let bytewise = 3 + a[3..MAX_MATCH]
                .iter()
                .zip(&b[3..MAX_MATCH])
                .take_while(|(x, y)| x == y)
                .count();
            assert_eq!(common_prefix(&a, &b), bytewise, "cut at {cut}");
        }
    }

    #[test]
    fn run_encoding_equals_zlibs_element_walk() {
        let mut rng = Rng(99);
        let mut tree = Tree::new();
        for _ in 0..20_000 {
            let max_code = rng.below(L_CODES);
            let density = 1 + rng.below(8);
            tree.len[..L_CODES].fill(0);
            tree.nonzero = [0; _];
            let lengths = 1 + rng.below(15);
            for n in 0..=max_code {
                if n == max_code || rng.below(8) < density {
                    // Runs of equal lengths are common in real trees.
                    let len = if n > 0 && tree.len[n - 1] != 0 && rng.below(2) == 0 {
                        tree.len[n - 1]
                    } else {
                        1 + rng.below(lengths) as u16
                    };
                    tree.len[n] = len;
                    tree.nonzero[n / 64] |= 1 << (n % 64);
                }
            }
            tree.max_code = max_code;
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            runs(&tree, |r| fast.push(r));
            runs_reference(&tree, |r| slow.push(r));
            assert_eq!(fast, slow, "lengths {:?}", &tree.len[..=max_code]);
        }
    }

    #[test]
    fn issue_fixtures_match_zlib() {
        check(br#"{"_permanent":true,"csrf_token":"3f2a9c0d1b8e7f6a5d4c3b2a1f0e9d8c7b6a5f4e","user_id":42}"#);
        check(br#"{"a":1}"#);
        check(b"");
        check(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        check(&vec![b'x'; MAX_INPUT]);
        let mut long = Vec::new();
        for i in 0..2000 {
            long.extend_from_slice(format!(r#"{{"item":{i},"qty":{}}},"#, i % 7).as_bytes());
        }
        long.truncate(MAX_INPUT);
        check(&long);
        let mut out = Vec::new();
        assert_eq!(
            compress_if_smaller(&vec![b'x'; MAX_INPUT + 1], &mut out),
            None
        );
    }

    #[test]
    fn hashes_sharing_a_head_slot_keep_their_own_chains() {
        // "BLK" and "xyz" differ in zlib's hash but start at the same slot
        // of the small head table (10 index bits at this length). The 140
        // newer "xyz" positions must not enter BLK's chain: zlib searches
        // at most 128 candidates, so they would hide BLK's earlier match.
        let mut data = b"#BLK0123456789abcdefghij".to_vec();
        data.extend(b"xyz".repeat(140));
        data.extend_from_slice(b"BLK0123456789abcdefghij");
        check(&data);
    }

    #[test]
    fn long_inputs_in_turn_see_no_stale_heads() {
        // Two long inputs (zlib's full head table) with the same 3-byte
        // strings at different places: heads left by one would point into
        // the other.
        let a: Vec<u8> = (0..6000u32)
            .map(|i| b"abcdefgh"[(i % 8) as usize])
            .collect();
        let b: Vec<u8> = (0..5000u32)
            .map(|i| b"hgfedcba"[((i * 7 + i / 13) % 8) as usize])
            .collect();
        for data in [&a, &b, &a, &b[..300], &a] {
            check(data);
        }
    }

    #[test]
    fn random_inputs_match_zlib() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let words: &[&[u8]] = &[
            b"\"_permanent\":true",
            b"\"user_id\":",
            b"\"csrf_token\":\"",
            b"\"_flashes\":[",
            b"{\" t\":[\"message\",\"",
            b"}",
            b",",
            b"\"",
            b"cart",
            b"qty",
            b"0",
            b"1",
            b"42",
            b"\"_fresh\":false",
            b"\" b\":\"",
            b"ZGF0YQ==",
            b"null",
            b"[",
            b"]",
        ];
        for case in 0..6_000 {
            let target = match case % 4 {
                0 => rng.below(64),
                1 => rng.below(400),
                2 => rng.below(3000),
                _ => rng.below(MAX_INPUT + 1),
            };
            let alphabet = 1 + rng.below(255);
            let mode = rng.below(4);
            let mut data = Vec::with_capacity(target);
            while data.len() < target {
                match mode {
                    // Random bytes over a small or large alphabet (no NUL:
                    // the stream reuse below must not see stale windows).
                    0 => data.push(1 + rng.below(alphabet) as u8),
                    // JSON-ish tokens and hex.
                    1 => {
                        if rng.below(3) == 0 {
                            data.push(b"0123456789abcdef"[rng.below(16)]);
                        } else {
                            data.extend_from_slice(words[rng.below(words.len())]);
                        }
                    }
                    // Copies of earlier text at random distances and lengths.
                    2 if data.len() > 8 && rng.below(3) != 0 => {
                        let from = rng.below(data.len());
                        let len = 1 + rng.below(300.min(data.len() - from));
                        for k in 0..len {
                            data.push(data[from + k]);
                        }
                    }
                    // Skewed frequencies, to stress the length limits.
                    _ => {
                        let z = rng.next().trailing_zeros() as u8;
                        data.push(b'A' + z.min(40));
                    }
                }
            }
            data.truncate(target);
            check(&data);
        }
    }

    /// `pool` reordered so that no 3-byte string repeats (no matches), as
    /// far as random swaps manage.
    fn matchless(rng: &mut Rng, mut pool: Vec<u8>) -> Vec<u8> {
        let mut used = std::collections::HashSet::new();
        for k in 2..pool.len() {
            for _ in 0..64 {
                if !used.contains(&(pool[k - 2], pool[k - 1], pool[k])) {
                    break;
                }
                let other = k + rng.below(pool.len() - k);
                pool.swap(k, other);
            }
            used.insert((pool[k - 2], pool[k - 1], pool[k]));
        }
        pool
    }

    #[test]
    fn literal_tree_length_limit_matches_zlib() {
        // Fibonacci counts (1, 2, 3, 5, ...) for 10 rare literals beside
        // end-of-block's 1, among 80 common ones and no matches, give a
        // Huffman tree 16 deep: zlib's repair down to 15 bits must be exact.
        let mut rng = Rng(7);
        for round in 0..4 {
            let n = MAX_INPUT - round * 1000;
            let mut pool = Vec::with_capacity(n);
            let (mut a, mut b) = (1usize, 2usize);
            for sym in 1..=10u8 {
                pool.extend(std::iter::repeat_n(sym, a));
                (a, b) = (b, a + b);
            }
            while pool.len() < n {
                pool.push(100 + rng.below(80) as u8);
            }
            for k in (1..pool.len()).rev() {
                pool.swap(k, rng.below(k + 1));
            }
            let data = matchless(&mut rng, pool);
            check(&data);
            let blocks = dynamic_block_counts(&zlib(&data));
            assert!(
                blocks.iter().any(|b| unlimited_depth(&b.lit) > MAX_BITS),
                "no literal-tree repair"
            );
        }
    }

    /// The block type zlib chose, from its output (BTYPE of the one block).
    fn block_type(zlib_out: &[u8]) -> u8 {
        (zlib_out[2] >> 1) & 3
    }

    #[test]
    fn fixed_blocks_with_high_literals_and_long_matches_match_zlib() {
        // Short inputs made of bytes 128..=255 and long copies: zlib writes
        // them as a fixed-code block, whose literals 144..=255 have 9-bit
        // codes and whose match lengths 115..=258 use the 8-bit length
        // codes 280..=287 (JSON sessions, all ASCII, never reach either).
        let mut rng = Rng(0xF1EED);
        let (mut fixed, mut nine_bit, mut long_copy) = (0, 0, 0);
        for _ in 0..600 {
            let mut data: Vec<u8> = (0..1 + rng.below(8))
                .map(|_| 128 + rng.below(128) as u8)
                .collect();
            let mut longest = 0;
            for _ in 0..1 + rng.below(3) {
                let from = rng.below(data.len());
                let len = 3 + rng.below(300);
                longest = longest.max(len);
                for k in 0..len {
                    data.push(data[from + k]);
                }
                if rng.below(2) == 0 {
                    data.push(128 + rng.below(128) as u8);
                }
            }
            check(&data);
            let expected = zlib(&data);
            if expected.len() + 1 < data.len() && block_type(&expected) == 1 {
                fixed += 1;
                // The first byte is always sent as a literal.
                nine_bit += usize::from(data[0] >= 144);
                long_copy += usize::from(longest >= 130);
            }
        }
        assert!(
            fixed >= 500 && nine_bit >= 400 && long_copy >= 300,
            "fixed blocks {fixed}, with 9-bit literals {nine_bit}, long copies {long_copy}"
        );
    }

    /// Seed `seed`'s input for the tie tests: every byte value about
    /// equally often (a literal tree of ~250 leaves, so its last internal
    /// nodes have numbers above 500), shuffled, then copies of stretches of
    /// it, so it compresses and the bytes are compared.
    fn wide_alphabet_input(seed: u64) -> Vec<u8> {
        let mut rng = Rng(0x5EA2C + seed * 0x9E37_79B9);
        let mut data: Vec<u8> = Vec::new();
        let mult = 1 + rng.below(4);
        for v in 0..=255u8 {
            let m = if rng.below(8) == 0 {
                rng.below(mult + 2)
            } else {
                mult
            };
            data.extend(std::iter::repeat_n(v, m));
        }
        for k in (1..data.len()).rev() {
            data.swap(k, rng.below(k + 1));
        }
        let block = data.clone();
        for r in 0..rng.below(30) {
            let from = rng.below(block.len() - 4);
            let len = 3 + rng.below(255.min(block.len() - from - 3));
            data.extend_from_slice(&block[from..from + len]);
            if r % 2 == 0 {
                data.push(rng.below(256) as u8);
            }
        }
        data
    }

    #[test]
    fn wide_alphabets_with_tied_frequencies_match_zlib() {
        // zlib's heap breaks ties between entries of equal frequency and
        // depth by position, and the code lengths (so the bytes) depend on
        // it. The numbered seeds are inputs where two late internal nodes
        // (numbers adding up to more than 1023) tie and the order matters,
        // found by searching 40 000 seeds against a comparison that got
        // only such ties wrong (about 1 seed in 7 000 shows it); JSON
        // sessions, all ASCII, have too few symbols to reach such nodes.
        let mut compressed = 0;
        for seed in (0..150).chain([2522, 6034, 16498, 16858]) {
            let data = wide_alphabet_input(seed);
            check(&data);
            compressed += usize::from(zlib(&data).len() + 1 < data.len());
        }
        assert!(compressed >= 100, "only {compressed} compressed");
    }

    #[test]
    fn bit_length_tree_length_limit_matches_zlib() {
        // Zipf-like byte frequencies make skewed code lengths, whose own
        // 7-bit code tree sometimes needs the repair.
        let mut rng = Rng(12345);
        let mut repaired = 0;
        for _ in 0..1500 {
            let n = 200 + rng.below(MAX_INPUT - 200);
            let symbols = 2.0 + rng.below(250) as f64;
            let skew = 0.5 + rng.below(300) as f64 / 100.0;
            let mut data = Vec::with_capacity(n);
            while data.len() < n {
                let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
                data.push(1 + (symbols.powf(u.powf(skew)) as usize).min(250) as u8);
            }
            check(&data);
            repaired += dynamic_block_counts(&zlib(&data))
                .iter()
                .filter(|b| unlimited_depth(&b.bl) > MAX_BL_BITS)
                .count();
        }
        assert!(
            repaired >= 3,
            "only {repaired} bit-length repairs exercised"
        );
    }
}
