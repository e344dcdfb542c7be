//! Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 seconds),
//! the authenticator-app second factor after a password.
//!
//! A code is accepted for the current step and one step either side (clock
//! drift), and only for a step later than the last one accepted for the
//! account — compared inside the UPDATE — so each code works once, even
//! when two requests race.

use crate::clock::{Clock, UnixTime};
use crate::error::{Error, Result};
use crate::store::db::Db;
use common::TotpSetup;
use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

const STEP_SECS: u64 = 30;

/// A new random 160-bit secret, base32-encoded.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => String::new(),
    }
}

fn totp(secret: &str, account_name: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|e| Error::Internal(format!("TOTP secret: {e:?}")))?;
    // The otpauth label may not contain ':'; an email never does.
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECS,
        bytes,
        Some("Latchkey".into()),
        account_name.replace(':', " "),
    )
    .map_err(|e| Error::Internal(format!("TOTP: {e:?}")))
}

/// What the person needs to add the secret to an authenticator app.
pub fn setup(secret: &str, email: &str, org_name: &str) -> Result<TotpSetup> {
    let uri = totp(secret, &format!("{email} ({org_name})"))?.get_url();
    let qr = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| Error::Internal(format!("QR code: {e}")))?;
    let qr_svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(TotpSetup {
        secret: secret.to_owned(),
        otpauth_uri: uri,
        qr_svg,
        email_code_sent: false,
    })
}

/// The step `code` belongs to, if it is valid at `now` (±1 step).
pub fn matching_step(secret: &str, code: &str, now: UnixTime) -> Result<Option<i64>> {
    let code = code.trim();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret, "x")?;
    let now = u64::try_from(now).unwrap_or(0);
    let current = now / STEP_SECS;
    for step in [current.saturating_sub(1), current, current + 1] {
        if totp.generate(step * STEP_SECS) == code {
            return Ok(i64::try_from(step).ok());
        }
    }
    Ok(None)
}

/// Checks `code` against the account's secret and records its step, so the
/// same code cannot be used again (RFC 6238 §5.2). `Ok(false)`: wrong, or
/// already used.
pub async fn verify_for_account(
    db: &Db,
    clock: &Clock,
    account_id: &crate::types::AccountId,
    secret: &str,
    code: &str,
) -> Result<bool> {
    let Some(step) = matching_step(secret, code, clock.now())? else {
        return Ok(false);
    };
    crate::store::totp::use_step(db, account_id, step).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_and_its_neighbours_only() {
        let secret = new_secret();
        let t = totp(&secret, "x").unwrap();
        let now: UnixTime = 1_800_000_000;
        let code = t.generate(now as u64);
        let step = now / 30;
        assert_eq!(matching_step(&secret, &code, now).unwrap(), Some(step));
        assert_eq!(
            matching_step(&secret, &code, now + 30).unwrap(),
            Some(step),
            "one step late"
        );
        assert_eq!(
            matching_step(&secret, &code, now + 90).unwrap(),
            None,
            "too late"
        );
        assert_eq!(matching_step(&secret, "12345", now).unwrap(), None);
    }
}
