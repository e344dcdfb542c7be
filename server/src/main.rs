//! `latchkey`: serves the app (the default) or runs an admin command.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: glibc kept each thread's freed
/// argon2 blocks (19 MiB a hash) and request buffers in per-thread arenas,
/// and the server's memory settled near 200 MB after a load; mimalloc
/// returns freed pages to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
