//! Integration tests of the server, through its router and its binary.
//!
//! One test binary (each extra one costs a link). Every test gets its own
//! fresh database: an SQLite file by default, or — when
//! LATCHKEY_TEST_DATABASE_URL names a PostgreSQL server — a new database on
//! it, so the same tests run against both backends.

mod admin;
mod attacks;
mod audit;
mod badinputs;
mod checklist;
mod cli;
mod cross_site;
mod email;
mod idp;
mod instances;
mod login;
mod mail_queue;
mod openapi;
mod operations;
mod passkey_policy;
mod passkeys;
mod policies;
mod rate_limits;
mod recovery;
mod refusals;
mod related_origins;
mod rules;
mod sessions;
mod smtp;
mod sso;
mod support;
mod totp;
