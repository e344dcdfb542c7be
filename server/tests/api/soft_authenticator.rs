//! A minimal software passkey authenticator (ES256, "none" attestation),
//! so the API tests can run whole WebAuthn ceremonies without a browser —
//! and can also produce the malformed or replayed responses a browser never
//! would.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openssl::bn::BigNumContext;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use serde_cbor_2::Value;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const UP: u8 = 0x01;
const UV: u8 = 0x04;
const AT: u8 = 0x40;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .expect("base64url")
}

/// One credential: a P-256 key, its id, and the user handle it was made for.
pub struct SoftPasskey {
    key: PKey<Private>,
    pub credential_id: Vec<u8>,
    pub user_handle: Vec<u8>,
    pub origin: String,
}

/// How a software authenticator answers a registration; the defaults are
/// what an honest platform authenticator sends.
#[derive(Clone, Copy)]
pub struct Make {
    pub credential_id_len: usize,
    pub backup_eligible: bool,
    pub backed_up: bool,
}

impl Default for Make {
    fn default() -> Self {
        Make {
            credential_id_len: 32,
            backup_eligible: false,
            backed_up: false,
        }
    }
}

const BE: u8 = 0x08;
const BS: u8 = 0x10;

impl SoftPasskey {
    /// Answers `navigator.credentials.create` for `options` (the server's
    /// CreationChallengeResponse JSON).
    pub fn register(options: &Json, origin: &str) -> (Self, Json) {
        Self::register_with(options, origin, Make::default())
    }

    /// Like [`SoftPasskey::register`], with the answer shaped by `make`.
    pub fn register_with(options: &Json, origin: &str, make: Make) -> (Self, Json) {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let ec = EcKey::generate(&group).unwrap();
        let mut ctx = BigNumContext::new().unwrap();
        let mut x = openssl::bn::BigNum::new().unwrap();
        let mut y = openssl::bn::BigNum::new().unwrap();
        ec.public_key()
            .affine_coordinates(&group, &mut x, &mut y, &mut ctx)
            .unwrap();
        let key = PKey::from_ec_key(ec).unwrap();
        let credential_id: Vec<u8> = (0..make.credential_id_len)
            .map(|_| rand::random::<u8>())
            .collect();
        let public_key = &options["publicKey"];
        let user_handle = unb64(public_key["user"]["id"].as_str().unwrap());
        let rp_id = public_key["rp"]["id"].as_str().unwrap();

        let mut cose = BTreeMap::new();
        cose.insert(Value::Integer(1), Value::Integer(2)); // kty: EC2
        cose.insert(Value::Integer(3), Value::Integer(-7)); // alg: ES256
        cose.insert(Value::Integer(-1), Value::Integer(1)); // crv: P-256
        cose.insert(
            Value::Integer(-2),
            Value::Bytes(x.to_vec_padded(32).unwrap()),
        );
        cose.insert(
            Value::Integer(-3),
            Value::Bytes(y.to_vec_padded(32).unwrap()),
        );
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        let backup =
            if make.backup_eligible { BE } else { 0 } | if make.backed_up { BS } else { 0 };
        auth_data.push(UP | UV | AT | backup);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID: undisclosed
        auth_data.extend_from_slice(&(credential_id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&credential_id);
        auth_data.extend(serde_cbor_2::to_vec(&Value::Map(cose)).unwrap());

        let mut attestation = BTreeMap::new();
        attestation.insert(Value::Text("fmt".into()), Value::Text("none".into()));
        attestation.insert(Value::Text("attStmt".into()), Value::Map(BTreeMap::new()));
        attestation.insert(Value::Text("authData".into()), Value::Bytes(auth_data));
        let client_data = client_data(
            "webauthn.create",
            public_key["challenge"].as_str().unwrap(),
            origin,
        );

        let passkey = SoftPasskey {
            key,
            credential_id: credential_id.clone(),
            user_handle,
            origin: origin.to_owned(),
        };
        let response = json!({
            "id": b64(&credential_id),
            "rawId": b64(&credential_id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&serde_cbor_2::to_vec(&Value::Map(attestation)).unwrap()),
                "clientDataJSON": b64(&client_data),
                "transports": ["internal"],
            },
            "extensions": {},
        });
        (passkey, response)
    }

    /// Answers `navigator.credentials.get` for `options` with this
    /// credential, the given signature counter and flags.
    pub fn assert_with(&self, options: &Json, counter: u32, user_verified: bool) -> Json {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rpId"].as_str().unwrap();
        let client_data = client_data(
            "webauthn.get",
            public_key["challenge"].as_str().unwrap(),
            &self.origin,
        );
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(if user_verified { UP | UV } else { UP });
        auth_data.extend_from_slice(&counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let mut signer = Signer::new(MessageDigest::sha256(), &self.key).unwrap();
        signer.update(&signed).unwrap();
        let signature = signer.sign_to_vec().unwrap();
        json!({
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
        })
    }

    /// A normal, user-verified assertion.
    pub fn assert(&self, options: &Json, counter: u32) -> Json {
        self.assert_with(options, counter, true)
    }
}

fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    serde_json::to_vec(
        &json!({ "type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false }),
    )
    .unwrap()
}
