//! Agora's integration tests: the whole server in process, through its router, on SQLite
//! and (when `AGORA_TEST_POSTGRES_URL` is set) on PostgreSQL.

// A test fails by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod cli;
mod connections;
mod pages;

mod access;
mod bulk;
mod deploy;
mod feed;
mod idempotency;
mod processes;
mod replicas;
mod subscriptions;
mod writes;

mod errors;
mod exports;
mod facets;
mod faults;
mod fidelity;
mod filters;
mod hardening;
mod i18n;
mod layers;
mod lookups;
mod names;
mod nested;
mod nodes;
mod pagination;
mod planner;
mod readme;
mod schema;
mod search;
mod seed;
mod shutdown;
mod sources;
mod spec;
mod sql_count;
mod timeouts;
mod vocabularies;
