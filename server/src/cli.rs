//! The command line: `latchkey serve` (the default) and the admin commands
//! that create orgs and accounts. Every option can also be set through the
//! environment variable named in its help.

use crate::state::AppState;
use clap::{Args, Parser, Subcommand};
use common::SsoMode;
use domain::clock::Clock;
use domain::demo;
use domain::password::Passwords;
use domain::sso_settings;
use domain::store::accounts::{self, NewAccount};
use domain::store::db::Db;
use domain::store::orgs::{self, NewOrg, OrgUpdate};
use domain::{Domain, Error, Result, WebConfig};
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "latchkey",
    version,
    about = "Passkey sign-in for multi-organization consoles"
)]
pub struct Cli {
    /// Database URL: `sqlite://PATH` or `postgres://USER:PASS@HOST/DB`.
    /// Defaults to an SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Directory for local state: the default SQLite database.
    #[arg(long, env = "LATCHKEY_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app and its API (the default command).
    Serve(ServeArgs),
    /// Create or change organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Create accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Write a consistent copy of the SQLite database to FILE, safe while
    /// the server runs (`VACUUM INTO`). For PostgreSQL, use pg_dump.
    Backup {
        /// Where to write the copy; it must not exist yet.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Public origin browsers use, e.g. `https://console.example.com`.
    /// Defaults to `http://localhost:PORT` with the port of LEPTOS_SITE_ADDR.
    #[arg(long, env = "LATCHKEY_ORIGIN")]
    pub origin: Option<String>,

    /// Other origins serving this same console whose pages may use its
    /// passkeys (WebAuthn related origins), separated by spaces or commas,
    /// of LATCHKEY_ORIGIN's scheme. Listed at `/.well-known/webauthn`,
    /// which browsers fetch from `https://<LATCHKEY_ORIGIN's host>` (port
    /// 443). Chromium accepts at most 5 distinct registrable domains.
    #[arg(long, env = "LATCHKEY_RELATED_ORIGINS", default_value = "")]
    pub related_origins: String,

    /// Address (`HOST:PORT`) of a second listener that serves Prometheus
    /// metrics at `/metrics`; unset, there are none. Keep it private.
    #[arg(long, env = "LATCHKEY_METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,

    /// Seconds after a sign-in during which passkeys can be added or deleted
    /// without confirming identity again.
    #[arg(long, env = "LATCHKEY_REAUTH_WINDOW_SECS", default_value_t = 300)]
    pub reauth_window_secs: i64,

    /// Seconds a started passkey ceremony (sign-in, re-authentication,
    /// registration) can be finished; also the `timeout` (in milliseconds)
    /// of the options sent to browsers. 5 to 3600.
    #[arg(long, env = "LATCHKEY_CEREMONY_LIFETIME_SECS", default_value_t = 300,
          value_parser = clap::value_parser!(i64).range(5..=3600))]
    pub ceremony_lifetime_secs: i64,

    /// Passkey ceremonies (sign-in, re-authentication, registration) one
    /// client address may start per minute; past it, 429.
    #[arg(long, env = "LATCHKEY_LIMIT_CEREMONY_STARTS", default_value_t = 120,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub ceremony_starts_per_minute: i64,

    /// Passwords and authenticator codes one client address may have
    /// checked per minute; past it, 429.
    #[arg(long, env = "LATCHKEY_LIMIT_SECRET_CHECKS", default_value_t = 30,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub secret_checks_per_minute: i64,

    /// Emails (org lists, confirmation and reset links) one client address
    /// may have sent per hour; past it, 429.
    #[arg(long, env = "LATCHKEY_LIMIT_EMAILS_PER_HOUR", default_value_t = 20,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub emails_per_hour: i64,

    /// Proxies whose `X-Forwarded-For` names the client (addresses or CIDR
    /// blocks, comma-separated). Unset: the header is ignored, and the
    /// connection's address is the client's.
    #[arg(long, env = "LATCHKEY_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Identity-provider issuers org admins may connect from the admin
    /// console, separated by spaces or commas (exactly as the provider
    /// names itself). Empty: only `latchkey org sso set` connects them.
    #[arg(long, env = "LATCHKEY_SSO_ISSUERS", default_value = "")]
    pub sso_issuers: String,

    #[command(flatten)]
    pub mail: MailArgs,

    /// Create demo orgs and accounts when the database is empty (development only).
    #[arg(long, env = "LATCHKEY_DEMO")]
    pub demo: bool,
}

