//! Rate limits per client: operations per minute and cost per minute, so that neither
//! aliases nor many small requests multiply a client's allowance.
//!
//! The counts live in each process: behind a load balancer with N processes a client
//! may spend up to N times its allowance, unless the balancer keeps clients on one
//! process.

use std::{num::NonZeroU32, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

use crate::config::Settings;

/// The limiters of one process.
pub struct RateLimits {
    operations: Option<DefaultKeyedRateLimiter<String>>,
    cost: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl RateLimits {
    /// The limits that `settings` set (none when their rates are 0).
    pub fn new(settings: &Settings) -> RateLimits {
        let operations = NonZeroU32::new(settings.rate_limit_operations)
            .map(|n| RateLimiter::keyed(Quota::per_minute(n)));
        // A client may always spend at least one operation of the highest cost allowed.
        let cost = NonZeroU32::new(settings.rate_limit_cost).map(|n| {
            let burst = u32::try_from(settings.max_cost)
                .unwrap_or(u32::MAX)
                .max(n.get());
            let burst = NonZeroU32::new(burst).unwrap_or(n);
            RateLimiter::keyed(Quota::per_minute(n).allow_burst(burst))
        });
        RateLimits {
            operations,
            cost,
            clock: DefaultClock::default(),
        }
    }

    /// Counts one operation of `cost` for `client`; when the client is over its limits,
    /// how long it should wait before trying again.
    pub fn check(&self, client: &str, cost: u64) -> Result<(), Duration> {
        let key = client.to_string();
        if let Some(limiter) = &self.operations
            && let Err(not_until) = limiter.check_key(&key)
        {
            return Err(not_until.wait_time_from(self.clock.now()));
        }
        if let Some(limiter) = &self.cost {
            let n = u32::try_from(cost).unwrap_or(u32::MAX);
            if let Some(n) = NonZeroU32::new(n) {
                match limiter.check_key_n(&key, n) {
                    Ok(Ok(())) => {}
                    Ok(Err(not_until)) => return Err(not_until.wait_time_from(self.clock.now())),
                    // More than the burst: cannot ever pass in one go.
                    Err(_) => return Err(Duration::from_secs(60)),
                }
            }
        }
        Ok(())
    }

    /// Forgets clients whose allowance is whole again (keeps memory bounded).
    pub fn forget_idle(&self) {
        for limiter in [&self.operations, &self.cost].into_iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}
