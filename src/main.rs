//! The `segwright` binary: parse the command line, start tracing, run.

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = segwright::cli::Cli::parse();
    segwright::telemetry::init(segwright::cli::settings::log_filter().as_deref());
    let code = segwright::cli::run(cli).await;
    std::process::exit(code);
}
