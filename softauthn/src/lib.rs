//! A software passkey authenticator: P-256 keys (or RSA and Ed25519 ones,
//! and RS1 for the refusal tests), "none" attestation, and
//! the clientDataJSON and authenticatorData a browser and authenticator
//! would produce, signed here.
//!
//! It answers the server's WebAuthn options (as JSON) the way an honest
//! platform authenticator does, and — for the attack tests — can be told to
//! answer the way a broken or malicious one would: wrong ceremony type,
//! origin or RP ID, the cross-origin flag, missing presence or verification
//! flags, a bad signature, a chosen credential id or counter.
//!
//! It is used by the server's API tests, the load generator (`bench/`) and
//! the crash-safety script, which is why a passkey can be saved and loaded.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;
use serde_cbor_2::Value as Cbor;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The key type and signature algorithm of a credential (COSE, RFC 9053).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256 (COSE -7): what platform authenticators use.
    #[default]
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (COSE -257): Windows Hello's.
    Rs256,
    /// Ed25519 (COSE -8).
    EdDsa,
    /// RSASSA-PKCS1-v1_5 with SHA-1 (COSE -65535): broken, to be refused.
    Rs1,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::Rs256 => "RS256",
            Algorithm::EdDsa => "EdDSA",
            Algorithm::Rs1 => "RS1",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [Self::Es256, Self::Rs256, Self::EdDsa, Self::Rs1]
            .into_iter()
            .find(|a| a.name() == name)
    }

    /// A new key pair and its public key as a COSE_Key map.
    fn generate(self) -> Result<(PKey<Private>, Cbor)> {
        Ok(match self {
            Algorithm::Es256 => {
                let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
                let ec = EcKey::generate(&group)?;
                let mut ctx = BigNumContext::new()?;
                let mut x = BigNum::new()?;
                let mut y = BigNum::new()?;
                ec.public_key()
                    .affine_coordinates(&group, &mut x, &mut y, &mut ctx)?;
                let cose = Cbor::Map(BTreeMap::from([
                    (Cbor::Integer(1), Cbor::Integer(2)),  // kty: EC2
                    (Cbor::Integer(3), Cbor::Integer(-7)), // alg: ES256
                    (Cbor::Integer(-1), Cbor::Integer(1)), // crv: P-256
                    (Cbor::Integer(-2), Cbor::Bytes(x.to_vec_padded(32)?)),
                    (Cbor::Integer(-3), Cbor::Bytes(y.to_vec_padded(32)?)),
                ]));
                (PKey::from_ec_key(ec)?, cose)
            }
            Algorithm::Rs256 | Algorithm::Rs1 => {
                let rsa = Rsa::generate(2048)?;
                let alg = if self == Algorithm::Rs256 {
                    -257
                } else {
                    -65535
                };
                let cose = Cbor::Map(BTreeMap::from([
                    (Cbor::Integer(1), Cbor::Integer(3)), // kty: RSA
                    (Cbor::Integer(3), Cbor::Integer(alg)),
                    (Cbor::Integer(-1), Cbor::Bytes(rsa.n().to_vec())), // n
                    (Cbor::Integer(-2), Cbor::Bytes(rsa.e().to_vec())), // e
                ]));
                (PKey::from_rsa(rsa)?, cose)
            }
            Algorithm::EdDsa => {
                let key = PKey::generate_ed25519()?;
                let x = key.raw_public_key()?;
                let cose = Cbor::Map(BTreeMap::from([
                    (Cbor::Integer(1), Cbor::Integer(1)),  // kty: OKP
                    (Cbor::Integer(3), Cbor::Integer(-8)), // alg: EdDSA
                    (Cbor::Integer(-1), Cbor::Integer(6)), // crv: Ed25519
                    (Cbor::Integer(-2), Cbor::Bytes(x)),
                ]));
                (key, cose)
            }
        })
    }

    /// Signs `data` with `key` as this algorithm does.
    fn sign(self, key: &PKey<Private>, data: &[u8]) -> Result<Vec<u8>> {
        Ok(match self {
            Algorithm::Es256 | Algorithm::Rs256 => {
                let mut signer = Signer::new(MessageDigest::sha256(), key)?;
                signer.update(data)?;
                signer.sign_to_vec()?
            }
            Algorithm::Rs1 => {
                let mut signer = Signer::new(MessageDigest::sha1(), key)?;
                signer.update(data)?;
                signer.sign_to_vec()?
            }
            Algorithm::EdDsa => Signer::new_without_digest(key)?.sign_oneshot_to_vec(data)?,
        })
    }
}

