//! Writes the fixtures the `credential` target verifies against (relying
//! party state for one registration and one sign-in, and the registered
//! passkey) and a seed corpus of valid finishes, made with the software
//! authenticator. Run once: `cargo run --bin make_seeds` in `fuzz/`.

use serde_json::json;
use softauthn::SoftPasskey;
use std::fs;
use webauthn_rs::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let origin = Url::parse("http://localhost:3000")?;
    let rp = WebauthnBuilder::new("localhost", &origin)?.build()?;
    fs::create_dir_all("fixtures")?;
    fs::create_dir_all("seeds/credential")?;

    // The registration the target will try to finish.
    let (options, reg_state) = rp.start_passkey_registration(Uuid::nil(), "ada", "Ada", None)?;
    let options = serde_json::to_value(&options)?;
    let (passkey, credential) =
        SoftPasskey::register(&options, origin.as_str().trim_end_matches('/'))?;
    let finish = json!({ "ceremony_id": "seed", "credential": credential });
    fs::write("seeds/credential/register.json", finish.to_string())?;
    fs::write(
        "fixtures/registration_state.json",
        serde_json::to_string(&reg_state)?,
    )?;
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(finish["credential"].clone())?;
    let registered = rp.finish_passkey_registration(&credential, &reg_state)?;
    fs::write("fixtures/passkey.json", serde_json::to_string(&registered)?)?;

    // The discoverable sign-in the target will try to finish.
    let (options, auth_state) = rp.start_discoverable_authentication()?;
    let assertion = passkey.assert(&serde_json::to_value(&options)?, 1)?;
    let finish = json!({ "ceremony_id": "seed", "credential": assertion });
    fs::write("seeds/credential/assert.json", finish.to_string())?;
    fs::write(
        "fixtures/authentication_state.json",
        serde_json::to_string(&auth_state)?,
    )?;
    println!("fixtures and seeds written");
    Ok(())
}
