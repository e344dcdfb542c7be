//! The org admin console's rules: who may use it, and what it does.
//!
//! The permission rule, in one place: an operation here takes an
//! [`Admin`], which only [`Admin::check`] makes — from a fresh session
//! (re-authenticated within the window, OWASP ASVS 3.7.1) whose account
//! is an `admin` or `owner` of its org. Every operation then acts inside
//! that org only: another org's account answers as no account at all
//! (403 `forbidden`). Making, unmaking or removing an owner needs an
//! owner, and an org that has an owner always keeps one — both decided in
//! the change's transaction, under the org's lock
//! ([`crate::store::members`]).

pub mod coverage;
pub mod members;
pub mod policy;
pub mod security_log;
pub mod sso;

use crate::error::{Error, Result};
use crate::sessions::Fresh;
use crate::store::sessions::Session;
use common::Role;

/// A fresh session of an org admin or owner: the proof every admin
/// operation asks for.
pub struct Admin {
    session: Fresh,
    role: Role,
}

impl Admin {
    /// `session`, if its account administers its org.
    ///
    /// Errors: [`Error::Forbidden`] (a member).
    pub fn check(session: Fresh) -> Result<Self> {
        let role = Self::role_of(&session)?;
        if session.is_enrolment() {
            // A session opened by a link or a recovery code can only enrol.
            return Err(Error::Forbidden("Finish setting up your sign-in first."));
        }
        Ok(Admin { session, role })
    }

    /// The role of `session`'s account, if it administers its org — asked
    /// before freshness, so that a member is refused outright rather than
    /// asked to confirm it's them first.
    ///
    /// Errors: [`Error::Forbidden`] (a member).
    pub fn role_of(session: &Session) -> Result<Role> {
        match Role::parse(&session.role) {
            Some(role) if role.administers() => Ok(role),
            _ => Err(Error::Forbidden(
                "Only your organization's administrators can do this.",
            )),
        }
    }

    /// The admin's session.
    pub fn session(&self) -> &Fresh {
        &self.session
    }

    /// The admin's own role (`admin` or `owner`).
    pub fn role(&self) -> Role {
        self.role
    }

    /// Errors: [`Error::Forbidden`] unless the admin is an owner.
    fn require_owner(&self) -> Result<()> {
        if self.role == Role::Owner {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "Only an owner can make, unmake or remove owners.",
            ))
        }
    }
}
