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

/// How long connecting to the SMTP server may take (lettre's timeout only
/// covers the connection).
const SMTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one delivery may take in all — connect, greeting, STARTTLS,
/// AUTH, the message — before it counts as a temporary failure. Well under
/// the sender's lease ([`sender::LEASE_SECS`]), so that a server that
/// accepts the connection and then says nothing can neither stop the
/// sender nor let another instance send the message meanwhile.
pub const SEND_DEADLINE: Duration = Duration::from_secs(60);

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
    deadline: Duration,
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
                let builder = builder.timeout(Some(SMTP_CONNECT_TIMEOUT));
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
            deadline: SEND_DEADLINE,
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
            deadline: SEND_DEADLINE,
        })
    }

    /// The same mailer with another [`SEND_DEADLINE`] (the tests' hanging
    /// server is given up on sooner).
    pub fn with_send_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Whether mail goes to SMTP (for the start-up log).
    pub fn describe(&self) -> &'static str {
        match self.transport {
            Transport::Outbox(_) => "outbox folder",
            Transport::Smtp(_) => "SMTP",
        }
    }

    /// The message; `id` (the queue row's) makes its `Message-ID`, the same
    /// at every attempt, so that a copy sent twice (delivery is at least
    /// once) is recognisably one message.
    fn build(&self, id: &str, email: Email) -> std::result::Result<Message, SendError> {
        let permanent = |message: String| SendError {
            message,
            permanent: true,
        };
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| permanent(format!("recipient {}: {e}", email.to)))?;
        Message::builder()
            .message_id(Some(format!("<{id}@{}>", self.from.email.domain())))
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

    /// Sends the queued message `id` now and waits for the mail server's
    /// answer (or the outbox folder's write), for at most the send deadline.
    pub async fn send_now(&self, id: &str, email: Email) -> std::result::Result<(), SendError> {
        let message = self.build(id, email)?;
        let sent = async {
            match &self.transport {
                Transport::Outbox(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                    message: format!("outbox: {e}"),
                    permanent: false,
                }),
                Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                    permanent: refuses_the_recipient(&e),
                    message: format!("smtp: {e}"),
                }),
            }
        };
        tokio::time::timeout(self.deadline, sent)
            .await
            .unwrap_or_else(|_| {
                Err(SendError {
                    message: format!("no answer within {} s", self.deadline.as_secs()),
                    permanent: false,
                })
            })
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

/// Whether an SMTP error says this recipient's mailbox can never take the
/// message: a 550, 551 or 553 reply with an enhanced status of class 5.1
/// (bad destination mailbox, RFC 3463 §3.2). Every other 5xx — a wrong
/// password (535), "authentication required" (530), a refused sender or
/// relay (5.7.x) — is the configuration's or the server's, concerns every
/// message alike, and is retried until it is fixed or the day is over.
fn refuses_the_recipient(e: &lettre::transport::smtp::Error) -> bool {
    let text = e.to_string();
    let code = e.status().map(|c| c.to_string());
    matches!(code.as_deref(), Some("550" | "551" | "553"))
        && text
            .split_once("): ")
            .is_some_and(|(_, reply)| reply.trim_start().starts_with("5.1."))
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