/// How to reach the mail server (`domain::mail::MailConfig`). No SMTP host: the outbox folder.
#[derive(Debug, Clone, clap::Args)]
pub struct MailArgs {
    /// SMTP server; when unset, mail is written to the outbox folder instead.
    #[arg(long, env = "LATCHKEY_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port (default: 587 for starttls, 465 for tls, 25 for none).
    #[arg(long, env = "LATCHKEY_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// `starttls` (upgrade a plain connection), `tls` (TLS from the start) or `none`.
    #[arg(long, env = "LATCHKEY_SMTP_TLS", default_value = "starttls", value_parser = ["starttls", "tls", "none"])]
    pub smtp_tls: String,
    #[arg(long, env = "LATCHKEY_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    #[arg(long, env = "LATCHKEY_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The From address of every message.
    #[arg(
        long,
        env = "LATCHKEY_MAIL_FROM",
        default_value = "Latchkey <no-reply@localhost>"
    )]
    pub mail_from: String,
    /// Outbox folder used when no SMTP server is set (default: DATA_DIR/outbox).
    #[arg(long, env = "LATCHKEY_OUTBOX_DIR")]
    pub outbox_dir: Option<PathBuf>,
}

impl MailArgs {
    fn config(&self) -> domain::mail::MailConfig {
        domain::mail::MailConfig {
            smtp_host: self.smtp_host.clone(),
            smtp_port: self.smtp_port,
            smtp_tls: self.smtp_tls.clone(),
            smtp_username: self.smtp_username.clone(),
            smtp_password: self.smtp_password.clone(),
            mail_from: self.mail_from.clone(),
            outbox_dir: self.outbox_dir.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organization.
    Create {
        /// Unique short name people type to pick the org, e.g. `acme`.
        #[arg(long)]
        short_name: String,
        /// Display name, e.g. "Acme Security".
        #[arg(long)]
        name: String,
        /// Members must sign in through single sign-on (no passwords, no passkeys).
        #[arg(long)]
        sso_required: bool,
        /// Members must use two-factor authentication.
        #[arg(long = "require-2fa")]
        require_2fa: bool,
    },
    /// Change an organization's settings.
    Update {
        /// The org's short name.
        short_name: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        sso_required: Option<bool>,
        #[arg(long = "require-2fa")]
        require_2fa: Option<bool>,
        /// Failed password sign-ins allowed within 15 minutes before a lockout.
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=1000))]
        lockout_attempts: Option<i64>,
        /// How long a lockout lasts, in seconds.
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=86_400 * 30))]
        lockout_secs: Option<i64>,
    },
    /// Connect or remove the org's OpenID Connect identity provider.
    #[command(subcommand)]
    Sso(SsoCommand),
}

