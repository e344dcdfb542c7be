//! Feeds arbitrary bytes to what decodes and verifies the credential JSON a
//! client sends at the end of a ceremony: the `common` wire types, the
//! cross-origin check, the attestation reader, and webauthn-rs' finish of a
//! registration and of a discoverable sign-in against fixed states (made by
//! `make_seeds`). Any panic, overflow or hang is a finding; refusals are not.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use webauthn_rs::prelude::*;

struct Fixtures {
    rp: Webauthn,
    registration: PasskeyRegistration,
    authentication: DiscoverableAuthentication,
    key: DiscoverableKey,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let origin = Url::parse("http://localhost:3000").unwrap();
        let rp = WebauthnBuilder::new("localhost", &origin)
            .unwrap()
            .build()
            .unwrap();
        let read = |name: &str| std::fs::read_to_string(format!("fixtures/{name}")).unwrap();
        let passkey: Passkey = serde_json::from_str(&read("passkey.json")).unwrap();
        Fixtures {
            rp,
            registration: serde_json::from_str(&read("registration_state.json")).unwrap(),
            authentication: serde_json::from_str(&read("authentication_state.json")).unwrap(),
            key: DiscoverableKey::from(passkey),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixtures();
    if let Ok(finish) = serde_json::from_slice::<common::AssertionFinish>(data) {
        let _ = domain::webauthn::refuse_cross_origin(&finish.credential);
        let _ =
            f.rp.identify_discoverable_authentication(&finish.credential);
        let _ = f.rp.finish_discoverable_authentication(
            &finish.credential,
            f.authentication.clone(),
            std::slice::from_ref(&f.key),
        );
    }
    if let Ok(finish) = serde_json::from_slice::<common::RegisterFinish>(data) {
        let _ = domain::webauthn::registration_facts(
            finish.credential.response.attestation_object.as_ref(),
        );
        let _ =
            f.rp.finish_passkey_registration(&finish.credential, &f.registration);
    }
});
