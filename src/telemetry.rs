//! Tracing setup: human-readable logs on stderr, filtered by `RUST_LOG` (default `info` for
//! segwright, `warn` for libraries). Personal data is never logged by segwright's own code.

pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "segwright=info,tower_http=info,sqlx=error,warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