#[derive(Debug, Subcommand)]
pub enum SsoCommand {
    /// Connect the org's identity provider (replacing any other) and offer
    /// or require single sign-on. Register `<LATCHKEY_ORIGIN>/api/sso/callback/<ORG>`
    /// as the redirect URI at the provider. The provider must answer
    /// discovery now, or nothing is saved.
    Set {
        /// The org's short name.
        org: String,
        /// Issuer URL; discovery is at `<issuer>/.well-known/openid-configuration`.
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        client_id: String,
        /// A file holding the client secret (never a command-line argument:
        /// those show in `ps` and shell history).
        #[arg(long)]
        client_secret_file: std::path::PathBuf,
        /// A scope to ask for besides `openid` (repeat; default `email profile`).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// Make an account at the first sign-in for people with an email
        /// at this domain (repeat for several).
        #[arg(long = "jit-domain")]
        jit_domains: Vec<String>,
        /// Single sign-on becomes the only way in (no passwords, no passkeys).
        #[arg(long)]
        required: bool,
    },
    /// Disconnect the org's identity provider and turn single sign-on off.
    Remove {
        /// The org's short name.
        org: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account. The password is read from LATCHKEY_PASSWORD, or
    /// else from the first line of standard input.
    Create {
        /// Short name of the org the account belongs to.
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        /// The person's display name.
        #[arg(long)]
        name: String,
        /// No password: a passkey-only account, whose holder signs in first
        /// through an enrollment link (`account enroll-link`).
        #[arg(long)]
        no_password: bool,
        /// What the account may do in its org: `member`, `admin` (the admin
        /// console) or `owner` (an admin who can also make owners).
        #[arg(long, default_value = "member", value_parser = ["member", "admin", "owner"])]
        role: String,
    },
    /// Change an account's role (`member`, `admin` or `owner`). An org
    /// keeps at least one owner once it has one.
    SetRole {
        /// Short name of the org the account belongs to.
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["member", "admin", "owner"])]
        role: String,
    },
    /// Print a single-use link that lets the account's holder set up a
    /// passkey (and, where the org allows passwords, a password) without
    /// signing in first. A new link replaces the account's older ones.
    EnrollLink {
        /// Short name of the org the account belongs to.
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        /// How long the link works: a number with s, m, h or d (`90m`,
        /// `24h`, `7d`); from 1 minute to 30 days.
        #[arg(long, default_value = "24h", value_parser = parse_duration_secs)]
        valid_for: i64,
    },
    /// Create many accounts at once from JSON lines on standard input, each
    /// `{"org": "acme", "email": "…", "display_name": "…", "password": "…"}`.
    /// The orgs must exist. Passwords are hashed on every core.
    Import,
}

/// One line of `account import`.
#[derive(serde::Deserialize)]
struct ImportLine {
    org: String,
    email: String,
    display_name: String,
    password: String,
}

/// Runs what the command line asked for.
pub async fn run(cli: Cli) -> Result<()> {
    let command = match cli.command {
        Some(command) => command,
        None => Command::Serve(serve_args_from_env()?),
    };
    init_tracing(matches!(command, Command::Serve(_)))?;
    let url = match cli.database_url {
        Some(url) => url,
        None => {
            std::fs::create_dir_all(&cli.data_dir).map_err(|e| {
                Error::Internal(format!("cannot create {}: {e}", cli.data_dir.display()))
            })?;
            format!("sqlite://{}", cli.data_dir.join("latchkey.db").display())
        }
    };
    let db = Db::connect(&url).await?;
    let clock = Clock::system();
    let result = match command {
        Command::Serve(args) => serve(args, db.clone(), clock, &cli.data_dir).await,
        Command::Org(cmd) => org_command(&db, &clock, cmd).await,
        Command::Account(cmd) => account_command(&db, &clock, &cli.data_dir, cmd).await,
        Command::Backup { file } => db.backup(&file).await.map(|bytes| {
            println!(
                "backed up the database to {} ({bytes} bytes)",
                file.display()
            );
        }),
    };
    db.close().await;
    result
}

/// `serve`'s options when no command was given: defaults and environment
/// variables, exactly as `latchkey serve` with no flags would read them.
fn serve_args_from_env() -> Result<ServeArgs> {
    use clap::FromArgMatches;
    let matches = ServeArgs::augment_args(clap::Command::new("serve"))
        .try_get_matches_from(["serve"])
        .map_err(|e| Error::BadRequest(e.to_string()))?;
    ServeArgs::from_arg_matches(&matches).map_err(|e| Error::BadRequest(e.to_string()))
}

