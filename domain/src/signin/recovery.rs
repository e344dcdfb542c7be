//! Recovery codes: their format, and the sign-in with one (they are made
//! by [`crate::account::recovery_codes`]):
//! the way back in when every passkey is lost.

use super::{claim, complete, Claim, Opened, Proof};
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::store::recovery_codes;
use crate::{emails, Domain};
use common::AuthMethod;
use rand::Rng;

/// Characters of a code: Crockford's base32 in lower case (no i, l, o, u:
/// nothing to misread), 5 bits each.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Characters in a code, without its hyphen: 50 random bits.
const CODE_LEN: usize = 10;

/// A new code, `xxxxx-xxxxx`, from the operating system's CSPRNG.
pub(crate) fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let chars: String = (0..CODE_LEN)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    format!("{}-{}", &chars[..CODE_LEN / 2], &chars[CODE_LEN / 2..])
}

/// A typed code in the form its hash was made from: lower case, letters
/// and digits only (any dash, space or invisible character dropped; full-
/// width forms read as ASCII), the letters people mistake for digits read
/// as those digits (Crockford). Anything that cannot be a code becomes "" (which
/// never matches, after the same work), so no input makes hashing longer.
pub fn normalise(typed: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // Compatibility forms first (full-width digits and letters), then
    // only letters and digits: any dash, space or invisible character
    // between them is the person's formatting.
    let code: String = typed
        .nfkc()
        .filter(char::is_ascii_alphanumeric)
        .take(2 * CODE_LEN)
        .map(|c| match c.to_ascii_lowercase() {
            'i' | 'l' => '1',
            'o' => '0',
            other => other,
        })
        .collect();
    let valid = code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b));
    if valid {
        code
    } else {
        String::new()
    }
}

/// Signs in with one of the account's recovery codes, using it up. The
/// session it opens can only add a passkey or set a password
/// ([`crate::store::sessions::Stage::Enroll`]). The code goes through the
/// same lockout gate as passwords; every failure answers as a wrong
/// password does, after the same work (one argon2 run, with or without an
/// account). The account holder is told by email, with the codes left.
///
/// Errors: [`Error::SsoRequired`], [`Error::RateLimited`],
/// [`Error::LockedOut`], [`Error::RecoveryCodeRefused`] (shown as invalid
/// credentials). Audited as `sign_in.recovery_code`.
pub async fn sign_in(
    d: &Domain,
    client: &Client,
    previous: Option<&str>,
    email: &str,
    org: &str,
    code: &str,
) -> Result<Opened> {
    let who = Who::default();
    let attempt = async {
        let claim = claim(d, client, &who, email, org, AuthMethod::RecoveryCode).await?;
        let stored = match &claim.account {
            Some(account) => recovery_codes::hashes(&d.db, &account.id).await?,
            None => Vec::new(),
        };
        let matched = d.passwords.match_code(normalise(code), stored).await?;
        let used = match (&claim.account, matched) {
            (Some(account), Some(hash)) => {
                let org_name = claim.org.as_ref().map(|o| o.name.as_str()).unwrap_or("");
                // The holder hears of every use, the session opened or not.
                let notice = |left| {
                    d.outgoing(emails::recovery_codes(
                        &account.email,
                        org_name,
                        Some(left),
                        d.clock.now(),
                        &d.web.origin,
                    ))
                };
                let left = recovery_codes::take(&d.db, &account.id, &hash, notice).await?;
                d.mailer.queued();
                if left.is_none() {
                    // The right code, used a moment ago by a request racing
                    // this one (a double submit): not a guess, so it does
                    // not count towards the lockout.
                    claim.gate.right().await?;
                    return Err(Error::RecoveryCodeRefused {
                        cause: "code_already_used",
                    });
                }
                left
            }
            _ => None,
        };
        let (account, org, left) = match (claim.account, claim.org, used) {
            (Some(account), Some(org), Some(left)) => {
                claim.gate.right().await?;
                (account, org, left)
            }
            (account, org, _) => {
                let claim = Claim {
                    account,
                    org,
                    gate: claim.gate,
                };
                let cause = claim.refused(&who, "wrong_code").await?;
                return Err(Error::RecoveryCodeRefused { cause });
            }
        };
        who.set(&account.id, &org.id);
        let proof = Proof {
            method: AuthMethod::RecoveryCode,
            passkey_id: None,
            after_enrolment: false,
        };
        let opened = complete(d, client, previous, &account, &org, proof).await?;
        who.set_session(&opened.session.id);
        tracing::info!(account = %account.id, left, "signed in with a recovery code");
        Ok(opened)
    };
    audit::audited(d, client, Event::RecoveryCodeSignIn, &who, attempt).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_however_they_are_typed() {
        let code = new_code();
        assert_eq!(code.len(), CODE_LEN + 1);
        let plain = code.replace('-', "");
        assert_eq!(normalise(&code), plain);
        assert_eq!(normalise(&format!(" {} ", code.to_uppercase())), plain);
        assert_eq!(normalise("0l1io-abcde"), "01110abcde");
        assert_eq!(normalise("abcde\u{2014}fghjk"), "abcdefghjk", "an em dash");
        assert_eq!(
            normalise("abcde\u{200B}fghjk"),
            "abcdefghjk",
            "a zero-width space"
        );
        assert_eq!(
            normalise("ａｂｃｄｅ-１２３４５"),
            "abcde12345",
            "full-width"
        );
        for bad in [
            "",
            "short",
            "abcde-fghij-k",
            "abcde-fghiu",
            &"a".repeat(10_000),
        ] {
            assert_eq!(normalise(bad), "", "{bad}");
        }
    }
}
