//! Configuration, in one place: every flag and environment variable that configures segwright
//! is declared or read here and nowhere else (`tests/architecture.rs` holds the rule), and turns
//! into the one [`Settings`] the app is opened with. The table of every setting is
//! `docs/configuration.md`.
//!
//! - [`Global`]: flags every command takes, each with its environment variable (clap `env`).
//! - [`env`]: the settings only the environment gives (governance, sync, destinations, scores).
//! - [`llm`]: the LLM interpreter's flags and their OpenAI-named fallbacks.

pub mod env;
pub mod llm;

use std::path::PathBuf;

use clap::Args;

use crate::app::{AppError, Settings};

/// Options every command takes, before or after the subcommand.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Database: `sqlite://FILE` (created if missing), a bare file path, or `postgres://…`.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://segwright.db"
    )]
    pub database_url: String,
    /// Measure relative times from the end of this day (YYYY-MM-DD); default: today.
    #[arg(long, global = true, env = "SEGWRIGHT_AS_OF")]
    pub as_of: Option<String>,
    /// IANA time zone the as-of day is taken in.
    #[arg(long, global = true, env = "SEGWRIGHT_TIMEZONE", default_value = "UTC")]
    pub timezone: String,
    /// Glossary TOML file (default: the shipped glossary).
    #[arg(long, global = true, env = "SEGWRIGHT_GLOSSARY")]
    pub glossary: Option<PathBuf>,
    #[command(flatten)]
    pub llm: llm::LlmArgs,
}

/// Options of the commands that serve (`serve`, `demo`).
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SEGWRIGHT_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
}

impl Global {
    /// The app's settings from these flags and the process environment. `in_memory`: keep a
    /// columnar copy of the data for fast previews (the long-running commands).
    pub fn settings(&self, in_memory: bool) -> Result<Settings, AppError> {
        self.settings_with(in_memory, &env::process)
    }

    /// As [`Global::settings`], reading environment-only settings through `var`.
    pub fn settings_with(
        &self,
        in_memory: bool,
        var: env::Lookup<'_>,
    ) -> Result<Settings, AppError> {
        let glossary_toml = match &self.glossary {
            Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
                AppError::BadInput(format!("cannot read glossary {}: {e}", p.display()))
            })?),
            None => None,
        };
        Ok(Settings {
            database_url: normalize_url(&self.database_url),
            as_of: self.as_of.clone(),
            timezone: self.time_zone()?,
            glossary_toml,
            in_memory,
            llm: self.llm.config()?,
            governance: env::governance(var)?,
            scores: env::scores(var)?,
        })
    }

    /// `--timezone` as a time zone.
    pub fn time_zone(&self) -> Result<chrono_tz::Tz, AppError> {
        self.timezone.parse().map_err(|_| {
            AppError::BadInput(format!(
                "unknown time zone `{}` (use an IANA name such as Europe/Paris)",
                self.timezone
            ))
        })
    }
}

/// Turn `--database-url` into a URL sqlx understands (bare paths are SQLite files).
pub fn normalize_url(url: &str) -> String {
    if url.contains("://") || url.starts_with("sqlite:") {
        url.to_string()
    } else {
        format!("sqlite://{url}")
    }
}

/// The value of the variable a `--secret NAME=env:VARIABLE` names (kept out of the shell
/// history), unset being an error.
pub fn secret_from(variable: &str) -> Result<String, AppError> {
    std::env::var(variable)
        .map_err(|_| AppError::BadInput(format!("environment variable `{variable}` is not set")))
}

/// The log filter (`RUST_LOG`, tracing's directive syntax), if set.
pub fn log_filter() -> Option<String> {
    std::env::var("RUST_LOG").ok()
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        global: Global,
    }

    fn global(args: &[&str]) -> Global {
        Flags::try_parse_from(std::iter::once("segwright").chain(args.iter().copied()))
            .unwrap()
            .global
    }

    #[test]
    fn flags_and_environment_make_one_settings() {
        let g = global(&[
            "--database-url",
            "data.db",
            "--as-of",
            "2026-11-22",
            "--timezone",
            "Europe/Paris",
        ]);
        let var = |k: &str| (k == "SEGWRIGHT_BATCH_SIZE").then(|| "250".to_string());
        let s = g.settings_with(true, &var).unwrap();
        assert_eq!(s.database_url, "sqlite://data.db");
        assert_eq!(s.as_of.as_deref(), Some("2026-11-22"));
        assert_eq!(s.timezone, chrono_tz::Europe::Paris);
        assert!(s.in_memory && s.glossary_toml.is_none());
        assert_eq!(s.governance.destinations.batch_size, 250);
    }

    #[test]
    fn an_unknown_time_zone_or_a_missing_glossary_is_refused() {
        let none = |_: &str| None;
        let e = global(&["--timezone", "Mars/Olympus"])
            .settings_with(false, &none)
            .unwrap_err();
        assert!(e.to_string().contains("Mars/Olympus"), "{e}");
        let e = global(&["--glossary", "/nonexistent/glossary.toml"])
            .settings_with(false, &none)
            .unwrap_err();
        assert!(e.to_string().contains("cannot read glossary"), "{e}");
    }

    #[test]
    fn urls_keep_their_scheme_and_bare_paths_are_sqlite_files() {
        assert_eq!(normalize_url("postgres://h/db"), "postgres://h/db");
        assert_eq!(normalize_url("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(normalize_url("x.db"), "sqlite://x.db");
    }
}