/// Logs to standard error: lines for people (`LATCHKEY_LOG_FORMAT=text`,
/// the default) or one JSON object a line for log collectors (`json`),
/// each with the fields of the request it belongs to (`span`: method, path,
/// request id).
///
/// Errors: [`Error::BadRequest`] for another format.
fn init_tracing(serving: bool) -> Result<()> {
    // Admin commands answer in one line; sqlx's "slow statement" warnings
    // (a statement over a second, e.g. waiting for a busy server's write
    // lock) would add lines to it.
    let default = if serving {
        "info,sqlx=warn"
    } else {
        "warn,sqlx=error"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let format = std::env::var("LATCHKEY_LOG_FORMAT").unwrap_or_default();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format.as_str() {
        "" | "text" => logs.init(),
        "json" => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        other => {
            return Err(Error::BadRequest(format!(
                "LATCHKEY_LOG_FORMAT={other}: use text or json"
            )))
        }
    }
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Password hashing threads while serving: one core is left to everything
/// else, so a password flood cannot crowd out passkey sign-ins and pages
/// (measured: passkey p99 under a password flood 35 ms with every core
/// hashing, 14 ms with one left free, on 2 cores; see BENCHMARKS.md).
fn hash_threads_for_serving() -> usize {
    cores().saturating_sub(1).max(1)
}

/// The site's Leptos options (from the environment cargo-leptos or the
/// operator set) and the address to listen on.
fn leptos_options() -> Result<(leptos::config::LeptosOptions, std::net::SocketAddr)> {
    let mut leptos = leptos::config::get_configuration(None)
        .map_err(|e| Error::Internal(format!("leptos configuration: {e}")))?
        .leptos_options;
    if leptos.output_name.is_empty() {
        // Built without cargo-leptos (plain `cargo build`): use the workspace's name.
        leptos.output_name = "latchkey".into();
    }
    // cargo-leptos built the bundle with hashed names when it left a hash
    // file beside this binary; honour it even when LEPTOS_HASH_FILES is unset
    // (the binary run directly, not by cargo-leptos).
    if crate::shell::hash_file().is_some() {
        leptos.hash_files = true;
    }
    let addr = leptos.site_addr;
    Ok((leptos, addr))
}

/// The public origin: `LATCHKEY_ORIGIN`, or `http://localhost:PORT` for
/// the listening address; and the related origins.
fn web_config(args: &ServeArgs, addr: std::net::SocketAddr) -> Result<WebConfig> {
    let origin = args
        .origin
        .clone()
        .unwrap_or_else(|| format!("http://localhost:{}", addr.port()));
    WebConfig::from_origin(&origin)
        .and_then(|web| {
            web.with_related_origins(split_list(&args.related_origins).iter().map(String::as_str))
        })
        .map_err(Error::BadRequest)
}

async fn serve(args: ServeArgs, db: Db, clock: Clock, data_dir: &std::path::Path) -> Result<()> {
    let (leptos, addr) = leptos_options()?;
    let web = web_config(&args, addr)?;
    if let Some(problem) = web.related_origins_problem() {
        tracing::warn!("LATCHKEY_RELATED_ORIGINS: {problem}");
    }
    let trusted_proxies =
        crate::auth::parse_trusted_proxies(&args.trusted_proxies).map_err(Error::BadRequest)?;
    let domain = Domain::new(
        db.clone(),
        domain::Config {
            web,
            clock,
            hash_threads: hash_threads_for_serving(),
            reauth_window_secs: args.reauth_window_secs,
            ceremony_lifetime_secs: args.ceremony_lifetime_secs,
            limits: domain::limits::RateLimits::per_minute(
                args.ceremony_starts_per_minute,
                args.secret_checks_per_minute,
            )
            .with_emails_per_hour(args.emails_per_hour),
            mailer: domain::mail::Mailer::new(&args.mail.config(), data_dir)?,
            admin_sso_issuers: split_list(&args.sso_issuers),
        },
    )
    .await?;
    let state = AppState {
        domain,
        trusted_proxies: trusted_proxies.into(),
        leptos,
    };
    if args.demo {
        let enrollment_link = demo::seed(&state).await?;
        println!(
            "Demo data: sign in at {}/login as ada@example.com (orgs `acme` and `globex`) \
             or grace@example.com (org `acme`), password `{}`; {} (org `acme`) has no password: \
             set up her passkey at {enrollment_link}",
            state.web.origin,
            demo::DEMO_PASSWORD,
            demo::PASSKEY_ONLY_EMAIL,
        );
    }
    if let Some(metrics_addr) = args.metrics_addr {
        let handle = crate::metrics::install().map_err(Error::Internal)?;
        let listener = tokio::net::TcpListener::bind(metrics_addr)
            .await
            .map_err(|e| Error::Internal(format!("cannot listen on {metrics_addr}: {e}")))?;
        tracing::info!(addr = %metrics_addr, "metrics at /metrics");
        tokio::spawn(crate::metrics::serve(listener, handle, state.db.clone()));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Internal(format!("cannot listen on {addr}: {e}")))?;
    tracing::info!(%addr, origin = %state.web.origin, backend = state.db.backend(),
        mail = state.mailer.describe(), "Latchkey is listening");
    let mail_sender = domain::mail::sender::Sender::spawn(&state.domain);
    let stop_mail = mail_sender.stop_handle();
    let app = crate::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // The mail sender winds down while the requests in flight do.
            stop_mail.stop();
        })
        .await
        .map_err(|e| Error::Internal(format!("server: {e}")));
    // The message being sent finishes and is recorded; the rest stay
    // queued for the next start (a message cut off mid-delivery is sent
    // again when its lease expires).
    if tokio::time::timeout(MAIL_STOP_WAIT, mail_sender.join())
        .await
        .is_err()
    {
        tracing::warn!("the mail sender did not stop in time; its message is sent again later");
    }
    served
}

