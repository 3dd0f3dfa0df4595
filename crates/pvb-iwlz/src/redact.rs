//! Keeping personal values out of every text this crate writes: the BSNs of the message become
//! asterisks wherever they appear, quoted values from libxml2's messages are withheld unless
//! the element they belong to is known to hold no personal data, and when a message cannot be
//! parsed at all, every BSN-shaped number is masked.
//!
//! It is not a guarantee against a sender who puts personal data in a field meant for codes;
//! it is the last guard behind the rule that personal fields are never read at all. The mask of
//! every BSN-shaped number is kept for unparsed messages only: applied to every text it would
//! also hide one in eleven Besluitnummers and AGB codes, which an office needs to read.

use pvb_core::Bsn;

/// Replaces every run of 8 or 9 digits that passes the 11-proef by asterisks (the same rule as
/// the JSON Lines importer), so that no text can carry a BSN even by accident.
pub(crate) fn redact_bsns(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            run.push(ch);
            continue;
        }
        flush_digits(&mut out, &mut run);
        out.push(ch);
    }
    flush_digits(&mut out, &mut run);
    out
}

fn flush_digits(out: &mut String, run: &mut String) {
    if (run.len() == 8 || run.len() == 9) && Bsn::parse(run).is_ok() {
        out.push_str(&"*".repeat(run.len()));
    } else {
        out.push_str(run);
    }
    run.clear();
}

/// The text of every `Bsn` element of the message (whatever its shape: personal either way).
pub(crate) fn bsns_in(document: &roxmltree::Document<'_>) -> Vec<String> {
    document
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Bsn")
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Replaces every occurrence of each of `values` in `text` by asterisks.
pub(crate) fn redact_values(text: &str, values: &[String]) -> String {
    let mut out = text.to_owned();
    for value in values {
        if out.contains(value.as_str()) {
            out = out.replace(value.as_str(), &"*".repeat(value.chars().count()));
        }
    }
    out
}

/// Replaces the contents of every single-quoted segment by an ellipsis: `'Jansen'` becomes
/// `'…'`. For parser messages, which may quote any text of the message.
pub(crate) fn redact_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for ch in text.chars() {
        if ch == '\'' {
            if inside {
                out.push('…');
            }
            out.push(ch);
            inside = !inside;
        } else if !inside {
            out.push(ch);
        }
    }
    if inside {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bsns_become_asterisks() {
        assert_eq!(redact_bsns("bsn 628194821."), "bsn *********.");
        assert_eq!(redact_bsns("628194822"), "628194822");
        assert_eq!(redact_bsns("2026-01-01"), "2026-01-01");
        assert_eq!(redact_bsns("x12345672y"), "x********y");
    }

    #[test]
    fn the_message_bsns_become_asterisks() {
        let values = vec!["628194821".to_owned()];
        assert_eq!(
            redact_values("a 628194821 b 260000802", &values),
            "a ********* b 260000802"
        );
        let document = roxmltree::Document::parse("<a><Bsn> 628194821 </Bsn><b><Bsn/></b></a>")
            .expect("well formed");
        assert_eq!(bsns_in(&document), values);
    }

    #[test]
    fn quoted_values_are_withheld() {
        assert_eq!(
            redact_quoted("Entity 'Jansen' not defined"),
            "Entity '…' not defined"
        );
        assert_eq!(redact_quoted("open 'abc"), "open '…");
        assert_eq!(redact_quoted("none"), "none");
    }
}
