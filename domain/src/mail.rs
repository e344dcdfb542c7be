//! Sending email: SMTP when configured, else `.eml` files in an outbox
//! folder that developers and tests read.
//!
//! Nothing is sent from a request: each message is queued in the
//! transaction of the change it reports ([`crate::store::mail_queue`]), and
//! the [`sender`] delivers it, with retries, in the background. A slow or
//! failing mail server never fails or delays a request, and no message is
//! lost to a mail server that is down or a process that stops.

pub mod sender;

use crate::error::{Error, Result};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How long one SMTP exchange may take (lettre's default is a minute);
/// shorter than the sender's lease, so a stuck server cannot outlast it.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How to reach the mail server. `smtp_host: None` means the outbox folder.
#[derive(Debug, Clone, Default)]
pub struct MailConfig {
    /// SMTP server; `None`: mail is written to the outbox folder instead.
    pub smtp_host: Option<String>,
    /// SMTP port (default: 587 for starttls, 465 for tls, 25 for none).
    pub smtp_port: Option<u16>,
    /// `starttls` (upgrade a plain connection), `tls` (TLS from the start) or `none`.
    pub smtp_tls: String,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    /// The From address of every message, e.g. `Latchkey <no-reply@localhost>`.
    pub mail_from: String,
    /// Outbox folder used when no SMTP server is set (default: DATA_DIR/outbox).
    pub outbox_dir: Option<PathBuf>,
}

#[derive(Clone)]
enum Transport {
    Outbox(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Sends the product's emails, for the [`sender`]; and wakes the sender
/// when a change queued one ([`Mailer::queued`]).
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    queued: Arc<Notify>,
}

/// Why a message was not sent.
#[derive(Debug)]
pub struct SendError {
    /// What the mail server or the outbox folder said.
    pub message: String,
    /// Whether trying again cannot help (an SMTP 5xx reply, a malformed
    /// address): the sender then gives up at once.
    pub permanent: bool,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// One email: plain text, and the same as simple HTML.
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A message on its way into the mail queue, with the change it reports:
/// see [`crate::store::mail_queue`].
pub struct Outgoing {
    pub email: Email,
    /// When it was queued (Unix seconds): the sender gives up a day later.
    pub at: crate::clock::UnixTime,
}

impl Mailer {
    pub fn new(args: &MailConfig, data_dir: &std::path::Path) -> Result<Self> {
        let from: Mailbox = args
            .mail_from
            .parse()
            .map_err(|e| Error::BadRequest(format!("LATCHKEY_MAIL_FROM: {e}")))?;
        let transport = match &args.smtp_host {
            None => {
                let dir = args
                    .outbox_dir
                    .clone()
                    .unwrap_or_else(|| data_dir.join("outbox"));
                Self::outbox_dir(&dir)?
            }
            Some(host) => {
                let builder = match args.smtp_tls.as_str() {
                    "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
                    "none" => {
                        Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(25))
                    }
                    _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
                }
                .map_err(|e| Error::BadRequest(format!("SMTP server {host}: {e}")))?;
                let builder = builder.timeout(Some(SMTP_TIMEOUT));
                let builder = match args.smtp_port {
                    Some(port) => builder.port(port),
                    None => builder,
                };
                let builder = match (&args.smtp_username, &args.smtp_password) {
                    (Some(user), Some(password)) => {
                        builder.credentials(Credentials::new(user.clone(), password.clone()))
                    }
                    _ => builder,
                };
                Transport::Smtp(builder.build())
            }
        };
        Ok(Self {
            from,
            transport,
            queued: Arc::default(),
        })
    }

    fn outbox_dir(dir: &std::path::Path) -> Result<Transport> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Internal(format!("outbox {}: {e}", dir.display())))?;
        Ok(Transport::Outbox(AsyncFileTransport::new(dir)))
    }

    /// A mailer that writes to `dir` (tests, and the default).
    pub fn outbox(dir: &std::path::Path) -> Result<Self> {
        Ok(Self {
            from: "Latchkey <no-reply@localhost>"
                .parse()
                .map_err(|e| Error::Internal(format!("{e}")))?,
            transport: Self::outbox_dir(dir)?,
            queued: Arc::default(),
        })
    }

    /// Whether mail goes to SMTP (for the start-up log).
    pub fn describe(&self) -> &'static str {
        match self.transport {
            Transport::Outbox(_) => "outbox folder",
            Transport::Smtp(_) => "SMTP",
        }
    }

    fn build(&self, email: Email) -> std::result::Result<Message, SendError> {
        let permanent = |message: String| SendError {
            message,
            permanent: true,
        };
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| permanent(format!("recipient {}: {e}", email.to)))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html),
                    ),
            )
            .map_err(|e| permanent(format!("build message: {e}")))
    }

    /// Sends one message now and waits for the mail server's answer (or
    /// the outbox folder's write).
    pub async fn send_now(&self, email: Email) -> std::result::Result<(), SendError> {
        let message = self.build(email)?;
        match &self.transport {
            Transport::Outbox(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                message: format!("outbox: {e}"),
                permanent: false,
            }),
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: format!("smtp: {e}"),
            }),
        }
    }

    /// Tells this instance's sender that a committed change queued a
    /// message (it also looks by itself every few seconds, for messages
    /// other instances queued).
    pub fn queued(&self) {
        self.queued.notify_one();
    }

    /// Resolves at the next [`Mailer::queued`] (or at once, if one came
    /// since the last wait).
    pub(crate) async fn wait_queued(&self) {
        self.queued.notified().await;
    }
}

/// Escapes text for HTML email bodies.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html(r#"<b>"Ada" & 'co'</b>"#),
            "&lt;b&gt;&quot;Ada&quot; &amp; &#39;co&#39;&lt;/b&gt;"
        );
    }
}
