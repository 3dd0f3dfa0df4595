//! The scale of a generated year and the sizes it implies (WORKLOAD.md sections 1 and 5).
//!
//! A scale is a positive binary64 number; 1.0 is the whole country. This module does not
//! decide anything else about the year: it only turns the scale into the provider count `P`,
//! the client count `C` and the region budget amount.

use std::fmt;
use std::str::FromStr;

use crate::error::WorkloadError;

/// A validated scale: positive, finite, and small enough for 32-bit client and provider ids.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    value: f64,
}

/// `round` of WORKLOAD.md: half away from zero, then to an integer (saturating).
fn round_count(x: f64) -> u64 {
    // `as` saturates for out-of-range floats; the scale is validated to keep this in range.
    x.round() as u64
}

impl Scale {
    /// Checks `value`: it must be a finite number above zero, and give at most `u32::MAX`
    /// clients.
    pub fn new(value: f64) -> Result<Self, WorkloadError> {
        if !value.is_finite() || value <= 0.0 {
            return Err(WorkloadError::ScaleNotPositive(value));
        }
        let scale = Self { value };
        let limit = u64::from(u32::MAX);
        if scale.clients() > limit || scale.providers() > limit {
            return Err(WorkloadError::ScaleTooLarge(value));
        }
        Ok(scale)
    }

    /// The scale as a number.
    pub fn value(self) -> f64 {
        self.value
    }

    /// `P = max(31, round(2000 * S))`, the number of providers.
    pub fn providers(self) -> u64 {
        round_count(2000.0 * self.value).max(31)
    }

    /// `C = max(1, round(330000 * S))`, the number of clients.
    pub fn clients(self) -> u64 {
        round_count(330_000.0 * self.value).max(1)
    }

    /// `max(1, round(200000000000 * S))`, the 2026 budget of every region in cents.
    pub fn region_budget_cents(self) -> u64 {
        round_count(200_000_000_000.0 * self.value).max(1)
    }
}

impl FromStr for Scale {
    type Err = WorkloadError;

    /// Reads a decimal scale as the nearest binary64 number, then checks it as [`Scale::new`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let value: f64 = text
            .trim()
            .parse()
            .map_err(|_| WorkloadError::ScaleNotNumber(text.to_owned()))?;
        Self::new(value)
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)
    }
}
