//! The binary primitives of format 4: unsigned LEB128 varints, zigzag for signed numbers,
//! short and long byte strings, uuids.
//!
//! Why binary at all: from format 4 a person block's plaintext is no longer a deflated JSON
//! array. Ten thousand persons meant ten thousand small deflate streams, each setting up its
//! own Huffman tables, then JSON parsing: about half of what opening a block cost, and a
//! block is opened for every person of every segment a device reads. The same changes
//! written with these primitives are as small as the deflated JSON and read without
//! allocating anything but the values.
//!
//! What is guaranteed: the [`Reader`] never reads past its slice, never allocates more than
//! what it was given holds (every length is checked against what remains before anything is
//! taken), and refuses overlong varints (more than ten bytes, or bits beyond 64), so each
//! value has exactly one encoding.

use uuid::Uuid;

/// Appends `value` as an unsigned LEB128 varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends a signed number, zigzag-encoded (small magnitudes stay short either way).
pub(crate) fn put_signed(out: &mut Vec<u8>, value: i64) {
    put_varint(out, ((value << 1) ^ (value >> 63)) as u64);
}

/// Appends a string of at most 255 bytes (names from the catalogue), its length first.
pub(crate) fn put_short(out: &mut Vec<u8>, text: &str) {
    debug_assert!(text.len() <= 255, "short strings are catalogue names");
    out.push(text.len().min(255) as u8);
    out.extend_from_slice(&text.as_bytes()[..text.len().min(255)]);
}

/// Appends bytes of any length, a varint length first.
pub(crate) fn put_long(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Reads a slice front to back; `None` for anything malformed or short.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// How many bytes are left: no count read from the input may promise more items.
    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.rest.split_at_checked(n)?;
        self.rest = tail;
        Some(head)
    }

    pub(crate) fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    pub(crate) fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for i in 0..10 {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            // The tenth byte may only hold the 64th bit; a final zero byte after others is
            // an overlong encoding.
            if i == 9 && byte > 1 || i > 0 && byte == 0 {
                return None;
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    pub(crate) fn signed(&mut self) -> Option<i64> {
        let zigzag = self.varint()?;
        Some(((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64))
    }

    /// A count of items that each take at least `min_size` bytes: refused if the rest
    /// cannot hold that many.
    pub(crate) fn count(&mut self, min_size: usize) -> Option<usize> {
        let n = usize::try_from(self.varint()?).ok()?;
        (n.checked_mul(min_size.max(1))? <= self.remaining()).then_some(n)
    }

    pub(crate) fn short_str(&mut self) -> Option<&'a str> {
        let len = usize::from(self.byte()?);
        std::str::from_utf8(self.take(len)?).ok()
    }

    pub(crate) fn long(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.varint()?).ok()?;
        self.take(len)
    }

    pub(crate) fn uuid(&mut self) -> Option<Uuid> {
        Uuid::from_slice(self.take(16)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_and_have_one_encoding() {
        for value in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            let mut reader = Reader::new(&out);
            assert_eq!(reader.varint(), Some(value));
            assert!(reader.is_empty());
        }
        for value in [0, -1, 1, i64::MIN, i64::MAX, -1_764_070_000_000] {
            let mut out = Vec::new();
            put_signed(&mut out, value);
            assert_eq!(Reader::new(&out).signed(), Some(value));
        }
        // 1 written in two bytes, eleven continuation bytes, a 65th bit: refused.
        assert_eq!(Reader::new(&[0x81, 0x00]).varint(), None);
        assert_eq!(Reader::new(&[0xff; 11]).varint(), None);
        let mut too_big = vec![0xff; 9];
        too_big.push(0x02);
        assert_eq!(Reader::new(&too_big).varint(), None);
    }

    #[test]
    fn lengths_and_counts_never_promise_more_than_is_there() {
        assert_eq!(Reader::new(&[5, b'a', b'b']).short_str(), None);
        assert_eq!(Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f]).long(), None);
        let mut huge = Vec::new();
        put_varint(&mut huge, 1 << 40);
        assert_eq!(Reader::new(&huge).count(1), None);
        assert_eq!(Reader::new(&[2, 0, 0]).count(1), Some(2));
        assert_eq!(Reader::new(&[2, 0, 0]).count(2), None);
        assert_eq!(Reader::new(&[2, 0xc3]).short_str(), None, "not UTF-8");
    }
}
