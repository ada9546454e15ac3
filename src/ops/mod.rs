//! Running Agora in public: metrics, rate limits, persisted and trusted documents.

pub mod metrics;
pub mod persisted;
pub mod rate;
pub mod shared;
