//! Recovery codes: ten one-time codes that sign in when every passkey is
//! lost (NIST SP 800-63B-4 §3.1.2, look-up secrets). Made on demand by a
//! fresh session and shown once; stored as argon2id hashes; a sign-in
//! with one is in [`crate::signin::recovery`].

use crate::audit::{self, Client, Event, Who};
use crate::error::Result;
use crate::sessions::Fresh;
use crate::signin::recovery::{new_code, normalise};
use crate::store::recovery_codes;
use crate::{emails, Domain};
use common::RecoveryCodes;

/// Codes in a set.
pub const CODES: usize = 10;

/// Makes a new set of [`CODES`] codes for the session's account, replacing
/// the older ones, and returns them — the only time they are readable.
/// Audited as `recovery_codes.issued`; the account holder is told by email.
///
/// Errors: [`crate::Error::SsoRequired`] (there is nothing to recover in
/// an SSO-required org: the identity provider signs people in).
pub async fn issue(d: &Domain, client: &Client, session: &Fresh) -> Result<RecoveryCodes> {
    let who = Who::session(session);
    let change = async {
        crate::policy::OrgPolicy::of_session(session).allows(common::AuthMethod::RecoveryCode)?;
        let codes: Vec<String> = (0..CODES).map(|_| new_code()).collect();
        let normalised = codes.iter().map(|c| normalise(c)).collect();
        let hashes = d.passwords.hash_codes(normalised).await?;
        let notice = d.outgoing(emails::recovery_codes(
            &session.email,
            &session.org_name,
            None,
            d.clock.now(),
            &d.web.origin,
        ));
        recovery_codes::replace(&d.db, &d.clock, &session.account_id, &hashes, &notice).await?;
        d.mailer.queued();
        Ok(RecoveryCodes { codes })
    };
    audit::audited(d, client, Event::RecoveryCodesIssued, &who, change).await
}
