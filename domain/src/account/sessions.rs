//! My Account → Sessions: where the account is signed in, and signing out
//! a session the person does not recognise (OWASP ASVS 3.3.4: the user can
//! see and end their other sessions).

use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::policy::OrgPolicy;
use crate::store::sessions::{self, Session, Stage};
use crate::types::{browser_of, SessionId};
use crate::Domain;
use common::{AuthMethod, SessionList, SessionRecord};

/// The account's live sessions — within the org's limits, signed in (a
/// half-finished sign-in is not a session yet) — the asking one first,
/// then the most recently active.
pub async fn list(d: &Domain, session: &Session) -> Result<SessionList> {
    let now = d.clock.now();
    let policy = OrgPolicy::of_session(session);
    let mut listed: Vec<SessionRecord> = sessions::list_for_account(&d.db, &session.account_id)
        .await?
        .into_iter()
        .filter(|row| {
            Stage::parse(&row.session.stage) == Stage::Full
                && !policy.session_expired(&row.session, now)
        })
        .map(|row| {
            let s = row.session;
            SessionRecord {
                current: s.token_hash == session.token_hash,
                id: s.id.to_string(),
                browser: browser_of(s.user_agent.as_deref()),
                address: s.client_addr,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                signed_in_with: AuthMethod::parse(&s.signin_method).unwrap_or(AuthMethod::Password),
                passkey: row.passkey_name,
            }
        })
        .collect();
    // Stable: the current one first, the rest as the store ordered them.
    listed.sort_by_key(|record| !record.current);
    Ok(SessionList { sessions: listed })
}

/// Signs out one of the account's other sessions (its next request is
/// signed out). Audited as `session.ended` against that session.
///
/// Errors: [`Error::NotFound`] (no such session of this account),
/// [`Error::BadRequest`] (the asking session: that is "Log out").
pub async fn end(d: &Domain, client: &Client, session: &Session, id: &str) -> Result<()> {
    let who = Who::session(session);
    let ending = async {
        if id == session.id.as_str() {
            return Err(Error::BadRequest(
                "This is the session you are using: use Log out.".into(),
            ));
        }
        who.set_session(&SessionId::from_text(id));
        if !sessions::delete_of_account(&d.db, &session.account_id, id).await? {
            return Err(Error::NotFound);
        }
        tracing::info!(account = %session.account_id, ended = id, "a session was signed out from My Account");
        Ok(())
    };
    audit::audited(d, client, Event::SessionEnded, &who, ending).await
}

/// "Sign out everywhere else": ends every other session of the account;
/// returns how many. Audited as `session.others_ended`.
pub async fn end_others(d: &Domain, client: &Client, session: &Session) -> Result<u64> {
    let who = Who::session(session);
    let ending = async {
        let ended =
            sessions::delete_others(&d.db, &session.account_id, &session.token_hash).await?;
        tracing::info!(account = %session.account_id, ended, "every other session signed out");
        Ok(ended)
    };
    audit::audited(d, client, Event::OtherSessionsEnded, &who, ending).await
}
