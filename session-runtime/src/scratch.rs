//! Per-thread state reused from one request to the next (buffers, stacks,
//! memos), so the hot paths do not allocate it every time.

use std::cell::RefCell;
use std::thread::LocalKey;

/// Buffers larger than this (in heap bytes) are not kept after use.
const KEEP_LIMIT: usize = 64 * 1024;

/// Runs `f` with this thread's value in `key`, or with a fresh default if
/// that one is already lent further up the stack (a nested call).
pub(crate) fn with<T: Default, R>(
    key: &'static LocalKey<RefCell<T>>,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut value) => f(&mut value),
        Err(_) => f(&mut T::default()),
    })
}

/// [`with`] for a buffer: lent empty, and dropped afterwards if it grew
/// past 64 KiB (one huge session does not pin memory to a thread).
pub(crate) fn with_empty<T: Reusable, R>(
    key: &'static LocalKey<RefCell<T>>,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    with(key, |buf| {
        // Emptied before (a panic in an earlier `f` may have left contents)
        // and after (contents such as parsed values are dropped now).
        buf.empty();
        let result = f(buf);
        buf.empty();
        if buf.heap_bytes() > KEEP_LIMIT {
            *buf = T::default();
        }
        result
    })
}

/// A buffer [`with_empty`] can lend.
pub(crate) trait Reusable: Default {
    /// Removes the contents, keeping the room.
    fn empty(&mut self);
    /// The room it holds on the heap.
    fn heap_bytes(&self) -> usize;
}

impl<T> Reusable for Vec<T> {
    fn empty(&mut self) {
        self.clear();
    }
    fn heap_bytes(&self) -> usize {
        self.capacity() * size_of::<T>()
    }
}

impl Reusable for String {
    fn empty(&mut self) {
        self.clear();
    }
    fn heap_bytes(&self) -> usize {
        self.capacity()
    }
}

impl<A: Reusable, B: Reusable> Reusable for (A, B) {
    fn empty(&mut self) {
        self.0.empty();
        self.1.empty();
    }
    fn heap_bytes(&self) -> usize {
        self.0.heap_bytes() + self.1.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }

    #[test]
    fn lends_empty_reuses_room_and_survives_nesting() {
        with_empty(&BUF, |b| b.extend_from_slice(b"abc"));
        let (len, room) = with_empty(&BUF, |b| (b.len(), b.capacity()));
        assert_eq!(len, 0);
        assert!(room >= 3, "the room is kept");
        // A nested use gets its own buffer instead of a borrow panic.
        let inner = with_empty(&BUF, |outer| {
            outer.push(1);
            with_empty(&BUF, |inner| {
                inner.push(2);
                inner.clone()
            })
        });
        assert_eq!(inner, [2]);
        // Up to 64 KiB is kept, exactly 64 KiB included.
        with_empty(&BUF, |b| b.reserve_exact(2_000));
        assert!(with_empty(&BUF, |b| b.capacity()) >= 2_000);
        with_empty(&BUF, |b| b.reserve_exact(KEEP_LIMIT));
        assert_eq!(with_empty(&BUF, |b| b.capacity()), KEEP_LIMIT);
        with_empty(&BUF, |b| b.resize(KEEP_LIMIT + 1, 0));
        assert_eq!(
            with_empty(&BUF, |b| b.capacity()),
            0,
            "huge buffers are dropped"
        );
    }

    thread_local! {
        static PAIR: RefCell<(Vec<u64>, String)> = const { RefCell::new((Vec::new(), String::new())) };
    }

    #[test]
    fn heap_bytes_count_every_part_in_bytes() {
        let words: Vec<u64> = Vec::with_capacity(10);
        assert_eq!(words.heap_bytes(), words.capacity() * 8);
        let text = String::with_capacity(100);
        assert_eq!(text.heap_bytes(), text.capacity());
        let pair = (words, text);
        assert_eq!(pair.heap_bytes(), pair.0.capacity() * 8 + pair.1.capacity());
        // A pair is dropped when its parts together pass the limit.
        let kept = |words: usize, bytes: usize| {
            with_empty(&PAIR, |(w, s)| {
                w.reserve_exact(words);
                s.reserve_exact(bytes);
            });
            with_empty(&PAIR, |(w, s)| (w.capacity(), s.capacity())) != (0, 0)
        };
        assert!(kept(KEEP_LIMIT / 16, KEEP_LIMIT / 2), "exactly 64 KiB");
        assert!(!kept(KEEP_LIMIT / 8, KEEP_LIMIT / 2), "96 KiB");
    }
}
