//! Secret keys the server makes for itself, once, in the database, so that
//! every instance sharing the database uses the same ones.

use crate::error::{Error, Result};
use crate::store::db::Db;
use crate::with_pool;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

/// The 256-bit key called `name`, created on first use. Concurrent first
/// uses agree: the insert keeps whichever row came first.
pub async fn load_or_create(db: &Db, name: &str) -> Result<[u8; 32]> {
    let mut candidate = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut candidate);
    with_pool!(db, pool => sqlx::query("INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(URL_SAFE_NO_PAD.encode(candidate))
        .execute(pool)
        .await
        .map(|_| ()))?;
    let value = with_pool!(db, pool => sqlx::query_scalar::<_, String>("SELECT value FROM server_keys WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await)?;
    URL_SAFE_NO_PAD
        .decode(value)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| Error::Internal(format!("server key {name} is corrupt")))
}
