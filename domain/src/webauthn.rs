//! The relying party: webauthn-rs configured for our public origin, plus
//! the few adjustments the product needs on top of its passkey defaults.

use crate::config::WebConfig;
use crate::error::{Error, Result};
use webauthn_rs::prelude::*;
use webauthn_rs_proto::{ResidentKeyRequirement, UserVerificationPolicy};

/// Builds the relying party for `web.origin`: the RP ID is the origin's
/// host, so credentials made here work on this host, and on the related
/// origins browsers find listed at `/.well-known/webauthn`. Every options
/// object it makes carries `publicKey.timeout` = `ceremony_lifetime_secs`
/// in milliseconds: the browser gives up when the server would.
///
/// Errors: an origin without a host, or a lifetime that is not positive
/// or does not fit WebAuthn's `u32` of milliseconds.
pub fn relying_party(
    web: &WebConfig,
    ceremony_lifetime_secs: i64,
) -> std::result::Result<Webauthn, String> {
    let origin = Url::parse(&web.origin).map_err(|e| format!("origin: {e}"))?;
    let rp_id = origin.host_str().ok_or("origin has no host")?.to_owned();
    let timeout = u64::try_from(ceremony_lifetime_secs)
        .ok()
        .filter(|secs| (1..=u64::from(u32::MAX) / 1000).contains(secs))
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| format!("ceremony lifetime of {ceremony_lifetime_secs} s: out of range"))?;
    let mut builder = WebauthnBuilder::new(&rp_id, &origin)
        .map_err(|e| format!("WebAuthn relying party for {}: {e}", web.origin))?;
    // Related origins (WebAuthn §5.11): their client data names them, while
    // the RP ID hash stays this origin's host.
    for related in &web.related_origins {
        let related = Url::parse(related).map_err(|e| format!("related origin: {e}"))?;
        builder = builder.append_allowed_origin(&related);
    }
    builder
        .rp_name("Latchkey")
        .timeout(timeout)
        .build()
        .map_err(|e| format!("WebAuthn relying party for {}: {e}", web.origin))
}

/// The relying party id: `web.origin`'s host (WebAuthn §5.1.3 "RP ID").
///
/// Errors: [`Error::Internal`] for an origin without a host, which
/// [`relying_party`] refuses at start.
pub fn rp_id(web: &WebConfig) -> Result<String> {
    Url::parse(&web.origin)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .ok_or_else(|| Error::Internal(format!("origin {} has no host", web.origin)))
}

/// Asks for a discoverable credential (resident key required) with user
/// verification required. webauthn-rs' passkey registration asks for
/// "discouraged" resident keys; without a resident key the "Log in with
/// passkey" button and autofill could not find the passkey without an email.
pub fn require_discoverable(options: &mut CreationChallengeResponse) {
    let selection = options
        .public_key
        .authenticator_selection
        .get_or_insert_with(Default::default);
    selection.resident_key = Some(ResidentKeyRequirement::Required);
    selection.require_resident_key = true;
    selection.user_verification = UserVerificationPolicy::Required;
}

/// The browser's answer to a ceremony, read into its WebAuthn type once the
/// ceremony has been taken (so a malformed answer uses the ceremony up,
/// as any failed finish does).
///
/// Errors: [`Error::BadRequest`] when it is not the WebAuthn JSON of that
/// answer (a member missing or of the wrong type).
pub fn parse_answer<T: serde::de::DeserializeOwned>(answer: &serde_json::Value) -> Result<T> {
    T::deserialize(answer).map_err(|e| {
        tracing::info!("a malformed WebAuthn answer: {e}");
        Error::BadRequest(format!("The passkey's answer is malformed: {e}."))
    })
}

/// Maps a webauthn-rs verification failure to the client's error, keeping
/// the cause for the log and the audit trail: [`Error::UserNotVerified`]
/// when user verification is missing, [`Error::PasskeyRefused`] otherwise.
///
/// webauthn-rs checks user verification *before* the signature: an
/// assertion's caller must make sure the signature holds before answering
/// [`Error::UserNotVerified`] (see `crate::factors::passkey`).
pub fn refused(context: &'static str, err: WebauthnError) -> Error {
    let cause = match err {
        WebauthnError::InvalidClientDataType => "wrong_type",
        WebauthnError::MismatchedChallenge => "wrong_challenge",
        WebauthnError::InvalidRPOrigin => "wrong_origin",
        WebauthnError::CredentialCrossOrigin => "cross_origin",
        WebauthnError::InvalidRPIDHash => "wrong_rp_id",
        WebauthnError::UserNotPresent => "user_not_present",
        WebauthnError::UserNotVerified => "user_not_verified",
        WebauthnError::AuthenticationFailure => "bad_signature",
        WebauthnError::CredentialBackupEligibilityInconsistent => "backup_flags_inconsistent",
        WebauthnError::CredentialPossibleCompromise => "counter_regression",
        _ => "malformed",
    };
    tracing::warn!(error = ?err, cause, "{context}: WebAuthn verification failed");
    match err {
        WebauthnError::UserNotVerified => Error::UserNotVerified,
        _ => Error::PasskeyRefused { cause },
    }
}

