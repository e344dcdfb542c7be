//! Checks and normalisation of what people type: emails, org short names,
//! display names and passwords. Shared by the API and the admin CLI so both
//! accept exactly the same input.

use crate::error::{Error, Result};

/// Shortest password accepted (NIST SP 800-63B asks for at least 8).
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest password accepted: bounds the work of hashing attacker input.
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

/// A new password: long enough to resist guessing, short enough to hash.
pub fn new_password(password: &str) -> Result<()> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(Error::BadRequest(format!(
            "The password is too short: use at least {MIN_PASSWORD_LEN} characters."
        )));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(Error::BadRequest(format!(
            "The password is too long: use at most {MAX_PASSWORD_LEN} bytes."
        )));
    }
    Ok(())
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
    fn passwords_have_bounds() {
        assert!(new_password("short").is_err());
        assert!(new_password("long enough").is_ok());
        assert!(new_password(&"x".repeat(MAX_PASSWORD_LEN + 1)).is_err());
    }

    #[test]
    fn display_names_are_trimmed() {
        assert_eq!(display_name("  Ada Lovelace ").unwrap(), "Ada Lovelace");
        assert!(display_name("   ").is_err());
    }
}
