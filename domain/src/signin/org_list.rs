//! "Email me a list of my organizations".

use crate::audit::Client;
use crate::error::Result;
use crate::limits::{self, Limit};
use crate::store::accounts;
use crate::types::{Email, OrgShortName};
use crate::{emails, Domain};

/// Org lists mailed to one address: 3 an hour.
const ORG_LISTS_PER_EMAIL: Limit = Limit {
    name: "org-list-email",
    max: 3,
    window_secs: 60 * 60,
};

/// Mails the orgs where `email` has an account to that address. The
/// answer is the same whether or not it has any (the list goes to the
/// mailbox, never to the page); an address without accounts gets no
/// message. Limited per address (3 an hour) and per client (20 an hour).
///
/// Errors: [`crate::Error::BadRequest`] (not an email address),
/// [`crate::Error::RateLimited`].
pub async fn send(d: &Domain, client: &Client, email: &str) -> Result<()> {
    let email = Email::parse(email)?;
    limits::email(d, client).await?;
    let key = crate::store::lockout::subject(&email, &OrgShortName::canonical(""));
    limits::hit(&d.db, &d.clock, ORG_LISTS_PER_EMAIL, Some(&key)).await?;
    // In the background: queueing a message takes a write, and the answer
    // must take as long for an address without accounts.
    let d = d.clone();
    tokio::spawn(async move {
        if let Err(e) = queue_list(&d, &email).await {
            tracing::error!(error = %e, "org list not queued");
        }
    });
    Ok(())
}

/// The background half of [`send`].
async fn queue_list(d: &Domain, email: &Email) -> Result<()> {
    let orgs = accounts::orgs_of_email(&d.db, email.as_str()).await?;
    if !orgs.is_empty() {
        let mail = d.outgoing(emails::org_list(email.as_str(), &orgs, &d.web.origin));
        crate::store::mail_queue::queue(&d.db, &mail).await?;
        d.mailer.queued();
    }
    Ok(())
}
