//! Who is signed in, as far as the app knows: loaded once from the server
//! at start, then updated by sign-in and logout. The server stays the
//! authority: every API call checks the cookie again.

use common::SessionInfo;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Debug, Clone, PartialEq)]
pub enum SessionState {
    /// The first `GET /api/session` has not answered yet.
    Loading,
    SignedOut,
    SignedIn(SessionInfo),
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
    pub fn set_signed_in(&self, info: SessionInfo) {
        self.0.set(SessionState::SignedIn(info));
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
