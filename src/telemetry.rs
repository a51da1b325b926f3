//! Tracing setup: human-readable logs on stderr, filtered by `RUST_LOG` (default `info` for
//! segwright, `warn` for libraries). Personal data is never logged by segwright's own code.

/// Start logging with `filter` (tracing's directive syntax, from `RUST_LOG`); the default
/// filter when it is `None` or does not parse.
pub fn init(filter: Option<&str>) {
    let filter = filter
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| "segwright=info,tower_http=info,sqlx=error,warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