/// authenticatorData flags (WebAuthn §6.1).
const UP: u8 = 0x01;
const UV: u8 = 0x04;
const BE: u8 = 0x08;
const BS: u8 = 0x10;
const AT: u8 = 0x40;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("crypto: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
    #[error("the options lack {0}")]
    Options(&'static str),
    #[error("a saved passkey is malformed: {0}")]
    Saved(&'static str),
}

pub type Result<T> = std::result::Result<T, Error>;

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str, what: &'static str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| Error::Options(what))
}

fn text<'a>(value: &'a Json, what: &'static str) -> Result<&'a str> {
    value.as_str().ok_or(Error::Options(what))
}

/// What goes into clientDataJSON, where it may differ from the honest answer.
#[derive(Clone, Debug, Default)]
pub struct ClientData {
    /// Replaces "webauthn.create" / "webauthn.get".
    pub kind: Option<String>,
    /// Replaces the passkey's origin.
    pub origin: Option<String>,
    /// Sets `crossOrigin: true` (the ceremony ran in a cross-origin iframe).
    pub cross_origin: bool,
    /// Replaces the challenge the server sent.
    pub challenge: Option<String>,
}

/// How a registration is answered; the defaults are an honest platform
/// authenticator's answer.
#[derive(Clone, Debug)]
pub struct Make {
    /// The credential's key type and signature algorithm.
    pub algorithm: Algorithm,
    pub credential_id_len: usize,
    /// A chosen credential id (instead of `credential_id_len` random bytes).
    pub credential_id: Option<Vec<u8>>,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub user_present: bool,
    pub user_verified: bool,
    /// Hash this RP ID into authenticatorData instead of the options' one.
    pub rp_id: Option<String>,
    pub client: ClientData,
}

impl Default for Make {
    fn default() -> Self {
        Make {
            algorithm: Algorithm::Es256,
            credential_id_len: 32,
            credential_id: None,
            backup_eligible: false,
            backed_up: false,
            user_present: true,
            user_verified: true,
            rp_id: None,
            client: ClientData::default(),
        }
    }
}

/// How an assertion is answered; the defaults are honest.
#[derive(Clone, Debug)]
pub struct Assert {
    pub counter: u32,
    pub user_present: bool,
    pub user_verified: bool,
    /// Hash this RP ID into authenticatorData instead of the options' one.
    pub rp_id: Option<String>,
    pub client: ClientData,
    /// Flip a bit of the signature.
    pub bad_signature: bool,
    /// The backup flags (BE, BS) in authenticatorData.
    pub backup_eligible: bool,
    pub backed_up: bool,
}

impl Default for Assert {
    fn default() -> Self {
        Assert {
            counter: 0,
            user_present: true,
            user_verified: true,
            rp_id: None,
            client: ClientData::default(),
            bad_signature: false,
            backup_eligible: false,
            backed_up: false,
        }
    }
}

/// One credential: a P-256 key, its id, and the user handle it was made for.
pub struct SoftPasskey {
    key: PKey<Private>,
    pub credential_id: Vec<u8>,
    pub user_handle: Vec<u8>,
    pub origin: String,
    pub algorithm: Algorithm,
}

impl SoftPasskey {
    /// Answers `navigator.credentials.create` for `options` (the server's
    /// CreationChallengeResponse JSON).
    pub fn register(options: &Json, origin: &str) -> Result<(Self, Json)> {
        Self::register_with(options, origin, Make::default())
    }

    /// Like [`SoftPasskey::register`], with the answer shaped by `make`.
    pub fn register_with(options: &Json, origin: &str, make: Make) -> Result<(Self, Json)> {
        let (key, cose) = make.algorithm.generate()?;
        let credential_id = match &make.credential_id {
            Some(id) => id.clone(),
            None => (0..make.credential_id_len)
                .map(|_| rand::random())
                .collect(),
        };
        let public_key = &options["publicKey"];
        let user_handle = unb64(text(&public_key["user"]["id"], "user.id")?, "user.id")?;
        let rp_id = match &make.rp_id {
            Some(rp_id) => rp_id.as_str(),
            None => text(&public_key["rp"]["id"], "rp.id")?,
        };
        let challenge = text(&public_key["challenge"], "challenge")?;

        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(
            AT | flag(make.user_present, UP)
                | flag(make.user_verified, UV)
                | flag(make.backup_eligible, BE)
                | flag(make.backed_up, BS),
        );
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID: undisclosed
        let id_len = u16::try_from(credential_id.len())
            .map_err(|_| Error::Options("a credential id under 64 KiB"))?;
        auth_data.extend_from_slice(&id_len.to_be_bytes());
        auth_data.extend_from_slice(&credential_id);
        auth_data.extend(cbor(&cose));

        let attestation = Cbor::Map(BTreeMap::from([
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new())),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]));
        let client_data = client_data("webauthn.create", challenge, origin, &make.client);

        let passkey = SoftPasskey {
            key,
            credential_id: credential_id.clone(),
            user_handle,
            origin: origin.to_owned(),
            algorithm: make.algorithm,
        };
        let response = json!({
            "id": b64(&credential_id),
            "rawId": b64(&credential_id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&cbor(&attestation)),
                "clientDataJSON": b64(&client_data),
                // What Chromium's and Safari's platform passkeys report.
                "transports": ["hybrid", "internal"],
            },
            "extensions": {},
        });
        Ok((passkey, response))
    }

    /// Answers `navigator.credentials.get` for `options` with this
    /// credential, shaped by `how`.
    pub fn assert_custom(&self, options: &Json, how: &Assert) -> Result<Json> {
        let public_key = &options["publicKey"];
        let rp_id = match &how.rp_id {
            Some(rp_id) => rp_id.as_str(),
            None => text(&public_key["rpId"], "rpId")?,
        };
        let challenge = text(&public_key["challenge"], "challenge")?;
        let client_data = client_data("webauthn.get", challenge, &self.origin, &how.client);
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(
            flag(how.user_present, UP)
                | flag(how.user_verified, UV)
                | flag(how.backup_eligible, BE)
                | flag(how.backed_up, BS),
        );
        auth_data.extend_from_slice(&how.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let mut signature = self.algorithm.sign(&self.key, &signed)?;
        if how.bad_signature {
            if let Some(last) = signature.last_mut() {
                *last ^= 0x01;
            }
        }
        Ok(json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(&signature),
                "userHandle": b64(&self.user_handle),
            },
            "extensions": {},
        }))
    }

    /// Answers with the given counter and user-verification flag.
    pub fn assert_with(&self, options: &Json, counter: u32, user_verified: bool) -> Result<Json> {
        let how = Assert {
            counter,
            user_verified,
            ..Assert::default()
        };
        self.assert_custom(options, &how)
    }

    /// A normal, user-verified assertion.
    pub fn assert(&self, options: &Json, counter: u32) -> Result<Json> {
        self.assert_with(options, counter, true)
    }

    /// The passkey as one JSON value (private key included), so a client
    /// can sign in with it again after a restart.
    pub fn save(&self) -> Result<Json> {
        Ok(json!({
            "key": b64(&self.key.private_key_to_pkcs8()?),
            "credential_id": b64(&self.credential_id),
            "user_handle": b64(&self.user_handle),
            "origin": self.origin,
            "algorithm": self.algorithm.name(),
        }))
    }

    /// The inverse of [`SoftPasskey::save`].
    pub fn load(saved: &Json) -> Result<Self> {
        let field = |name: &'static str| -> Result<Vec<u8>> {
            let text = saved[name].as_str().ok_or(Error::Saved(name))?;
            URL_SAFE_NO_PAD.decode(text).map_err(|_| Error::Saved(name))
        };
        Ok(SoftPasskey {
            key: PKey::private_key_from_pkcs8(&field("key")?)?,
            credential_id: field("credential_id")?,
            user_handle: field("user_handle")?,
            origin: saved["origin"]
                .as_str()
                .ok_or(Error::Saved("origin"))?
                .to_owned(),
            // Saved before algorithms other than ES256 existed: ES256.
            algorithm: match saved["algorithm"].as_str() {
                None => Algorithm::Es256,
                Some(name) => Algorithm::from_name(name).ok_or(Error::Saved("algorithm"))?,
            },
        })
    }
}

