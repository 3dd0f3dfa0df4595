//! Money: euro cents in an `i64`, with checked arithmetic and named rounding.
//!
//! It is not a currency library: there is one currency (the euro) and one unit (the cent).
//! There are no floats anywhere in the ledger; every sum that could overflow says so.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount in euro cents. Negative amounts exist only as differences (a balance that a
/// report shows as overdrawn); every amount a command carries is checked to be `>= 0`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Zero cents.
    pub const ZERO: Money = Money(0);

    /// An amount of `cents` euro cents.
    pub const fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    /// The amount in cents.
    pub const fn cents(self) -> i64 {
        self.0
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// `self - other`, or `None` on overflow.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// `self * n`, or `None` on overflow. Used for days x day tariff.
    pub fn checked_mul(self, n: i64) -> Option<Money> {
        self.0.checked_mul(n).map(Money)
    }

    /// The day tariff of a contract: `floor(self * basis_points / 10_000)`.
    ///
    /// Rounding is *down* (towards zero for the non-negative tariffs the ledger accepts), as
    /// DESIGN.md section 5 fixes it. `None` on overflow.
    pub fn basis_points_floor(self, basis_points: u32) -> Option<Money> {
        let product = i128::from(self.0).checked_mul(i128::from(basis_points))?;
        let value = product.div_euclid(10_000);
        i64::try_from(value).ok().map(Money)
    }

    /// True when the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl fmt::Display for Money {
    /// Euros with two decimals and thousands separators: `76,820.00`, `-0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let euros = abs / 100;
        let cents = abs % 100;
        let digits = euros.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}{grouped}.{cents:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_points_round_down() {
        // 23000 * 9700 / 10000 = 22310 exactly; 23001 * 9700 / 10000 = 22310.97 -> 22310.
        assert_eq!(Money(23_000).basis_points_floor(9_700), Some(Money(22_310)));
        assert_eq!(Money(23_001).basis_points_floor(9_700), Some(Money(22_310)));
        assert_eq!(
            Money(i64::MAX).basis_points_floor(10_000),
            Some(Money(i64::MAX))
        );
        assert_eq!(Money(i64::MAX).basis_points_floor(10_001), None);
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), None);
        assert_eq!(Money(i64::MIN).checked_sub(Money(1)), None);
        assert_eq!(Money(i64::MAX / 2 + 1).checked_mul(2), None);
        assert_eq!(Money(23_000).checked_mul(334), Some(Money(7_682_000)));
    }

    #[test]
    fn display_groups_thousands() {
        assert_eq!(Money(7_682_000).to_string(), "76,820.00");
        assert_eq!(Money(-5).to_string(), "-0.05");
        assert_eq!(Money(100).to_string(), "1.00");
        assert_eq!(Money(12_345_678_901).to_string(), "123,456,789.01");
    }
}
