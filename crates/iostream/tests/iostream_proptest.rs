//! Property tests: however a message is cut into writes, a matching
//! sequence of `read_until` / `read_bytes` / `read_into` calls returns
//! exactly the bytes written.

mod support;

use bytes::Bytes;
use proptest::prelude::*;
use tornado_ioloop::spawn;

use support::{Kind, pair, run, settle};

/// One record of the message and the read that takes it back.
#[derive(Debug, Clone)]
enum Record {
    /// Bytes without `\n`, then `\n`: read with `read_until(b"\n")`.
    Line(Vec<u8>),
    /// Any bytes, read with `read_bytes(len)`.
    Block(Vec<u8>),
    /// Any bytes, read with `read_into` a buffer of that length.
    Into(Vec<u8>),
}

impl Record {
    fn wire(&self) -> Vec<u8> {
        match self {
            Record::Line(b) => {
                let mut v = b.clone();
                v.push(b'\n');
                v
            }
            Record::Block(b) | Record::Into(b) => b.clone(),
        }
    }
}

fn record() -> impl Strategy<Value = Record> {
    let line = proptest::collection::vec(
        any::<u8>().prop_filter("no newline", |b| *b != b'\n'),
        0..200,
    )
    .prop_map(Record::Line);
    let block = proptest::collection::vec(any::<u8>(), 1..300).prop_map(Record::Block);
    let into = proptest::collection::vec(any::<u8>(), 1..300).prop_map(Record::Into);
    prop_oneof![line, block, into]
}

/// Cuts `wire` at the given fractions into writes.
fn chunks(wire: &[u8], cuts: &[u16]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&c| c as usize * wire.len() / u16::MAX as usize)
        .collect();
    points.push(0);
    points.push(wire.len());
    points.sort_unstable();
    points.dedup();
    points
        .windows(2)
        .map(|w| wire[w[0]..w[1]].to_vec())
        .collect()
}

fn roundtrip(kind: Kind, records: Vec<Record>, cuts: Vec<u16>) -> Result<(), TestCaseError> {
    let wire: Vec<u8> = records.iter().flat_map(Record::wire).collect();
    let writes = chunks(&wire, &cuts);
    let reads = records.clone();
    let got = run(async move {
        let (rs, ws) = pair(kind).await;
        let writer = spawn(async move {
            for w in writes {
                ws.write(w).await.unwrap();
                settle().await;
            }
            ws
        });
        let mut got = Vec::new();
        for r in &reads {
            let piece = match r {
                Record::Line(_) => rs.read_until(b"\n", None).await.unwrap(),
                Record::Block(b) => rs.read_bytes(b.len(), false).await.unwrap(),
                Record::Into(b) => {
                    let mut buf = vec![0u8; b.len()];
                    let n = rs.read_into(&mut buf, false).await.unwrap();
                    buf.truncate(n);
                    Bytes::from(buf)
                }
            };
            got.push(piece);
        }
        let ws = writer.await.unwrap();
        ws.close(None);
        // Nothing more than what was written.
        let tail = rs.read_until_close().await.unwrap();
        (got, tail)
    });
    let (pieces, tail) = got;
    prop_assert!(tail.is_empty(), "extra bytes: {:?}", tail);
    prop_assert_eq!(pieces.len(), records.len());
    for (piece, record) in pieces.iter().zip(&records) {
        prop_assert_eq!(&piece[..], &record.wire()[..]);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn reads_return_what_was_written_unix(
        records in proptest::collection::vec(record(), 1..12),
        cuts in proptest::collection::vec(any::<u16>(), 0..12),
    ) {
        roundtrip(Kind::Unix, records, cuts)?;
    }

    #[test]
    fn reads_return_what_was_written_tcp(
        records in proptest::collection::vec(record(), 1..12),
        cuts in proptest::collection::vec(any::<u16>(), 0..12),
    ) {
        roundtrip(Kind::Tcp, records, cuts)?;
    }

    #[test]
    fn reads_return_what_was_written_pipe(
        records in proptest::collection::vec(record(), 1..12),
        cuts in proptest::collection::vec(any::<u16>(), 0..12),
    ) {
        roundtrip(Kind::Pipe, records, cuts)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn reads_return_what_was_written_tls(
        records in proptest::collection::vec(record(), 1..12),
        cuts in proptest::collection::vec(any::<u16>(), 0..12),
    ) {
        roundtrip(Kind::Tls, records, cuts)?;
    }
}
