//! The wait before a retry, shared by the webhook outbox and the S3 upload queue.

use std::time::Duration;

use rand::Rng;

/// Wait before try `attempt + 1`: base * 2^(attempt-1), capped at `max`, times a random
/// factor in [0.5, 1) so that many failing together do not retry together.
pub fn exponential(base: Duration, max: Duration, attempt: u32) -> Duration {
    let exponential = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    exponential
        .min(max)
        .mul_f64(rand::rng().random_range(0.5..1.0))
}
