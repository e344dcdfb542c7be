//! `latchkey`: serves the app (the default) or runs an admin command.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = server::cli::Cli::parse();
    match server::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, for people and for scripts that check the exit code.
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
