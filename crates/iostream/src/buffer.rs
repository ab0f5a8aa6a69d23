//! The write buffer: queued chunks written out with vectored writes.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

/// Writes smaller than this are copied together into one chunk; larger ones
/// are queued as they are, without copying (Tornado's
/// `_large_buf_threshold`).
pub(crate) const LARGE_WRITE: usize = 2048;

/// The most buffers handed to one `writev`.
pub(crate) const MAX_IOVECS: usize = 64;

/// The capacity a pooled buffer starts with: room for a batch of pipelined
/// responses, or a request head, without growing.
pub(crate) const POOLED_CAPACITY: usize = 4096;

/// Drained buffers kept per thread for reuse, at most this many ...
const POOL_COUNT: usize = 128;

/// ... and none larger than this.
const POOL_MAX_CAPACITY: usize = 16 * 1024;

thread_local! {
    /// Drained buffers of the thread's streams (small-write tails, read
    /// buffers, request heads), shared by every stream of the thread's loop:
    /// a stream gives a buffer back when it drains (so an idle stream holds
    /// no buffer memory) and the next stream that needs one takes it,
    /// instead of allocating and growing a fresh one.
    static POOL: RefCell<Vec<BytesMut>> = const { RefCell::new(Vec::new()) };
}

/// A buffer from the thread's pool, or a new one.
#[inline]
pub(crate) fn take_buffer() -> BytesMut {
    POOL.with(|pool| pool.borrow_mut().pop())
        .unwrap_or_else(|| BytesMut::with_capacity(POOLED_CAPACITY))
}

/// Gives a buffer that is done with back to the thread's pool of stream
/// buffers, for the next stream or request that needs one: cheaper than
/// freeing it and allocating again. Its contents are dropped; a buffer
/// larger than 16 KiB, or one beyond the pool's 128, is freed instead.
///
/// Streams recycle their own buffers; this is for buffers a stream handed
/// over, such as the head filled by [`IoStream::try_read_with_into`]
/// (no Tornado counterpart: Python manages this memory itself).
///
/// [`IoStream::try_read_with_into`]: crate::IoStream::try_read_with_into
#[inline]
pub fn recycle_buffer(mut buf: BytesMut) {
    buf.clear();
    // `clear` keeps the consumed front; the capacity that counts is the
    // whole allocation, which `reserve` reclaims in place once unshared.
    if buf.capacity() == 0 || buf.capacity() > POOL_MAX_CAPACITY {
        return;
    }
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < POOL_COUNT {
            pool.push(buf);
        }
    });
}

/// Queued output. The small-write tail always comes after every chunk.
#[derive(Default)]
pub(crate) struct WriteBuffer {
    chunks: VecDeque<Bytes>,
    tail: BytesMut,
    len: usize,
}

impl WriteBuffer {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn push(&mut self, data: Bytes) {
        if data.is_empty() {
            return;
        }
        self.len += data.len();
        if data.len() < LARGE_WRITE {
            self.ensure_tail();
            self.tail.extend_from_slice(&data);
        } else {
            if !self.tail.is_empty() {
                self.chunks.push_back(self.tail.split().freeze());
            }
            self.chunks.push_back(data);
        }
    }

    /// Lets `fill` append straight to the small-write tail; returns how many
    /// bytes it added.
    pub(crate) fn append_with(&mut self, fill: impl FnOnce(&mut BytesMut)) -> usize {
        self.ensure_tail();
        let before = self.tail.len();
        fill(&mut self.tail);
        let added = self.tail.len() - before;
        self.len += added;
        added
    }

    /// Gives an unallocated tail a pooled (or new) allocation.
    fn ensure_tail(&mut self) {
        if self.tail.capacity() == 0 {
            self.tail = take_buffer();
        }
    }

    /// Drops the last `n` bytes of the tail (a refused append).
    pub(crate) fn truncate_tail(&mut self, n: usize) {
        let keep = self.tail.len() - n;
        self.tail.truncate(keep);
        self.len -= n;
    }

