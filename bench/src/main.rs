//! `loadgen`: drives real sign-in ceremonies against a running Latchkey (or
//! the Node peer, which speaks the same API) and reports throughput and
//! latency. See `bench/README.md` and `scripts/bench.sh`.
//!
//!   loadgen accounts --count N            JSON lines for `account import`
//!   loadgen register --accounts F --out P sign in, add one passkey each, save them
//!   loadgen verify --passkeys P           sign in once with every saved passkey
//!   loadgen run --mode passkey|password|mixed …   the timed load
//!   loadgen lookalike --accounts F …      known vs unknown accounts: medians side by side

#![deny(clippy::unwrap_used, clippy::expect_used)]

mod http;
mod stats;

use clap::{Parser, Subcommand, ValueEnum};
use http::{Account, Failure, Target};
use serde_json::json;
use softauthn::SoftPasskey;
use stats::Samples;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print N accounts as JSON lines (`latchkey account import` reads them).
    Accounts {
        #[arg(long)]
        count: usize,
        #[arg(long, default_value = "bench")]
        org: String,
        /// Prefix of the emails, so that several sets can coexist.
        #[arg(long, default_value = "user")]
        prefix: String,
    },
    /// Sign in to each account and register one passkey; save every
    /// acknowledged passkey (private key included) as a JSON line.
    Register {
        #[arg(long)]
        target: String,
        #[arg(long)]
        accounts: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// fsync after each line: a line on disk is a registration the
        /// server acknowledged (the crash-safety check relies on it).
        #[arg(long)]
        sync: bool,
        /// Keep going after a failed registration (the server may be killed).
        #[arg(long)]
        keep_going: bool,
    },
    /// Sign in once with every saved passkey; fails if any is refused.
    Verify {
        #[arg(long)]
        target: String,
        #[arg(long)]
        passkeys: PathBuf,
    },
    /// One argon2 hash at the parameters the server uses (`domain::password`),
    /// SAMPLES times one after the other; prints the median in
    /// milliseconds as JSON. NIST SP 800-63B asks for a slow hash; the
    /// report checks that one stays under a second on this machine.
    HashTime {
        #[arg(long, default_value_t = 9)]
        samples: usize,
    },
    /// Answers for known and unknown accounts, one request at a time,
    /// alternating: passkey options with an account hint (the accounts in
    /// F have a passkey) and wrong passwords. Prints the medians side by
    /// side: the two kinds of answer must not be told apart by time.
    Lookalike {
        #[arg(long)]
        target: String,
        #[arg(long)]
        accounts: PathBuf,
        /// Requests of each kind (passkey options); a tenth as many wrong
        /// passwords (each is an argon2 hash).
        #[arg(long, default_value_t = 2000)]
        samples: usize,
    },
    /// The timed load: sign-ins at a fixed concurrency for a fixed time.
    Run {
        #[arg(long)]
        target: String,
        #[arg(long, value_enum)]
        mode: Mode,
        #[arg(long)]
        passkeys: Option<PathBuf>,
        #[arg(long)]
        accounts: Option<PathBuf>,
        /// Concurrent clients (of passkey sign-ins in the mixed run).
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Concurrent password clients in the mixed run.
        #[arg(long, default_value_t = 8)]
        password_concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Pace the passkey sign-ins to this many per second in all
        /// (instead of as fast as the server answers).
        #[arg(long)]
        rate: Option<f64>,
        /// The server's process id, to report its peak memory and the CPU
        /// time it used during the run.
        #[arg(long)]
        pid: Option<u32>,
        /// Print the figures as one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Passkey,
    Password,
    /// Password sign-ins saturate while passkey sign-ins are measured.
    Mixed,
}

type Result<T> = std::result::Result<T, String>;

