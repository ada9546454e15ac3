//! Rate limits per client: operations per minute and cost per minute, so that neither
//! aliases nor many small requests multiply a client's allowance.
//!
//! The counts live in each process. Processes that share a database share the limits
//! by an approximation: each counts the processes that run (`ops::shared`, a heartbeat
//! every 2 s) and enforces its share, the limits divided by that count. A client whose
//! requests a load balancer spreads evenly gets its whole allowance and no more; one
//! pinned to a single process gets that process's share. The count is read from memory:
//! a request costs no statement.

use std::{
    num::NonZeroU32,
    sync::{Arc, RwLock},
    time::Duration,
};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

use crate::config::Settings;

/// The limiters of one process for its share of the limits.
struct Limiters {
    /// How many processes share the limits.
    share: u32,
    operations: Option<DefaultKeyedRateLimiter<String>>,
    cost: Option<DefaultKeyedRateLimiter<String>>,
}

impl Limiters {
    /// The limits of `settings` divided among `share` processes (each rate at least 1).
    fn new(settings: &Settings, share: u32) -> Limiters {
        let share = share.max(1);
        let part = |rate: u32| NonZeroU32::new(rate).map(|n| n.get().div_ceil(share).max(1));
        let operations = part(settings.rate_limit_operations)
            .and_then(NonZeroU32::new)
            .map(|n| RateLimiter::keyed(Quota::per_minute(n)));
        // A client may always spend at least one operation of the highest cost allowed.
        let cost = part(settings.rate_limit_cost)
            .and_then(NonZeroU32::new)
            .map(|n| {
                let burst = u32::try_from(settings.max_cost)
                    .unwrap_or(u32::MAX)
                    .max(n.get());
                let burst = NonZeroU32::new(burst).unwrap_or(n);
                RateLimiter::keyed(Quota::per_minute(n).allow_burst(burst))
            });
        Limiters {
            share,
            operations,
            cost,
        }
    }
}

/// The limiters of one process.
pub struct RateLimits {
    settings: Settings,
    limiters: RwLock<Arc<Limiters>>,
    clock: DefaultClock,
}

impl RateLimits {
    /// The limits that `settings` set (none when their rates are 0), for one process.
    pub fn new(settings: &Settings) -> RateLimits {
        RateLimits {
            limiters: RwLock::new(Arc::new(Limiters::new(settings, 1))),
            settings: settings.clone(),
            clock: DefaultClock::default(),
        }
    }

    /// Whether any limit is set.
    pub fn any(&self) -> bool {
        self.settings.rate_limit_operations > 0 || self.settings.rate_limit_cost > 0
    }

    /// Shares the limits among `processes` processes from now on. A change of count
    /// starts every client's allowance afresh.
    pub fn share_among(&self, processes: u32) {
        let processes = processes.max(1);
        if self.limiters().share == processes {
            return;
        }
        let fresh = Arc::new(Limiters::new(&self.settings, processes));
        *self.limiters.write().unwrap_or_else(|e| e.into_inner()) = fresh;
    }

    /// How many processes the limits are shared among.
    pub fn share(&self) -> u32 {
        self.limiters().share
    }

    fn limiters(&self) -> Arc<Limiters> {
        self.limiters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Counts one operation of `cost` for `client`; when the client is over its limits,
    /// how long it should wait before trying again.
    pub fn check(&self, client: &str, cost: u64) -> Result<(), Duration> {
        let key = client.to_string();
        let limiters = self.limiters();
        if let Some(limiter) = &limiters.operations
            && let Err(not_until) = limiter.check_key(&key)
        {
            return Err(not_until.wait_time_from(self.clock.now()));
        }
        if let Some(limiter) = &limiters.cost {
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
        let limiters = self.limiters();
        for limiter in [&limiters.operations, &limiters.cost].into_iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}
