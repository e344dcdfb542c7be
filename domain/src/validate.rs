//! Checks and normalisation of what people type: emails, org short names,
//! display names and passwords. Shared by the API and the admin CLI so both
//! accept exactly the same input.

use crate::error::{Error, Result};

/// Shortest new password for an account with a second factor (2FA or a
/// passkey) — NIST SP 800-63B-4 §3.1.1.2.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Shortest new password for an account whose password is its only factor
/// (NIST SP 800-63B-4 §3.1.1.2: 15 for single-factor use).
pub const MIN_SINGLE_FACTOR_PASSWORD_LEN: usize = 15;
/// Longest new password, in characters.
pub const MAX_NEW_PASSWORD_CHARS: usize = 128;
/// Longest password ever hashed, in bytes (128 characters of up to 4 bytes
/// each, with room to spare): bounds the work of hashing attacker input.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// A new email address in its canonical form (see [`crate::types::Email`]).
pub fn email(raw: &str) -> Result<String> {
    Ok(crate::types::Email::parse(raw)?.as_str().to_owned())
}

/// A new org short name in its canonical form (see [`crate::types::OrgShortName`]).
pub fn short_name(raw: &str) -> Result<String> {
    Ok(crate::types::OrgShortName::parse(raw)?.as_str().to_owned())
}

/// A display name (of a person or an org): trimmed, 1–100 characters.
pub fn display_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Error::BadRequest(
            "A name must have 1 to 100 characters and no control characters.".into(),
        ));
    }
    Ok(name.to_owned())
}

/// The account a new password is for: its rule depends on it.
pub struct PasswordFor<'a> {
    pub email: &'a str,
    pub org_short_name: &'a str,
    pub org_name: &'a str,
    /// Whether the account has 2FA or a passkey besides the password.
    pub has_second_factor: bool,
}

/// The one rule for every new password — at account creation, change,
/// reset and enrolment (NIST SP 800-63B-4 §3.1.1.2): at least 8 characters
/// when the account has a second factor, 15 when the password is its only
/// one; at most 128; no composition rules; not the account's email or its
/// org's name (the first guesses of anyone who knows whose account it is).
///
/// Errors: [`Error::BadRequest`] with the sentence to show.
pub fn new_password(password: &str, account: &PasswordFor<'_>) -> Result<()> {
    use unicode_normalization::UnicodeNormalization;
    // Characters as people count them: a letter and its combining accent
    // are one (NFC, as NIST SP 800-63B-4 §3.1.1.2 asks for Unicode).
    let len = password.nfc().count();
    let min = if account.has_second_factor {
        MIN_PASSWORD_LEN
    } else {
        MIN_SINGLE_FACTOR_PASSWORD_LEN
    };
    if len < min {
        let why = if account.has_second_factor {
            ""
        } else {
            " (15 while the password is your only way to sign in: add a passkey or 2FA for 8)"
        };
        return Err(Error::BadRequest(format!(
            "The password is too short: use at least {min} characters{why}."
        )));
    }
    if len > MAX_NEW_PASSWORD_CHARS || password.len() > MAX_PASSWORD_LEN {
        return Err(Error::BadRequest(format!(
            "The password is too long: use at most {MAX_NEW_PASSWORD_CHARS} characters."
        )));
    }
    // Nothing visible (spaces, zero-width or control characters only) is
    // no secret at all.
    let visible = |c: &char| !c.is_whitespace() && !c.is_control() && !is_invisible(*c);
    if !password.chars().any(|c| visible(&c)) {
        return Err(Error::BadRequest(
            "The password needs characters you can see, not only spaces.".into(),
        ));
    }
    // Compared as people would read them: compatibility forms (full-width
    // letters), case, and invisible characters set aside.
    let fold = |text: &str| -> String {
        text.nfkc()
            .filter(|c| visible(c))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let folded = fold(password);
    let names = [account.email, account.org_short_name, account.org_name];
    if names.iter().any(|name| fold(name) == folded) {
        return Err(Error::BadRequest(
            "The password cannot be your email address or your organization's name.".into(),
        ));
    }
    Ok(())
}

/// Whether `password` (one [`new_password`] accepted) would also be long
/// enough as the account's only factor: what decides, later, whether the
/// last passkey may go or 2FA be turned off ([`crate::ways_in`]).
pub fn enough_alone(password: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    password.nfc().count() >= MIN_SINGLE_FACTOR_PASSWORD_LEN
}

/// Format characters that show nothing (zero-width space and joiners,
/// word joiner, byte-order mark).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_checked() {
        assert_eq!(short_name("Acme").unwrap(), "acme");
        assert_eq!(short_name("acme-2").unwrap(), "acme-2");
        for bad in ["a", "-acme", "ac me", "acmé", &"a".repeat(64)] {
            assert!(short_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn the_password_rule_depends_on_the_account() {
        let mut ada = PasswordFor {
            email: "ada@example.com",
            org_short_name: "acme",
            org_name: "Acme Security Group",
            has_second_factor: false,
        };
        assert!(new_password("fourteen chars", &ada).is_err());
        assert!(new_password("fifteen chars!!", &ada).is_ok());
        ada.has_second_factor = true;
        assert!(new_password("seven c", &ada).is_err());
        assert!(new_password("eight ch", &ada).is_ok());
        assert!(new_password(&"é".repeat(128), &ada).is_ok());
        assert!(new_password(&"é".repeat(129), &ada).is_err());
        for name in [
            "ADA@example.com",
            " acme security group ",
            "ada@example.com\u{200B}",
            "ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        ] {
            let err = match new_password(name, &ada) {
                Err(e) => e.to_string(),
                Ok(()) => panic!("{name:?} accepted"),
            };
            assert!(err.contains("email address"), "{name}: {err}");
        }
        for nothing in [" ".repeat(15), "\t".repeat(15), "\u{200B}".repeat(15)] {
            let err = new_password(&nothing, &ada).unwrap_err().to_string();
            assert!(err.contains("see"), "{nothing:?}: {err}");
        }
        ada.has_second_factor = false;
        let accented = format!("{}{}", "a".repeat(14), '\u{0301}');
        assert!(
            new_password(&accented, &ada).is_err(),
            "14 characters, one accented"
        );
    }

    #[test]
    fn display_names_are_trimmed() {
        assert_eq!(display_name("  Ada Lovelace ").unwrap(), "Ada Lovelace");
        assert!(display_name("   ").is_err());
    }
}
