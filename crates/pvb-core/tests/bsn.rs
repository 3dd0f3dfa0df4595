//! The BSN 11-proef (DOMAIN.md section 4.2), checked against an independent formulation, and
//! the identifier rules that keep a BSN out of the log.

use proptest::prelude::*;
use pvb_core::*;

/// The 11-proef written another way: over the *reversed* digit string, the digit at position
/// `j` (0 = last) has weight `-1` for `j = 0` and `j + 1` otherwise; an 8-digit number is a
/// 9-digit one with a leading zero (which weighs nothing); the sum must be a multiple of 11 and
/// the number must not be all zeros.
fn reference_eleven_proof(text: &str) -> Option<bool> {
    if !(text.len() == 8 || text.len() == 9) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None; // Not a BSN's shape at all.
    }
    let mut sum: i64 = 0;
    for (j, b) in text.bytes().rev().enumerate() {
        let digit = i64::from(b - b'0');
        let weight = if j == 0 { -1 } else { j as i64 + 1 };
        sum += weight * digit;
    }
    let all_zero = text.bytes().all(|b| b == b'0');
    Some(sum % 11 == 0 && !all_zero)
}

#[test]
fn the_examples_of_domain_md() {
    // 111222333: 9+8+7+12+10+8+9+6-3 = 66 = 6 x 11.
    assert!(Bsn::parse("111222333").is_ok());
    assert_eq!(Bsn::parse("111222334"), Err(IdError::BsnCheck));
    assert_eq!(reference_eleven_proof("111222333"), Some(true));
    assert_eq!(reference_eleven_proof("111222334"), Some(false));
    assert!(eleven_proof(&[1, 1, 1, 2, 2, 2, 3, 3, 3]));
    assert!(!eleven_proof(&[1, 1, 1, 2, 2, 2, 3, 3, 4]));
}

#[test]
fn all_zeros_are_refused() {
    assert_eq!(Bsn::parse("000000000"), Err(IdError::BsnCheck));
    assert_eq!(Bsn::parse("00000000"), Err(IdError::BsnCheck));
    assert!(!eleven_proof(&[0; 9]));
}

#[test]
fn eight_digits_are_left_padded() {
    // 012345672: 0+8+14+18+20+20+18+14-2 = 110.
    assert!(Bsn::parse("12345672").is_ok());
    assert_eq!(Bsn::parse("12345672"), Bsn::parse("012345672"));
    // Both spellings are the same client under a key.
    let pseudonymiser = Pseudonymiser::new([7; 32]);
    let a = pseudonymiser.client_id(&Bsn::parse("12345672").expect("valid"));
    let b = pseudonymiser.client_id(&Bsn::parse("012345672").expect("valid"));
    assert_eq!(a, b);
}

#[test]
fn wrong_shapes_are_refused_without_repeating_the_value() {
    for text in [
        "",
        "1234567",
        "1234567890",
        "11122233a",
        " 11122233",
        "111-22-333",
    ] {
        let err = Bsn::parse(text).expect_err("not a BSN");
        assert_eq!(
            err,
            IdError::BsnFormat {
                len: text.chars().count()
            }
        );
        if !text.is_empty() {
            assert!(!err.to_string().contains(text));
        }
    }
}

#[test]
fn pseudonyms_differ_between_keys_and_hide_the_bsn() {
    let bsn = Bsn::parse("111222333").expect("valid");
    let a = Pseudonymiser::new([1; 32]).client_id(&bsn);
    let b = Pseudonymiser::new([2; 32]).client_id(&bsn);
    assert_ne!(a, b);
    assert!(!a.as_str().contains("111222333"));
    assert!(!format!("{bsn:?}").contains("111222333"));
    // A valid 9-digit BSN cannot pose as an office reference.
    assert_eq!(ClientId::parse("111222333"), Err(IdError::ReferenceIsBsn));
}

proptest! {
    /// `Bsn::parse` agrees with the independent formulation on random 8- and 9-digit strings.
    #[test]
    fn parse_agrees_with_an_independent_eleven_proof(text in "[0-9]{8,9}") {
        let expected = reference_eleven_proof(&text).expect("digits of the right length");
        match Bsn::parse(&text) {
            Ok(_) => prop_assert!(expected, "{} accepted", text),
            Err(IdError::BsnCheck) => prop_assert!(!expected, "{} refused", text),
            Err(other) => prop_assert!(false, "{} refused as {:?}", text, other),
        }
    }

    /// Numbers that pass: drawn by fixing the check digit, so about half the cases are valid.
    #[test]
    fn constructed_valid_numbers_pass(first in prop::array::uniform8(0u8..10)) {
        let partial: i64 = first
            .iter()
            .enumerate()
            .map(|(i, d)| (9 - i as i64) * i64::from(*d))
            .sum();
        // sum - d9 = 0 (mod 11) needs d9 = partial mod 11, a digit only when it is below 10.
        let check = partial.rem_euclid(11);
        let mut digits = [0u8; 9];
        digits[..8].copy_from_slice(&first);
        digits[8] = (check % 10) as u8;
        let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        let all_zero = digits.iter().all(|d| *d == 0);
        prop_assert_eq!(eleven_proof(&digits), check < 10 && !all_zero);
        prop_assert_eq!(Bsn::parse(&text).is_ok(), check < 10 && !all_zero);
        prop_assert_eq!(reference_eleven_proof(&text), Some(check < 10 && !all_zero));
    }

    /// `eleven_proof` on digit arrays agrees with the string formulation.
    #[test]
    fn eleven_proof_agrees_on_digit_arrays(digits in prop::array::uniform9(0u8..10)) {
        let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        prop_assert_eq!(Some(eleven_proof(&digits)), reference_eleven_proof(&text));
    }

    /// An 8-digit string is the 9-digit string with a leading zero.
    #[test]
    fn eight_digits_equal_nine_with_a_leading_zero(text in "[0-9]{8}") {
        let padded = format!("0{text}");
        prop_assert_eq!(Bsn::parse(&text), Bsn::parse(&padded));
    }

    /// Anything else than 8 or 9 ASCII digits is a format error, never a panic.
    #[test]
    fn other_text_is_a_format_error(text in "\\PC{0,12}") {
        let shape_ok = (text.len() == 8 || text.len() == 9) && text.bytes().all(|b| b.is_ascii_digit());
        if !shape_ok {
            prop_assert_eq!(
                Bsn::parse(&text),
                Err(IdError::BsnFormat { len: text.chars().count() })
            );
        }
    }
}