#[tokio::main]
async fn main() {
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("loadgen: {e}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Accounts { count, org, prefix } => {
            let mut out = std::io::stdout().lock();
            for i in 0..count {
                let account = Account {
                    org: org.clone(),
                    email: format!("{prefix}{i}@bench.example"),
                    display_name: format!("Bench User {i}"),
                    password: format!("bench password {i} of {count}"),
                };
                let line = serde_json::to_string(&account).map_err(|e| e.to_string())?;
                writeln!(out, "{line}").map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        Command::Register {
            target,
            accounts,
            out,
            concurrency,
            sync,
            keep_going,
        } => {
            register(
                &Target::new(&target).map_err(|e| e.to_string())?,
                read_lines(&accounts)?,
                &out,
                concurrency,
                sync,
                keep_going,
            )
            .await
        }
        Command::HashTime { samples } => hash_time(samples).await,
        Command::Lookalike {
            target,
            accounts,
            samples,
        } => {
            lookalike(
                &Target::new(&target).map_err(|e| e.to_string())?,
                read_lines(&accounts)?,
                samples,
            )
            .await
        }
        Command::Verify { target, passkeys } => {
            verify(&Target::new(&target).map_err(|e| e.to_string())?, &passkeys).await
        }
        Command::Run {
            target,
            mode,
            passkeys,
            accounts,
            concurrency,
            password_concurrency,
            seconds,
            rate,
            pid,
            json,
        } => {
            let target = Target::new(&target).map_err(|e| e.to_string())?;
            let passkeys = match passkeys {
                Some(path) => load_passkeys(&path)?,
                None => Vec::new(),
            };
            let accounts: Vec<Account> = match accounts {
                Some(path) => read_lines(&path)?,
                None => Vec::new(),
            };
            let load = Load {
                target,
                passkeys: Arc::new(passkeys),
                accounts: Arc::new(accounts),
                rate,
            };
            let cpu_before = pid.and_then(cpu_seconds);
            let report = load
                .run(
                    mode,
                    concurrency,
                    password_concurrency,
                    Duration::from_secs(seconds),
                )
                .await?;
            let cpu_after = pid.and_then(cpu_seconds);
            let server_cpu_seconds = cpu_before.zip(cpu_after).map(|(a, b)| b - a);
            let peak_rss_mb = pid.and_then(peak_rss_mb);
            if json {
                let value = serde_json::json!({
                    "results": report,
                    "server_peak_rss_mb": peak_rss_mb,
                    "server_cpu_seconds": server_cpu_seconds,
                });
                println!("{value}");
            } else {
                println!(
                    "{:<16} {:>8} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8}",
                    "request", "count", "errors", "per sec", "p50 ms", "p90 ms", "p99 ms", "max ms"
                );
                for (name, s) in &report {
                    println!(
                        "{name:<16} {:>8} {:>7} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
                        s.count, s.errors, s.per_second, s.p50, s.p90, s.p99, s.max
                    );
                }
                if let Some(mb) = peak_rss_mb {
                    println!("server peak RSS: {mb:.1} MB");
                }
                if let Some(secs) = server_cpu_seconds {
                    println!("server CPU during the run: {secs:.2} s");
                }
            }
            Ok(())
        }
    }
}

fn read_lines<T: serde::de::DeserializeOwned>(path: &PathBuf) -> Result<Vec<T>> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    std::io::BufReader::new(file)
        .lines()
        .filter(|line| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
        .map(|line| {
            let line = line.map_err(|e| e.to_string())?;
            serde_json::from_str(&line).map_err(|e| format!("{}: {e}", path.display()))
        })
        .collect()
}

fn load_passkeys(path: &PathBuf) -> Result<Vec<SoftPasskey>> {
    let lines: Vec<serde_json::Value> = read_lines(path)?;
    lines
        .iter()
        .map(|line| SoftPasskey::load(line).map_err(|e| e.to_string()))
        .collect()
}

async fn register(
    target: &Target,
    accounts: Vec<Account>,
    out: &PathBuf,
    concurrency: usize,
    sync: bool,
    keep_going: bool,
) -> Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out)
        .map_err(|e| format!("{}: {e}", out.display()))?;
    let file = Arc::new(std::sync::Mutex::new(file));
    let queue = Arc::new(std::sync::Mutex::new(accounts.into_iter()));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (target, queue, file) = (target.clone(), queue.clone(), file.clone());
        workers.spawn(async move {
            let (mut saved, mut failed) = (0usize, 0usize);
            loop {
                let next = queue.lock().map_err(|_| "poisoned".to_owned())?.next();
                let Some(account) = next else { break };
                let outcome: std::result::Result<SoftPasskey, Failure> = async {
                    let (cookie, _) = target.password_sign_in(&account).await?;
                    target.register(&cookie).await
                }
                .await;
                match outcome {
                    Ok(passkey) => {
                        let line = passkey.save().map_err(|e| e.to_string())?.to_string();
                        let mut file = file.lock().map_err(|_| "poisoned".to_owned())?;
                        writeln!(file, "{line}").map_err(|e| e.to_string())?;
                        if sync {
                            file.sync_data().map_err(|e| e.to_string())?;
                        }
                        saved += 1;
                    }
                    Err(e) if keep_going => {
                        failed += 1;
                        if failed == 1 {
                            eprintln!("registration failed (going on): {e}");
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(e) => return Err(format!("{}: {e}", account.email)),
                }
            }
            Ok::<_, String>((saved, failed))
        });
    }
    let (mut saved, mut failed) = (0, 0);
    while let Some(done) = workers.join_next().await {
        let (s, f) = done.map_err(|e| e.to_string())??;
        saved += s;
        failed += f;
    }
    println!("registered {saved} passkeys ({failed} failed)");
    Ok(())
}

