//! The one error type of the workload crate.
//!
//! It only covers invalid input (a scale that is not a positive finite number, or one too large
//! for the generator's 32-bit ids); generating a year from a valid scale cannot fail except
//! through the caller's writer, whose [`std::io::Error`] is passed through unchanged.

/// Why a workload could not be set up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkloadError {
    /// The scale is zero, negative, NaN or infinite.
    #[error("scale must be a positive finite number, got {0}")]
    ScaleNotPositive(f64),
    /// The scale gives more clients or providers than fit the generator's 32-bit ids.
    #[error("scale {0} is too large: more than 2^32 - 1 clients or providers")]
    ScaleTooLarge(f64),
    /// The text could not be read as a decimal number.
    #[error("scale {0:?} is not a decimal number")]
    ScaleNotNumber(String),
}
