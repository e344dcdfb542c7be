//! The only place with SQL: one file per table family. Queries are written
//! once in SQL that SQLite and PostgreSQL both accept (see [`db`]);
//! changes that touch several rows run in one transaction.

pub mod accounts;
pub mod audit;
pub mod ceremonies;
pub mod db;
pub mod email_tokens;
pub mod keys;
pub mod lockout;
pub mod mail_queue;
pub mod members;
pub mod orgs;
pub mod passkeys;
pub mod recovery_codes;
pub mod sessions;
pub mod sso;
pub mod totp;
pub mod writer;