async fn verify(target: &Target, path: &PathBuf) -> Result<()> {
    let passkeys = load_passkeys(path)?;
    let mut refused = 0;
    for passkey in &passkeys {
        if let Err(e) = target.passkey_sign_in(passkey).await {
            refused += 1;
            eprintln!("refused: {e}");
        }
    }
    println!(
        "verified {} of {} saved passkeys",
        passkeys.len() - refused,
        passkeys.len()
    );
    if refused > 0 {
        return Err(format!("{refused} saved passkeys could not sign in"));
    }
    Ok(())
}

struct Load {
    target: Target,
    passkeys: Arc<Vec<SoftPasskey>>,
    accounts: Arc<Vec<Account>>,
    rate: Option<f64>,
}

/// What one worker measured: passkey options, passkey verify, whole passkey
/// sign-in, password sign-in.
#[derive(Default)]
struct Measured {
    options: Samples,
    verify: Samples,
    passkey: Samples,
    password: Samples,
}

impl Load {
    async fn run(
        &self,
        mode: Mode,
        concurrency: usize,
        password_concurrency: usize,
        length: Duration,
    ) -> Result<Vec<(&'static str, stats::Summary)>> {
        let (passkey_workers, password_workers) = match mode {
            Mode::Passkey => (concurrency, 0),
            Mode::Password => (0, concurrency),
            Mode::Mixed => (concurrency, password_concurrency),
        };
        if passkey_workers > 0 && self.passkeys.is_empty() {
            return Err("passkey runs need --passkeys".into());
        }
        if password_workers > 0 && self.accounts.is_empty() {
            return Err("password runs need --accounts".into());
        }
        let deadline = Instant::now() + length;
        let started = Instant::now();
        let mut workers = tokio::task::JoinSet::new();
        for worker in 0..passkey_workers {
            let (target, passkeys) = (self.target.clone(), self.passkeys.clone());
            // With a rate, each worker starts a sign-in every `interval`.
            let interval = self
                .rate
                .map(|rate| Duration::from_secs_f64(passkey_workers as f64 / rate));
            workers.spawn(async move {
                let mut measured = Measured::default();
                let mut i = worker;
                // Workers start spread over one interval, not all at once.
                let mut next = tokio::time::Instant::now()
                    + interval.map_or(Duration::ZERO, |i| {
                        i.mul_f64(worker as f64 / passkey_workers as f64)
                    });
                while Instant::now() < deadline {
                    if let Some(interval) = interval {
                        tokio::time::sleep_until(next).await;
                        next += interval;
                    }
                    let passkey = &passkeys[i % passkeys.len()];
                    i += passkey_workers;
                    let began = Instant::now();
                    match target.passkey_sign_in(passkey).await {
                        Ok((options, verify)) => {
                            measured.options.add(options);
                            measured.verify.add(verify);
                            measured.passkey.add(began.elapsed());
                        }
                        Err(_) => measured.passkey.errors += 1,
                    }
                }
                measured
            });
        }
        for worker in 0..password_workers {
            let (target, accounts) = (self.target.clone(), self.accounts.clone());
            workers.spawn(async move {
                let mut measured = Measured::default();
                let mut i = worker;
                while Instant::now() < deadline {
                    let account = &accounts[i % accounts.len()];
                    i += password_workers;
                    match target.password_sign_in(account).await {
                        Ok((_, took)) => measured.password.add(took),
                        Err(_) => measured.password.errors += 1,
                    }
                }
                measured
            });
        }
        let mut all = Measured::default();
        while let Some(done) = workers.join_next().await {
            let m = done.map_err(|e| e.to_string())?;
            all.options.merge(m.options);
            all.verify.merge(m.verify);
            all.passkey.merge(m.passkey);
            all.password.merge(m.password);
        }
        let seconds = started.elapsed().as_secs_f64();
        let mut report = Vec::new();
        if passkey_workers > 0 {
            report.push(("passkey sign-in", all.passkey.summary(seconds)));
            report.push(("  options", all.options.summary(seconds)));
            report.push(("  verify", all.verify.summary(seconds)));
        }
        if password_workers > 0 {
            report.push(("password sign-in", all.password.summary(seconds)));
        }
        Ok(report)
    }
}

