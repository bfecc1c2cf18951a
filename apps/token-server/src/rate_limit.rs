//! Rate limits on `/api/video/token`, per client address and per identity (`RATE_LIMIT_*`).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use video_core::config::{ConfigError, Environment};

/// One token bucket: a sustained rate and a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests per minute, sustained.
    pub per_minute: NonZeroU32,
    /// Requests that may come at once before the rate applies.
    pub burst: NonZeroU32,
}

/// `RATE_LIMIT_*`: the limits on `/api/video/token` (`None` = off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Per client address (the TCP peer: behind a proxy, the proxy's address).
    pub per_ip: Option<Limit>,
    /// Per participant identity, after authentication.
    pub per_identity: Option<Limit>,
}

impl RateLimitConfig {
    /// Reads `RATE_LIMIT_IP_PER_MINUTE` (default 600), `RATE_LIMIT_IP_BURST` (100),
    /// `RATE_LIMIT_IDENTITY_PER_MINUTE` (60) and `RATE_LIMIT_IDENTITY_BURST` (10). A rate of 0
    /// turns that limit off.
    pub fn from_env(env: &Environment) -> Result<Self, ConfigError> {
        Ok(Self {
            per_ip: limit(
                env,
                "RATE_LIMIT_IP_PER_MINUTE",
                600,
                "RATE_LIMIT_IP_BURST",
                100,
            )?,
            per_identity: limit(
                env,
                "RATE_LIMIT_IDENTITY_PER_MINUTE",
                60,
                "RATE_LIMIT_IDENTITY_BURST",
                10,
            )?,
        })
    }

    /// `NAME=value` lines for `check-config`.
    pub fn describe(&self) -> Vec<String> {
        let line = |name: &str, limit: Option<Limit>| match limit {
            Some(l) => format!("{name}={} per minute, burst {}", l.per_minute, l.burst),
            None => format!("{name}=off"),
        };
        vec![
            line("RATE_LIMIT_IP", self.per_ip),
            line("RATE_LIMIT_IDENTITY", self.per_identity),
        ]
    }
}

fn limit(
    env: &Environment,
    rate_name: &'static str,
    rate_default: u32,
    burst_name: &'static str,
    burst_default: u32,
) -> Result<Option<Limit>, ConfigError> {
    let number = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
        match env.get(name)? {
            None => Ok(default),
            Some(value) => value.parse().map_err(|_| {
                ConfigError::invalid(name, "must be a whole number from 0 to 4294967295")
            }),
        }
    };
    let Some(per_minute) = NonZeroU32::new(number(rate_name, rate_default)?) else {
        return Ok(None);
    };
    let burst = NonZeroU32::new(number(burst_name, burst_default)?).ok_or_else(|| {
        ConfigError::invalid(burst_name, "must be at least 1 while the rate is on")
    })?;
    Ok(Some(Limit { per_minute, burst }))
}

/// The running limiters.
pub struct RateLimiter {
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_identity: Option<DefaultKeyedRateLimiter<String>>,
    checks: AtomicU64,
}

/// Forget idle keys every this many checks, so memory stays bounded.
const CLEANUP_EVERY: u64 = 4096;

impl RateLimiter {
    /// Limiters for `config`.
    pub fn new(config: &RateLimitConfig) -> Self {
        let quota = |limit: Limit| Quota::per_minute(limit.per_minute).allow_burst(limit.burst);
        Self {
            per_ip: config
                .per_ip
                .map(|l| DefaultKeyedRateLimiter::keyed(quota(l))),
            per_identity: config
                .per_identity
                .map(|l| DefaultKeyedRateLimiter::keyed(quota(l))),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts a request from `ip`; `Err` holds how long to wait.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Duration> {
        self.tick();
        check(self.per_ip.as_ref(), &ip)
    }

    /// Counts a request for `identity`; `Err` holds how long to wait.
    pub fn check_identity(&self, identity: &str) -> Result<(), Duration> {
        check(self.per_identity.as_ref(), &identity.to_owned())
    }

    fn tick(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % CLEANUP_EVERY == CLEANUP_EVERY - 1 {
            if let Some(limiter) = &self.per_ip {
                limiter.retain_recent();
            }
            if let Some(limiter) = &self.per_identity {
                limiter.retain_recent();
            }
        }
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: Option<&DefaultKeyedRateLimiter<K>>,
    key: &K,
) -> Result<(), Duration> {
    match limiter {
        None => Ok(()),
        Some(limiter) => limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_switching_off() {
        let config = RateLimitConfig::from_env(&Environment::default()).unwrap();
        assert_eq!(config.per_ip.unwrap().per_minute.get(), 600);
        assert_eq!(config.per_identity.unwrap().burst.get(), 10);
        let off = Environment::from_pairs([
            ("RATE_LIMIT_IP_PER_MINUTE", "0"),
            ("RATE_LIMIT_IDENTITY_PER_MINUTE", "0"),
        ]);
        let config = RateLimitConfig::from_env(&off).unwrap();
        assert_eq!((config.per_ip, config.per_identity), (None, None));
        assert_eq!(
            config.describe(),
            ["RATE_LIMIT_IP=off", "RATE_LIMIT_IDENTITY=off"]
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let bad = Environment::from_pairs([("RATE_LIMIT_IP_BURST", "0")]);
        assert_eq!(
            RateLimitConfig::from_env(&bad).unwrap_err().variable(),
            "RATE_LIMIT_IP_BURST"
        );
        let bad = Environment::from_pairs([("RATE_LIMIT_IDENTITY_PER_MINUTE", "-5")]);
        assert_eq!(
            RateLimitConfig::from_env(&bad).unwrap_err().variable(),
            "RATE_LIMIT_IDENTITY_PER_MINUTE"
        );
    }

    #[test]
    fn the_burst_passes_then_the_next_waits() {
        let limit = Limit {
            per_minute: NonZeroU32::new(60).unwrap(),
            burst: NonZeroU32::new(3).unwrap(),
        };
        let limiter = RateLimiter::new(&RateLimitConfig {
            per_ip: Some(limit),
            per_identity: Some(limit),
        });
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..3 {
            assert!(limiter.check_ip(ip).is_ok());
        }
        let wait = limiter.check_ip(ip).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            limiter.check_ip([10, 0, 0, 2].into()).is_ok(),
            "other addresses are not affected"
        );
        for _ in 0..3 {
            assert!(limiter.check_identity("u").is_ok());
        }
        assert!(limiter.check_identity("u").is_err());
    }
}