    /// The queued data when it is one contiguous piece (the common case),
    /// so that a write needs no slice array.
    pub(crate) fn only_piece(&self) -> Option<&[u8]> {
        match (self.chunks.len(), self.tail.is_empty()) {
            (0, false) => Some(&self.tail),
            (1, true) => self.chunks.front().map(|c| &c[..]),
            _ => None,
        }
    }

    /// Fills `slices` with the queued data, oldest first; returns how many
    /// slices were filled.
    pub(crate) fn slices<'a>(&'a self, slices: &mut [IoSlice<'a>; MAX_IOVECS]) -> usize {
        let mut n = 0;
        for chunk in self.chunks.iter().take(MAX_IOVECS - 1) {
            slices[n] = IoSlice::new(chunk);
            n += 1;
        }
        if !self.tail.is_empty() && n == self.chunks.len() {
            slices[n] = IoSlice::new(&self.tail);
            n += 1;
        }
        n
    }

    /// Drops `n` written bytes from the front.
    pub(crate) fn advance(&mut self, mut n: usize) {
        self.len -= n;
        while n > 0 {
            match self.chunks.front_mut() {
                Some(chunk) if chunk.len() <= n => {
                    n -= chunk.len();
                    self.chunks.pop_front();
                }
                Some(chunk) => {
                    chunk.advance(n);
                    n = 0;
                }
                None => {
                    self.tail.advance(n);
                    n = 0;
                }
            }
        }
        if self.len == 0 {
            // An idle stream holds no write memory.
            if self.chunks.capacity() > 0 {
                self.chunks = VecDeque::new();
            }
            recycle_buffer(std::mem::take(&mut self.tail));
        }
    }

    pub(crate) fn clear(&mut self) {
        recycle_buffer(std::mem::take(&mut self.tail));
        *self = WriteBuffer::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(buf: &WriteBuffer) -> Vec<u8> {
        let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
        let n = buf.slices(&mut slices);
        slices[..n].iter().flat_map(|s| s.iter().copied()).collect()
    }

    #[test]
    fn small_writes_coalesce_and_large_ones_stay_separate() {
        let mut buf = WriteBuffer::default();
        buf.push(Bytes::from_static(b"ab"));
        buf.push(Bytes::from_static(b"cd"));
        buf.push(Bytes::from(vec![b'x'; 3000]));
        buf.push(Bytes::from_static(b"ef"));
        assert_eq!(buf.chunks.len(), 2);
        let all = flat(&buf);
        assert_eq!(&all[..4], b"abcd");
        assert_eq!(&all[all.len() - 2..], b"ef");
        buf.advance(5);
        assert_eq!(flat(&buf).len(), 3001);
        buf.advance(3001);
        assert!(buf.is_empty());
        assert_eq!(buf.tail.capacity(), 0);
    }

    #[test]
    fn drained_tails_are_pooled_and_bounded() {
        let pooled = || POOL.with(|pool| pool.borrow().len());
        POOL.with(|pool| pool.borrow_mut().clear());
        let mut buf = WriteBuffer::default();
        buf.push(Bytes::from_static(b"response"));
        assert!(buf.tail.capacity() >= POOLED_CAPACITY);
        buf.advance(8);
        // Drained: the stream holds nothing, the thread's pool has the tail.
        assert_eq!(buf.tail.capacity(), 0);
        assert_eq!(pooled(), 1);
        buf.append_with(|tail| tail.extend_from_slice(b"next"));
        assert_eq!(pooled(), 0);
        assert_eq!(flat(&buf), b"next");
        // An oversized tail is freed, not pooled.
        buf.append_with(|tail| tail.extend_from_slice(&[0u8; POOL_MAX_CAPACITY + 1]));
        let all = buf.len();
        buf.advance(all);
        assert_eq!(pooled(), 0);
        // The pool never holds more than its bound.
        let mut many: Vec<WriteBuffer> = (0..POOL_COUNT + 10)
            .map(|_| {
                let mut b = WriteBuffer::default();
                b.push(Bytes::from_static(b"x"));
                b
            })
            .collect();
        for b in &mut many {
            b.advance(1);
        }
        assert_eq!(pooled(), POOL_COUNT);
    }
}