/// Refuses an answer whose `type` is not `public-key`, or whose `id` is not
/// the base64url form of its `rawId` (WebAuthn §5.1: `id` is
/// `base64url(rawId)`; §5.1.4 `type` is always "public-key"). webauthn-rs
/// reads only `rawId` and ignores both.
pub fn require_well_formed(id: &str, raw_id: &[u8], type_: &str) -> Result<()> {
    use base64::Engine;
    if type_ != "public-key" {
        tracing::warn!(type_, "a WebAuthn answer of another credential type");
        return Err(Error::PasskeyRefused {
            cause: "wrong_credential_type",
        });
    }
    if id != base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw_id) {
        tracing::warn!("a WebAuthn answer whose id is not its rawId");
        return Err(Error::PasskeyRefused {
            cause: "id_mismatch",
        });
    }
    Ok(())
}

/// Refuses an assertion made in a cross-origin frame (`crossOrigin: true`
/// in its client data). webauthn-rs 0.5 checks this flag at registration
/// but not at authentication; a page of another site embedding ours must
/// not be able to sign someone in.
pub fn refuse_cross_origin(credential: &PublicKeyCredential) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct ClientData {
        #[serde(rename = "crossOrigin", default)]
        cross_origin: Option<bool>,
    }
    let bytes: &[u8] = credential.response.client_data_json.as_ref();
    // Unreadable client data is left to webauthn-rs, which refuses it.
    let cross_origin = serde_json::from_slice::<ClientData>(bytes)
        .ok()
        .and_then(|data| data.cross_origin);
    if cross_origin == Some(true) {
        tracing::warn!("passkey assertion from a cross-origin frame");
        return Err(Error::PasskeyRefused {
            cause: "cross_origin",
        });
    }
    Ok(())
}

/// Facts the attestation object carries that webauthn-rs' `Passkey` does
/// not expose: the authenticator model, backup flags, and counter.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RegistrationFacts {
    pub aaguid: String,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub sign_count: u32,
}

/// Reads the authenticator data of an attestation object (already verified
/// by webauthn-rs): flags at byte 32, counter at 33..37, AAGUID at 37..53.
pub fn registration_facts(attestation_object: &[u8]) -> Result<RegistrationFacts> {
    use serde_cbor_2::Value;
    let invalid = || Error::BadRequest("The passkey's attestation could not be read.".into());
    let value: Value = serde_cbor_2::from_slice(attestation_object).map_err(|_| invalid())?;
    let Value::Map(map) = value else {
        return Err(invalid());
    };
    let Some(Value::Bytes(auth_data)) = map.get(&Value::Text("authData".into())) else {
        return Err(invalid());
    };
    if auth_data.len() < 55 || auth_data[32] & 0x40 == 0 {
        return Err(invalid());
    }
    let flags = auth_data[32];
    let counter: [u8; 4] = auth_data[33..37].try_into().map_err(|_| invalid())?;
    let aaguid = Uuid::from_slice(&auth_data[37..53]).map_err(|_| invalid())?;
    Ok(RegistrationFacts {
        aaguid: aaguid.hyphenated().to_string(),
        backup_eligible: flags & 0x08 != 0,
        backed_up: flags & 0x10 != 0,
        sign_count: u32::from_be_bytes(counter),
    })
}

/// The most transports kept for one passkey (WebAuthn defines six today).
const MAX_TRANSPORTS: usize = 8;

/// The transports a browser reported at registration
/// (`response.transports`), read from the JSON as sent, so that a value
/// newer than webauthn-rs knows (`smart-card`) is kept as it is: the
/// browser routes its next request by them (WebAuthn §5.8.4, "clients …
/// SHOULD store the transports … and pass them back"). Kept: distinct
/// strings of 1–32 lower-case letters, digits or hyphens, at most 8;
/// anything else is dropped (a client's hint, never trusted for a check).
pub fn reported_transports(credential: &serde_json::Value) -> Vec<String> {
    let listed = credential["response"]["transports"].as_array();
    let mut kept: Vec<String> = Vec::new();
    for value in listed.into_iter().flatten() {
        let Some(name) = value.as_str() else { continue };
        let well_formed = (1..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if well_formed && kept.len() < MAX_TRANSPORTS && !kept.iter().any(|k| k == name) {
            kept.push(name.to_owned());
        }
    }
    kept
}

/// `options` as JSON, with each entry of `publicKey.<list>`
/// (`allowCredentials` or `excludeCredentials`) carrying the transports
/// `transports_of` gives for its id (base64url) — the member left out when
/// there are none. webauthn-rs's own types would turn an unknown transport
/// into "unknown"; this keeps what the browser reported.
pub fn with_transports<T: serde::Serialize>(
    options: &T,
    list: &str,
    transports_of: impl Fn(&str) -> Vec<String>,
) -> Result<serde_json::Value> {
    let mut json = serde_json::to_value(options)
        .map_err(|e| Error::Internal(format!("options as JSON: {e}")))?;
    let entries = json["publicKey"][list].as_array_mut();
    for entry in entries.into_iter().flatten() {
        let id = entry["id"].as_str().unwrap_or_default().to_owned();
        let transports = transports_of(&id);
        if let Some(entry) = entry.as_object_mut() {
            if transports.is_empty() {
                entry.remove("transports");
            } else {
                entry.insert("transports".into(), transports.into());
            }
        }
    }
    Ok(json)
}
