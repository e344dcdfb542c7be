//! Recovery codes: ten one-time codes that sign in when every passkey is
//! lost (NIST SP 800-63B-4 §3.1.2, look-up secrets). Made on demand by a
//! fresh session and shown once; stored as argon2id hashes; a sign-in
//! with one is in [`crate::signin::recovery`].

use crate::audit::{self, Client, Event, Who};
use crate::error::Result;
use crate::sessions::Fresh;
use crate::store::recovery_codes;
use crate::{emails, Domain};
use common::RecoveryCodes;
use rand::Rng;

/// Codes in a set.
pub const CODES: usize = 10;

/// Characters of a code: Crockford's base32 in lower case (no i, l, o, u:
/// nothing to misread), 5 bits each.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Characters in a code, without its hyphen: 50 random bits.
const CODE_LEN: usize = 10;

/// A new code, `xxxxx-xxxxx`, from the operating system's CSPRNG.
fn new_code() -> String {
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
        recovery_codes::replace(&d.db, &d.clock, &session.account_id, &hashes).await?;
        d.mailer.send(emails::recovery_codes(
            &session.email,
            &session.org_name,
            None,
            d.clock.now(),
            &d.web.origin,
        ));
        Ok(RecoveryCodes { codes })
    };
    audit::audited(d, client, Event::RecoveryCodesIssued, &who, change).await
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