/// CPU time a process has used so far, user plus system, in seconds:
/// fields 14 and 15 of `/proc/PID/stat` (proc(5)), in clock ticks of
/// `USER_HZ`, which Linux fixes at 100 for what it reports to user space.
/// Counts every thread of the process, so the figure is the server's
/// whole cost, not only its request handlers.
fn cpu_seconds(pid: u32) -> Option<f64> {
    cpu_seconds_of_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// [`cpu_seconds`] of one `/proc/PID/stat` line.
fn cpu_seconds_of_stat(stat: &str) -> Option<f64> {
    const USER_HZ: f64 = 100.0;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / USER_HZ)
}

/// Peak resident memory of a process (VmHWM), in MB.
fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// See [`Command::HashTime`]. One hashing thread: the time of one hash,
/// not of several sharing the cores.
async fn hash_time(samples: usize) -> Result<()> {
    let passwords = domain::password::Passwords::new(1).map_err(|e| e.to_string())?;
    let mut millis = Vec::with_capacity(samples.max(1));
    for _ in 0..samples.max(1) {
        let started = std::time::Instant::now();
        passwords
            .hash("correct horse battery staple".into())
            .await
            .map_err(|e| e.to_string())?;
        millis.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    millis.sort_by(f64::total_cmp);
    let median = millis[millis.len() / 2];
    println!(
        "{}",
        json!({ "median_ms": median, "samples": millis.len() })
    );
    Ok(())
}

/// See [`Command::Lookalike`]. Wrong passwords go to distinct accounts (and
/// distinct unknown emails), so no lockout answers early.
async fn lookalike(target: &Target, accounts: Vec<Account>, samples: usize) -> Result<()> {
    if accounts.is_empty() {
        return Err("no accounts".into());
    }
    let org = accounts[0].org.clone();
    let (mut known, mut unknown) = (Samples::default(), Samples::default());
    for i in 0..samples {
        let real = &accounts[i % accounts.len()];
        let nobody = format!("nobody{i}@bench.example");
        for (email, samples) in [
            (real.email.as_str(), &mut known),
            (nobody.as_str(), &mut unknown),
        ] {
            let body = json!({ "account": { "email": email, "org": org } });
            let answer = target
                .post("/api/login/passkey/start", Some(body), None)
                .await
                .map_err(|e| e.to_string())?;
            samples.add(answer.took);
        }
    }
    let (mut known_pw, mut unknown_pw) = (Samples::default(), Samples::default());
    for (i, account) in accounts.iter().take(samples / 10).enumerate() {
        let nobody = format!("nobody-pw{i}@bench.example");
        for (email, samples) in [
            (account.email.as_str(), &mut known_pw),
            (nobody.as_str(), &mut unknown_pw),
        ] {
            let body = json!({ "email": email, "org": org, "password": "not the password" });
            let started = std::time::Instant::now();
            match target.post("/api/login/password", Some(body), None).await {
                Err(http::Failure::Status(401, _)) => samples.add(started.elapsed()),
                other => {
                    return Err(format!(
                        "a wrong password was not refused: {:?}",
                        other.err()
                    ))
                }
            }
        }
    }
    let median = |s: &Samples| s.summary(1.0).p50;
    println!(
        "{}",
        json!({
            "passkey_options_ms": { "known_median": median(&known), "unknown_median": median(&unknown), "samples": samples },
            "wrong_password_ms": { "known_median": median(&known_pw), "unknown_median": median(&unknown_pw), "samples": known_pw.summary(1.0).count },
        })
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_time_is_user_plus_system_ticks_after_a_name_with_spaces() {
        let stat = "4242 (tokio (rt) w) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 9 0";
        assert_eq!(super::cpu_seconds_of_stat(stat), Some(3.25));
        assert_eq!(super::cpu_seconds_of_stat("4242 (x"), None);
    }
}
