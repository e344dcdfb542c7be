//! A password as a factor: the rule a new password of an existing account
//! follows, shared by My Account (change, enrolment) and the reset link.

use crate::error::Result;
use crate::store::passkeys;
use crate::types::AccountId;
use crate::validate::{self, PasswordFor};
use crate::Domain;

/// Checks `password` against the one rule ([`validate::new_password`]) for
/// `account_id`'s account as it is now: `account` names it, and says
/// whether 2FA is on; a passkey of the account counts as a second factor
/// too. Used by every path that sets a password for an existing account
/// (change, enrolment, reset).
pub async fn check_rule(
    d: &Domain,
    account_id: &AccountId,
    mut account: PasswordFor<'_>,
    password: &str,
) -> Result<()> {
    account.has_second_factor |= passkeys::count_for_account(&d.db, account_id).await? > 0;
    validate::new_password(password, &account)
}
