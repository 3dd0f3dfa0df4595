//! SplitMix64, the one random stream of a generated year (WORKLOAD.md section 2).
//!
//! This is the plain, wrapping SplitMix64 of Steele, Lea and Flood; it is not a
//! cryptographic generator and is not meant for anything but reproducible workloads.

/// The SplitMix64 generator: 64 bits of state, one output per call of [`SplitMix64::next_u64`].
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A stream seeded with `seed` (the state starts equal to the seed).
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next output, all arithmetic wrapping modulo 2^64.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
