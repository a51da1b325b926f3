//! segwright: customer audiences from plain-language requests, safely.
//!
//! # Layout
//! Imports run down this list only (`tests/architecture.rs` fails otherwise); `ARCHITECTURE.md` follows
//! a request from prompt to delivery.
//! - [`cli`]: the clap command line; [`cli::settings`] turns flags and environment into the one
//!   [`app::Settings`].
//! - [`http`]: the axum API and web app; handlers authenticate and call `app`.
//! - [`app`]: use cases; each takes the acting user and checks its permission; owns the store.
//! - [`interpret`]: request → definition (the offline grammar; the LLM client).
//! - [`destinations`]: HTTP clients of the places audiences are delivered to (reqwest).
//! - [`store`]: the only module that talks SQL to SQLite or PostgreSQL (sqlx).
//! - [`domain`]: pure pipeline stages (definition → validate → compile; evaluate; explain;
//!   policy, approval, audit, scoring).
//! - [`telemetry`]: the tracing subscriber.

pub mod app;
pub mod cli;
pub mod destinations;
pub mod domain;
pub mod http;
pub mod interpret;
pub mod store;
pub mod telemetry;