/// How long a stopping server waits for the message being sent, beyond
/// the requests in flight.
const MAIL_STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

async fn org_command(db: &Db, clock: &Clock, cmd: OrgCommand) -> Result<()> {
    match cmd {
        OrgCommand::Sso(cmd) => sso_command(db, clock, cmd).await?,
        OrgCommand::Create {
            short_name,
            name,
            sso_required,
            require_2fa,
        } => {
            let org = orgs::create(
                db,
                clock,
                NewOrg {
                    short_name,
                    name,
                    sso_required,
                    require_2fa,
                },
            )
            .await?;
            println!("created org {} ({})", org.short_name, org.name);
        }
        OrgCommand::Update {
            short_name,
            name,
            sso_required,
            require_2fa,
            lockout_attempts,
            lockout_secs,
        } => {
            let org = orgs::update(
                db,
                &short_name,
                OrgUpdate {
                    name,
                    sso_required,
                    require_2fa,
                    lockout_attempts,
                    lockout_secs,
                    ..OrgUpdate::default()
                },
            )
            .await?;
            println!(
                "updated org {} ({}): sso_required={} require_2fa={} lockout={} failures/15 min, {} s",
                org.short_name,
                org.name,
                org.sso_required,
                org.require_2fa,
                org.lockout_attempts,
                org.lockout_secs
            );
        }
    }
    Ok(())
}

