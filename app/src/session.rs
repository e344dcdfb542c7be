//! Who is signed in, as far as the app knows: loaded once from the server
//! at start, then updated by sign-in and logout. The server stays the
//! authority: every API call checks the cookie again.

use common::{SecondStep, SessionInfo};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Debug, Clone, PartialEq)]
pub enum SessionState {
    /// The first `GET /api/session` has not answered yet.
    Loading,
    SignedOut,
    SignedIn(SessionInfo),
    /// Signed in by a recovery code or an enrollment link: the session can
    /// only add a passkey (or set a password) until it has; the console is
    /// closed to it. `password_allowed`: whether to offer a password (an
    /// enrollment link says; otherwise it is offered and the server decides).
    Enrolling {
        info: SessionInfo,
        password_allowed: bool,
    },
}

/// Shared handle to the session state, provided as context by [`provide_session`].
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<SessionState>, RwSignal<Option<String>>);

impl Session {
    pub fn get(&self) -> SessionState {
        self.0.get()
    }
    /// The signed-in session, if any (tracked: a view reading it follows
    /// sign-in, logout and changes such as turning 2FA on).
    pub fn info(&self) -> Option<SessionInfo> {
        match self.0.get() {
            SessionState::SignedIn(info) => Some(info),
            _ => None,
        }
    }
    /// The session at its enrolment step, if it is there (tracked).
    pub fn enrolling(&self) -> Option<(SessionInfo, bool)> {
        match self.0.get() {
            SessionState::Enrolling {
                info,
                password_allowed,
            } => Some((info, password_allowed)),
            _ => None,
        }
    }
    /// Signed in, or at the enrolment step when `info` says so.
    pub fn set_signed_in(&self, info: SessionInfo) {
        let password_allowed = !info.passkey_required;
        self.set_enrolling(info, password_allowed);
    }
    /// As [`Session::set_signed_in`], saying whether the enrolment step
    /// offers a password.
    pub fn set_enrolling(&self, info: SessionInfo, password_allowed: bool) {
        self.0.set(if info.pending == Some(SecondStep::Enroll) {
            SessionState::Enrolling {
                info,
                password_allowed,
            }
        } else {
            SessionState::SignedIn(info)
        });
    }
    pub fn set_signed_out(&self) {
        self.0.set(SessionState::SignedOut);
    }
    /// Why the server ended the last session (the org's policy changed),
    /// for the sign-in page to say.
    pub fn ended_because(&self) -> Option<String> {
        self.1.get()
    }
}

/// Provides the [`Session`] context, asks the server who is signed in, and
/// returns the handle.
pub fn provide_session() -> Session {
    let session = Session(RwSignal::new(SessionState::Loading), RwSignal::new(None));
    provide_context(session);
    spawn_local(async move {
        // The page draws itself first (the sign-in page needs no answer to
        // show its form); the question goes out right after.
        crate::browser::paint::after_next_paint().await;
        // A network failure counts as signed out: the login page then says
        // what went wrong when the person tries to sign in.
        match crate::api::session().await {
            Ok(Some(info)) => session.set_signed_in(info),
            Err(e) if e.code == common::ErrorCode::SessionEnded => {
                session.1.set(Some(e.message));
                session.set_signed_out();
            }
            Ok(None) | Err(_) => session.set_signed_out(),
        }
    });
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
