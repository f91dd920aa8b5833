//! Kafka's fixed-width binary primitives (the non-flexible protocol types),
//! big-endian, as the broker writes the keys and values of
//! `__consumer_offsets` records: `int16`, `int32`, `int64`, `string`
//! (`int16` length + UTF-8), `nullable_string` (length -1 for null),
//! `bytes` (`int32` length) and arrays (`int32` count).

/// Appends Kafka primitives to a byte buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Writer::default()
    }
    pub fn i16(&mut self, v: i16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// `STRING`: int16 length, then UTF-8 bytes.
    ///
    /// # Panics
    /// If the string is longer than `i16::MAX` bytes (Kafka refuses such strings too).
    pub fn string(&mut self, s: &str) -> &mut Self {
        let len = i16::try_from(s.len()).expect("a Kafka STRING is at most 32767 bytes");
        self.i16(len);
        self.buf.extend_from_slice(s.as_bytes());
        self
    }
    /// `NULLABLE_STRING`: length -1 for null.
    pub fn nullable_string(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.string(s),
            None => self.i16(-1),
        }
    }
    /// `BYTES`: int32 length, then the bytes.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.i32(i32::try_from(b.len()).expect("a Kafka BYTES field is at most 2 GiB"));
        self.buf.extend_from_slice(b);
        self
    }
    /// `NULLABLE_BYTES` written as null (length -1).
    pub fn null_bytes(&mut self) -> &mut Self {
        self.i32(-1)
    }
    /// An `ARRAY` count.
    pub fn array_len(&mut self, n: usize) -> &mut Self {
        self.i32(i32::try_from(n).expect("a Kafka ARRAY has at most i32::MAX elements"))
    }
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
}

/// Reads Kafka primitives; every read returns `None` past the end or on a
/// malformed length, so decoding foreign bytes never panics.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.buf.len() < n {
            return None;
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Some(head)
    }
    pub fn i16(&mut self) -> Option<i16> {
        Some(i16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }
    pub fn i32(&mut self) -> Option<i32> {
        Some(i32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }
    pub fn i64(&mut self) -> Option<i64> {
        Some(i64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }
    pub fn string(&mut self) -> Option<String> {
        self.nullable_string()?
    }
    /// `Some(None)` for a null string, `None` when malformed.
    pub fn nullable_string(&mut self) -> Option<Option<String>> {
        let len = self.i16()?;
        if len < 0 {
            return Some(None);
        }
        let bytes = self.take(len as usize)?;
        Some(Some(String::from_utf8(bytes.to_vec()).ok()?))
    }
    /// `Some(None)` for null bytes, `None` when malformed.
    pub fn nullable_bytes(&mut self) -> Option<Option<&'a [u8]>> {
        let len = self.i32()?;
        if len < 0 {
            return Some(None);
        }
        Some(Some(self.take(len as usize)?))
    }
    /// An `ARRAY` count; null arrays (-1) read as empty. Bounded by the bytes
    /// left so a corrupt count cannot make a caller reserve huge vectors.
    pub fn array_len(&mut self) -> Option<usize> {
        let n = self.i32()?;
        let n = usize::try_from(n.max(0)).ok()?;
        (n <= self.buf.len()).then_some(n)
    }
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_are_big_endian_with_kafka_length_prefixes() {
        let bytes = Writer::new().i16(1).i32(-2).string("ab").nullable_string(None).bytes(&[9]).finish();
        assert_eq!(bytes, [0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 2, b'a', b'b', 0xff, 0xff, 0, 0, 0, 1, 9]);
        let mut r = Reader::new(&bytes);
        assert_eq!(r.i16(), Some(1));
        assert_eq!(r.i32(), Some(-2));
        assert_eq!(r.string().as_deref(), Some("ab"));
        assert_eq!(r.nullable_string(), Some(None));
        assert_eq!(r.nullable_bytes(), Some(Some(&[9u8][..])));
        assert!(r.is_empty());
        assert_eq!(r.i16(), None, "reading past the end fails instead of panicking");
    }
}