async fn sso_command(db: &Db, clock: &Clock, cmd: SsoCommand) -> Result<()> {
    match cmd {
        SsoCommand::Set {
            org,
            issuer,
            client_id,
            client_secret_file,
            scopes,
            jit_domains,
            required,
        } => {
            let client_secret = std::fs::read_to_string(&client_secret_file).map_err(|e| {
                domain::Error::BadRequest(format!(
                    "cannot read {}: {e}",
                    client_secret_file.display()
                ))
            })?;
            let new = sso_settings::NewProvider {
                issuer,
                client_id,
                client_secret,
                scopes,
                jit_domains,
                mode: Some(if required {
                    SsoMode::Required
                } else {
                    SsoMode::Offered
                }),
            };
            let oidc = domain::oidc::RelyingParty::new()?;
            let org = sso_settings::set(db, clock, &oidc, &org, new).await?;
            println!(
                "org {} signs in through its identity provider: single sign-on {}; its redirect \
                 URI is <LATCHKEY_ORIGIN>/api/sso/callback/{}",
                org.short_name,
                if org.sso_required {
                    "required"
                } else {
                    "offered"
                },
                org.short_name
            );
        }
        SsoCommand::Remove { org } => {
            let removed = sso_settings::remove(db, &org).await?;
            println!(
                "org {} has no identity provider now: single sign-on is off; {} session(s) \
                 opened through it ended",
                removed.org.short_name, removed.sessions_ended
            );
            if removed.stranded_accounts > 0 {
                eprintln!(
                    "note: {} account(s) of {} have no password and no passkey: send each an \
                     enrollment link (latchkey account enroll-link) to let them back in",
                    removed.stranded_accounts, removed.org.short_name
                );
            }
        }
    }
    Ok(())
}

async fn account_command(
    db: &Db,
    clock: &Clock,
    data_dir: &std::path::Path,
    cmd: AccountCommand,
) -> Result<()> {
    let (org, email, name, no_password, role) = match cmd {
        AccountCommand::Create {
            org,
            email,
            name,
            no_password,
            role,
        } => (org, email, name, no_password, role),
        AccountCommand::SetRole { org, email, role } => {
            let (account, org) =
                accounts::find_in_org(db, &email, &org)
                    .await?
                    .ok_or_else(|| {
                        Error::BadRequest(format!("There is no account {email} in '{org}'."))
                    })?;
            // The server's operator acts as an owner would, without a notice.
            domain::store::members::set_role(db, &org.id, account.id.as_str(), &role, None, None)
                .await?;
            println!("{} is now {role} of {}", account.email, org.short_name);
            return Ok(());
        }
        AccountCommand::Import => return import_accounts(db, clock).await,
        AccountCommand::EnrollLink {
            org,
            email,
            valid_for,
        } => return enroll_link(db, clock, data_dir, &org, &email, valid_for).await,
    };
    let password = if no_password {
        None
    } else {
        Some(read_password()?)
    };
    // One hash at a time is plenty for a command-line tool.
    let passwords = Passwords::new(1)?;
    let new = NewAccount {
        org,
        email,
        display_name: name,
        password,
    };
    let (account, org) = accounts::create(db, clock, &passwords, new).await?;
    if role != common::Role::Member.as_str() {
        domain::store::members::set_initial_role(db, &account.id, &role).await?;
    }
    println!(
        "created account {} in org {}",
        account.email, org.short_name
    );
    Ok(())
}

