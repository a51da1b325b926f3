//! segwright: customer audiences from plain-language requests, safely.
//!
//! # Layout
//! - [`domain`]: pure pipeline stages (definition → validate → compile; evaluate; explain).
//! - [`store`]: the only module that talks SQL to SQLite or PostgreSQL (sqlx).
//! - [`app`]: use cases wiring domain and store together (preview, import, demo, segments).
//! - [`http`]: the axum API, a thin shell over `app`.
//! - [`cli`]: the clap command line, another thin shell over `app`.
//! - [`destinations`]: HTTP clients of the places audiences are delivered to (reqwest).

pub mod app;
pub mod cli;
pub mod destinations;
pub mod domain;
pub mod http;
pub mod interpret;
pub mod store;
pub mod telemetry;
