//! The last way in: no change may leave an account that nobody can sign
//! in to. The rule is here once; the store calls [`check`] inside the
//! transaction that deletes a passkey or removes the password, after
//! locking the account, so two changes racing cannot together remove
//! what each alone would have left.

use crate::error::{Error, Result};

/// What an account has left to sign in with, as the changing transaction
/// sees it after the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct WaysIn {
    pub passkeys: i64,
    /// Whether the account has a password.
    pub password: bool,
    /// Whether that password is long enough to be the only factor (15
    /// characters; see migration 0010).
    pub password_enough_alone: bool,
    /// Whether 2FA (TOTP) is on.
    pub totp: bool,
    /// Unused recovery codes.
    pub recovery_codes: i64,
    /// Whether the account is linked to its org's current identity
    /// provider (single sign-on is a way in of its own).
    pub sso: bool,
}

/// What is being taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removing {
    /// A passkey; `rely_on_recovery_codes` when the person has confirmed
    /// that their recovery codes may be the only way left.
    Passkey { rely_on_recovery_codes: bool },
    /// The password (only an account with a passkey may be passwordless).
    Password,
    /// 2FA (TOTP), turned off.
    Totp,
}

/// Whether `left` is enough after `removing`.
///
/// Errors: [`Error::LastWayIn`] (nothing, or only recovery codes where a
/// password is removed, would be left); [`Error::ConfirmationRequired`]
/// (only recovery codes would be left, and the person has not confirmed).
pub fn check(left: WaysIn, removing: Removing) -> Result<()> {
    if left.passkeys > 0 || left.sso {
        return Ok(());
    }
    // What is left is a password alone: it must be one that may be alone
    // (NIST SP 800-63B-4 §3.1.1.2: 15 characters for a single factor; 8
    // were enough while a passkey or 2FA stood beside it).
    let password_alone = left.password && !left.totp;
    if password_alone && !left.password_enough_alone && removing != Removing::Password {
        return Err(Error::LastWayIn(
            "Your password would then be your only way to sign in, and it is shorter than 15 \
             characters: change it to a longer one first.",
        ));
    }
    match removing {
        Removing::Totp => Ok(()),
        Removing::Password => Err(Error::LastWayIn(
            "Add a passkey before you remove your password: without either, you could not sign in.",
        )),
        Removing::Passkey { .. } if left.password => Ok(()),
        Removing::Passkey { .. } if left.recovery_codes == 0 => Err(Error::LastWayIn(
            "This is your last passkey and your account has no password or recovery code: \
             add another passkey or set a password before you delete it.",
        )),
        Removing::Passkey {
            rely_on_recovery_codes: true,
        } => Ok(()),
        Removing::Passkey { .. } => Err(Error::ConfirmationRequired(format!(
            "This is your last passkey and your account has no password: after deleting it, \
             only your {} unused recovery codes can get you back in. Delete it anyway?",
            left.recovery_codes
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn left(passkeys: i64, password: bool, recovery_codes: i64) -> WaysIn {
        WaysIn {
            passkeys,
            password,
            password_enough_alone: true,
            totp: false,
            recovery_codes,
            sso: false,
        }
    }

    #[test]
    fn an_account_always_keeps_a_way_in() {
        let passkey = |rely| Removing::Passkey {
            rely_on_recovery_codes: rely,
        };
        assert!(check(left(1, false, 0), passkey(false)).is_ok());
        assert!(check(left(0, true, 0), passkey(false)).is_ok());
        assert!(matches!(
            check(left(0, false, 0), passkey(true)),
            Err(Error::LastWayIn(_))
        ));
        assert!(matches!(
            check(left(0, false, 3), passkey(false)),
            Err(Error::ConfirmationRequired(m)) if m.contains("3 unused")
        ));
        assert!(check(left(0, false, 3), passkey(true)).is_ok());
        assert!(check(left(1, false, 0), Removing::Password).is_ok());
        assert!(matches!(
            check(left(0, false, 10), Removing::Password),
            Err(Error::LastWayIn(_))
        ));
    }

    #[test]
    fn single_sign_on_is_a_way_in() {
        let sso = WaysIn {
            sso: true,
            ..left(0, false, 0)
        };
        let passkey = Removing::Passkey {
            rely_on_recovery_codes: false,
        };
        for removing in [passkey, Removing::Password, Removing::Totp] {
            assert!(check(sso, removing).is_ok(), "{removing:?}");
        }
    }

    #[test]
    fn a_short_password_is_never_left_alone() {
        let short = WaysIn {
            password_enough_alone: false,
            ..left(0, true, 0)
        };
        let passkey = Removing::Passkey {
            rely_on_recovery_codes: true,
        };
        for removing in [passkey, Removing::Totp] {
            assert!(
                matches!(check(short, removing), Err(Error::LastWayIn(m)) if m.contains("15")),
                "{removing:?}"
            );
        }
        // With 2FA still on, or a passkey left, it is not alone.
        assert!(check(
            WaysIn {
                totp: true,
                ..short
            },
            passkey
        )
        .is_ok());
        assert!(check(
            WaysIn {
                passkeys: 1,
                ..short
            },
            Removing::Totp
        )
        .is_ok());
    }
}