fn flag(on: bool, bit: u8) -> u8 {
    if on {
        bit
    } else {
        0
    }
}

fn cbor(value: &Cbor) -> Vec<u8> {
    // Serialising an in-memory CBOR value only fails on a broken writer;
    // a Vec never is one.
    serde_cbor_2::to_vec(value).unwrap_or_default()
}

fn client_data(kind: &str, challenge: &str, origin: &str, over: &ClientData) -> Vec<u8> {
    let value = json!({
        "type": over.kind.as_deref().unwrap_or(kind),
        "challenge": over.challenge.as_deref().unwrap_or(challenge),
        "origin": over.origin.as_deref().unwrap_or(origin),
        "crossOrigin": over.cross_origin,
    });
    value.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creation_options() -> Json {
        json!({ "publicKey": {
            "challenge": b64(b"0123456789abcdef"),
            "rp": { "id": "localhost", "name": "x" },
            "user": { "id": b64(b"handle"), "name": "a", "displayName": "A" },
        }})
    }

    #[test]
    fn a_saved_passkey_loads_and_signs_the_same() {
        let (passkey, _) = SoftPasskey::register(&creation_options(), "http://localhost").unwrap();
        let loaded = SoftPasskey::load(&passkey.save().unwrap()).unwrap();
        assert_eq!(loaded.credential_id, passkey.credential_id);
        assert_eq!(loaded.user_handle, b"handle");
        assert_eq!(
            loaded.key.public_key_to_der().unwrap(),
            passkey.key.public_key_to_der().unwrap()
        );
    }

    #[test]
    fn tampering_changes_what_is_signed() {
        let (passkey, _) = SoftPasskey::register(&creation_options(), "http://localhost").unwrap();
        let request = json!({ "publicKey": { "challenge": b64(b"c"), "rpId": "localhost" } });
        let honest = passkey.assert(&request, 1).unwrap();
        let how = Assert {
            counter: 1,
            user_present: false,
            client: ClientData {
                cross_origin: true,
                ..ClientData::default()
            },
            ..Assert::default()
        };
        let tampered = passkey.assert_custom(&request, &how).unwrap();
        let data = |j: &Json, f: &str| unb64(j["response"][f].as_str().unwrap(), "x").unwrap();
        assert_eq!(data(&honest, "authenticatorData")[32], UP | UV);
        assert_eq!(data(&tampered, "authenticatorData")[32], UV);
        let client: Json = serde_json::from_slice(&data(&tampered, "clientDataJSON")).unwrap();
        assert_eq!(client["crossOrigin"], true);
        assert_eq!(client["type"], "webauthn.get");
    }
}