/// `account import`: every line is checked and created like `account
/// create`; the first bad line stops the import (lines before it stay).
async fn import_accounts(db: &Db, clock: &Clock) -> Result<()> {
    let passwords = Passwords::new(cores())?;
    let mut tasks = tokio::task::JoinSet::new();
    let mut created = 0usize;
    for (number, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.map_err(|e| Error::BadRequest(format!("standard input: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: ImportLine = serde_json::from_str(&line)
            .map_err(|e| Error::BadRequest(format!("line {}: {e}", number + 1)))?;
        let new = NewAccount {
            org: parsed.org,
            email: parsed.email,
            display_name: parsed.display_name,
            password: Some(parsed.password),
        };
        let (db, clock, passwords) = (db.clone(), clock.clone(), passwords.clone());
        tasks.spawn(async move { accounts::create(&db, &clock, &passwords, new).await });
        // Enough in flight to keep every hashing thread busy.
        while tasks.len() >= 4 * cores() {
            created += joined(tasks.join_next().await)?;
        }
    }
    while let Some(done) = tasks.join_next().await {
        created += joined(Some(done))?;
    }
    println!("imported {created} accounts");
    Ok(())
}

/// 1 for a created account, the error otherwise.
fn joined(
    done: Option<
        std::result::Result<Result<(accounts::Account, orgs::Org)>, tokio::task::JoinError>,
    >,
) -> Result<usize> {
    match done {
        None => Ok(0),
        Some(Ok(Ok(_))) => Ok(1),
        Some(Ok(Err(e))) => Err(e),
        Some(Err(e)) => Err(Error::Internal(format!("import task: {e}"))),
    }
}

/// `account enroll-link`: prints the link. Links are built from the
/// public origin, read as `serve` reads it (`LATCHKEY_ORIGIN`).
async fn enroll_link(
    db: &Db,
    clock: &Clock,
    data_dir: &std::path::Path,
    org: &str,
    email: &str,
    valid_for: i64,
) -> Result<()> {
    let serve = serve_args_from_env()?;
    let (_, addr) = leptos_options()?;
    if serve.origin.is_none() {
        eprintln!(
            "note: LATCHKEY_ORIGIN is not set: the link names http://localhost:{}; set it to \
             the address people open",
            addr.port()
        );
    }
    let config = domain::Config {
        web: web_config(&serve, addr)?,
        clock: clock.clone(),
        hash_threads: 1,
        reauth_window_secs: serve.reauth_window_secs,
        ceremony_lifetime_secs: serve.ceremony_lifetime_secs,
        limits: domain::limits::RateLimits::default(),
        mailer: domain::mail::Mailer::new(&serve.mail.config(), data_dir)?,
        admin_sso_issuers: Vec::new(),
    };
    let d = domain::Domain::new(db.clone(), config).await?;
    let client = domain::audit::Client::new(None, Some("latchkey account enroll-link"));
    let link = domain::signin::enrollment::issue_link(&d, &client, org, email, valid_for).await?;
    println!("{link}");
    Ok(())
}

/// The items of a list separated by spaces or commas.
fn split_list(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `90m`, `24h`, `7d`, `3600s` (or a bare number of seconds) → seconds.
fn parse_duration_secs(text: &str) -> std::result::Result<i64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((at, unit)) if unit.is_ascii_alphabetic() => (&text[..at], unit),
        _ => (text, 's'),
    };
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(format!("'{text}': use s, m, h or d, as in 24h")),
    };
    number
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|secs| *secs > 0)
        .ok_or_else(|| format!("'{text}' is not a duration such as 90m, 24h or 7d"))
}

/// LATCHKEY_PASSWORD if set, else the first line of standard input.
fn read_password() -> Result<String> {
    if let Ok(password) = std::env::var("LATCHKEY_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        Error::BadRequest(format!("cannot read the password from standard input: {e}"))
    })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_args(args: &[&str]) -> std::result::Result<ServeArgs, clap::Error> {
        let cli = Cli::try_parse_from(["latchkey", "serve"].iter().chain(args))?;
        match cli.command {
            Some(Command::Serve(args)) => Ok(args),
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn durations_read_with_their_unit() {
        assert_eq!(parse_duration_secs("24h"), Ok(86_400));
        assert_eq!(parse_duration_secs("90m"), Ok(5_400));
        assert_eq!(parse_duration_secs("7d"), Ok(604_800));
        assert_eq!(parse_duration_secs("3600"), Ok(3_600));
        for bad in ["", "h", "-1h", "2w", "1.5h", "99999999999999999d"] {
            assert!(parse_duration_secs(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_ceremony_lifetime_is_5_to_3600_seconds() {
        assert_eq!(serve_args(&[]).unwrap().ceremony_lifetime_secs, 300);
        let args = serve_args(&["--ceremony-lifetime-secs", "30"]).unwrap();
        assert_eq!(args.ceremony_lifetime_secs, 30);
        for out_of_range in ["0", "4", "3601"] {
            let err = serve_args(&["--ceremony-lifetime-secs", out_of_range]).unwrap_err();
            assert!(
                err.to_string().contains("--ceremony-lifetime-secs"),
                "{err}"
            );
        }
    }
}
