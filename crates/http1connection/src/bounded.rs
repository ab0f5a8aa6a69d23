//! Bounded reads that leave the stream open, so that a limit can still be
//! answered (431, 400) before the connection closes.

use bytes::{Bytes, BytesMut};
use tornado_iostream::IoStream;

/// Reads through `delimiter` as `IoStream::read_until` does, but when
/// `max` bytes pass without it, returns `Ok(None)` with the stream still
/// open; `read_until` would close it at once (Tornado's
/// `UnsatisfiableReadError`), leaving no way to send a status. Holds at
/// most `max` bytes plus one read.
pub(crate) async fn read_until_bounded(
    stream: &IoStream,
    delimiter: &[u8],
    max: usize,
) -> tornado_iostream::Result<Option<Bytes>> {
    let mut line = BytesMut::new();
    loop {
        if let Some(found) = stream.try_read_until(delimiter, None) {
            let rest = found?;
            if line.len() + rest.len() > max {
                return Ok(None);
            }
            if line.is_empty() {
                return Ok(Some(rest));
            }
            line.extend_from_slice(&rest);
            return Ok(Some(line.freeze()));
        }
        // No delimiter in the buffer: every buffered byte belongs to the line.
        if let Some(more) = stream.try_read_bytes(usize::MAX) {
            line.extend_from_slice(&more);
        }
        if line.len() > max {
            return Ok(None);
        }
        stream.wait_for_data().await?;
        // The delimiter may straddle the old bytes and the new ones: take
        // new bytes one at a time while the line ends in a part of it, so
        // that nothing past its end is consumed.
        while (1..delimiter.len()).any(|k| line.ends_with(&delimiter[..k])) {
            let Some(byte) = stream.try_read_bytes(1) else {
                break;
            };
            line.extend_from_slice(&byte);
            if line.ends_with(delimiter) {
                return Ok((line.len() <= max).then(|| line.freeze()));
            }
        }
    }
}
