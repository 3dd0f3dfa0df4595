//! Zipf weights and the weighted draw of a provider within a region (WORKLOAD.md section 3).
//!
//! Weights are exact integers (`floor(10^12 / sqrt(k))`), so the draw needs no floating point.
//! This module is not a general Zipf sampler: it knows only the exponent 0.5 and the rank
//! layout of the workload's regions.

use crate::model::REGIONS;

/// `10^24`, the square of the weight of rank 1.
const WEIGHT_SQUARED_MAX: u128 = 1_000_000_000_000_000_000_000_000;

/// The Zipf weight of rank `k`: the largest integer `w` with `w * w * k <= 10^24`, that is
/// `floor(10^12 / sqrt(k))` exactly.
///
/// Ranks start at 1; `k = 0` is not a rank and is treated as rank 1.
pub fn zipf_weight(k: u64) -> u64 {
    let k = u128::from(k.max(1));
    // w * w * k <= N  <=>  w * w <= N / k (real)  <=>  w * w <= floor(N / k), w * w integer.
    let root = (WEIGHT_SQUARED_MAX / k).isqrt();
    u64::try_from(root).unwrap_or(u64::MAX)
}

/// The ranked providers of every region, with the weights and their sums, for the draws.
#[derive(Debug, Clone)]
pub(crate) struct RegionDraws {
    /// `weights[k - 1] = zipf_weight(k)` up to the largest region's rank count.
    weights: Vec<u64>,
    /// Number of providers (ranks) per region, indexed by `r - 1`.
    ranks: Vec<u32>,
    /// Sum of all weights per region, indexed by `r - 1`.
    totals: Vec<u64>,
}

impl RegionDraws {
    /// Ranks for `n_providers` providers spread over the regions (`p` lies in `1 + p % 31`).
    pub(crate) fn new(n_providers: u32) -> Self {
        let ranks: Vec<u32> = (0..REGIONS)
            .map(|r0| n_providers.saturating_sub(r0).div_ceil(REGIONS))
            .collect();
        let max_rank = ranks.iter().copied().max().unwrap_or(0);
        let weights: Vec<u64> = (1..=u64::from(max_rank)).map(zipf_weight).collect();
        let totals = ranks
            .iter()
            .map(|&n| weights.iter().take(n as usize).sum())
            .collect();
        Self {
            weights,
            ranks,
            totals,
        }
    }

    /// The provider drawn with raw value `x` over region `region` (1..=31), leaving out
    /// provider `exclude` if given; `None` when no provider is left to draw.
    pub(crate) fn draw(&self, region: u32, x: u64, exclude: Option<u32>) -> Option<u32> {
        let r0 = region - 1;
        let n = self.ranks[r0 as usize];
        // Rank (1-based) of the excluded provider, if it lies in this region.
        let excluded_rank = exclude
            .filter(|&q| q % REGIONS == r0)
            .map(|q| (q - r0) / REGIONS + 1)
            .filter(|&k| k <= n);
        let excluded_weight = excluded_rank.map_or(0, |k| self.weights[(k - 1) as usize]);
        let total = self.totals[r0 as usize] - excluded_weight;
        if total == 0 {
            return None;
        }
        let y = x % total;
        let mut running = 0u64;
        for k in 1..=n {
            if Some(k) == excluded_rank {
                continue;
            }
            running += self.weights[(k - 1) as usize];
            if running > y {
                return Some(r0 + REGIONS * (k - 1));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{zipf_weight, RegionDraws};

    #[test]
    fn a_region_with_one_provider_has_no_switch_target() {
        let draws = RegionDraws::new(31);
        for region in 1..=31 {
            let only = region - 1;
            assert_eq!(draws.draw(region, 12_345, None), Some(only));
            assert_eq!(draws.draw(region, 12_345, Some(only)), None);
        }
    }

    #[test]
    fn the_draw_walks_the_ranks_by_running_sum() {
        // 62 providers: region 1 holds providers 0 (rank 1) and 31 (rank 2).
        let draws = RegionDraws::new(62);
        let (w1, w2) = (zipf_weight(1), zipf_weight(2));
        assert_eq!(draws.draw(1, 0, None), Some(0));
        assert_eq!(draws.draw(1, w1 - 1, None), Some(0));
        assert_eq!(draws.draw(1, w1, None), Some(31));
        assert_eq!(draws.draw(1, w1 + w2 - 1, None), Some(31));
        // y = x % W wraps around.
        assert_eq!(draws.draw(1, w1 + w2, None), Some(0));
        // Excluding rank 1 leaves only provider 31, whatever the raw value.
        assert_eq!(draws.draw(1, 0, Some(0)), Some(31));
        assert_eq!(draws.draw(1, u64::MAX, Some(0)), Some(31));
        assert_eq!(draws.draw(1, 5, Some(31)), Some(0));
        // Region 31 holds providers 30 (rank 1) and 61 (rank 2).
        assert_eq!(draws.draw(31, w1 + 3, None), Some(61));
    }
}
