//! The seed corpus of the fuzz target `fuzz/fuzz_targets/iwlz_message.rs` (every file under
//! `tests/messages/`) replayed as an ordinary test: each file and a few dozen deterministic
//! mutations of it (truncations, flipped bytes, cut and doubled spans, changed digits, swapped
//! lines, inserted bytes) go through `validate` and `read_message` against a ledger that holds
//! the life of every sample client. Nothing may panic, and no answer may carry personal data.

use std::path::PathBuf;

use pvb_iwlz::{read_message, validate, Verdict};

use crate::build::{BAD_BSN, PEOPLE};
use crate::catalogue;
use crate::ledger::{messages_dir, Ledger};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The mutations of one input.
fn mutations(bytes: &[u8], rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let len = bytes.len();
    for _ in 0..4 {
        out.push(bytes[..rng.below(len + 1)].to_vec());
    }
    for _ in 0..4 {
        let mut m = bytes.to_vec();
        if !m.is_empty() {
            let at = rng.below(m.len());
            m[at] ^= 1 << rng.below(8);
        }
        out.push(m);
    }
    for _ in 0..3 {
        let (a, b) = (rng.below(len + 1), rng.below(len + 1));
        let (a, b) = (a.min(b), a.max(b));
        let mut cut = bytes[..a].to_vec();
        cut.extend_from_slice(&bytes[b..]);
        out.push(cut);
        let mut doubled = bytes[..b].to_vec();
        doubled.extend_from_slice(&bytes[a..]);
        out.push(doubled);
    }
    // Changed digits keep the message well-formed and reach the mapping's checks.
    let digits: Vec<usize> = (0..len).filter(|i| bytes[*i].is_ascii_digit()).collect();
    for _ in 0..8 {
        let mut m = bytes.to_vec();
        for _ in 0..1 + rng.below(3) {
            if !digits.is_empty() {
                let at = digits[rng.below(digits.len())];
                m[at] = b'0' + rng.below(10) as u8;
            }
        }
        out.push(m);
    }
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    for _ in 0..2 {
        let mut order: Vec<&[u8]> = lines.clone();
        if order.len() > 1 {
            let (a, b) = (rng.below(order.len()), rng.below(order.len()));
            order.swap(a, b);
        }
        out.push(order.join(&b'\n'));
    }
    for noise in [
        &b"\0"[..],
        b"\xff\xfe",
        b"<!-- x -->",
        b"&amp;",
        b"<a>",
        b"]]>",
        b"\xc3",
    ] {
        let at = rng.below(len + 1);
        let mut m = bytes[..at].to_vec();
        m.extend_from_slice(noise);
        m.extend_from_slice(&bytes[at..]);
        out.push(m);
    }
    out
}

fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for folder in ["valid", "invalid"] {
        if let Ok(entries) = std::fs::read_dir(messages_dir().join(folder)) {
            files.extend(entries.filter_map(Result::ok).map(|e| e.path()));
        }
    }
    files.sort();
    files
}

fn forbidden() -> Vec<&'static str> {
    let mut values = vec![BAD_BSN];
    for p in &PEOPLE {
        values.extend([p.bsn, p.surname, p.street]);
    }
    values
}

#[test]
fn the_corpus_and_its_mutations_never_panic() {
    let mut ledger = Ledger::new();
    for (_, xml) in catalogue::valid() {
        let _ = ledger.import(xml.as_bytes());
    }
    let files = corpus();
    assert!(files.len() > 50, "the corpus is the sample messages");
    let forbidden = forbidden();
    let mut rng = Rng(0x5EED_1D1E_2026_0001);
    let mut inputs = 0usize;
    for file in files {
        let bytes = std::fs::read(&file).expect("read a corpus file");
        let mut all = vec![bytes.clone()];
        all.extend(mutations(&bytes, &mut rng));
        for input in all {
            inputs += 1;
            let checked = validate(&input);
            let verdict = read_message(&input, &ledger.state, &ledger.pseudonymiser);
            if checked.is_err() {
                assert!(
                    matches!(verdict, Verdict::Rejected { .. }),
                    "{}: invalid but {verdict:?}",
                    file.display()
                );
            }
            if let Verdict::Mapped(mapped) = &verdict {
                assert!(
                    !mapped.commands.is_empty(),
                    "{}: mapped to nothing",
                    file.display()
                );
            }
            let text = format!("{verdict:?} {checked:?}");
            for value in &forbidden {
                assert!(
                    !text.contains(value),
                    "{}: a mutation leaks '{value}': {text}",
                    file.display()
                );
            }
        }
    }
    println!("{inputs} inputs replayed");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let ledger = Ledger::new();
    let mut rng = Rng(0xB17E_5EED);
    for size in [0usize, 1, 2, 7, 64, 511, 4096] {
        for _ in 0..20 {
            let input: Vec<u8> = (0..size).map(|_| rng.next() as u8).collect();
            let _ = validate(&input);
            let _ = read_message(&input, &ledger.state, &ledger.pseudonymiser);
        }
    }
    let huge = vec![b' '; pvb_iwlz::MESSAGE_BYTES_MAX + 1];
    assert!(matches!(
        read_message(&huge, &ledger.state, &ledger.pseudonymiser),
        Verdict::Rejected { .. }
    ));
    let doctype = b"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>";
    let verdict = read_message(doctype, &ledger.state, &ledger.pseudonymiser);
    assert!(
        matches!(verdict, Verdict::Rejected { ref reason, .. } if reason.contains("DOCTYPE")),
        "{verdict:?}"
    );
}
