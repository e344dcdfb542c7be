//! The Members tab: search and page through the org's members (email,
//! name, role, two-factor, passkeys synced or on one device, last sign-in
//! and how), change a role, reset a member's sign-in, remove a member,
//! invite a new one.

use super::{Gate, Pager};
use crate::actions::task;
use crate::browser::time::date_time;
use crate::components::form::{Field, FieldKind, Outcome};
use crate::routes::{AdminSection, Page};
use crate::session::use_session;
use common::{Invitation, Member, MemberPage, Role, RoleChange};
use leptos::prelude::*;

/// A last sign-in's method (`Member::last_sign_in_method`) in words.
pub(super) fn method_words(method: &str) -> &'static str {
    match method {
        "passkey" => "passkey",
        "password" => "password",
        "totp" => "password and code",
        "recovery_code" => "recovery code",
        "sso" => "single sign-on",
        _ => "another way",
    }
}

fn role_words(role: Role) -> &'static str {
    match role {
        Role::Member => "Member",
        Role::Admin => "Admin",
        Role::Owner => "Owner",
    }
}

/// A change to one member, run by the tab's change task.
#[derive(Debug, Clone, PartialEq)]
enum MemberChange {
    Role {
        id: String,
        email: String,
        role: Role,
    },
    Remove {
        id: String,
        email: String,
    },
    Reset {
        id: String,
        email: String,
    },
}

#[component]
pub(super) fn MembersTab(gate: Gate) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let page = RwSignal::new(1_i64);
    let list = RwSignal::new(None::<Result<MemberPage, String>>);
    let load = task(move || {
        let (q, p) = (query.get_untracked(), page.get_untracked());
        async move {
            let loaded = match crate::api::admin_members(&q, p, false).await {
                Ok(page) => Some(Ok(page)),
                Err(e) => gate.shown(e, None).map(Err),
            };
            list.try_set(loaded);
        }
    });
    Effect::new(move |_| {
        gate.track();
        query.track();
        page.track();
        load.dispatch(());
    });
    let outcome = (RwSignal::new(None::<String>), RwSignal::new(None::<String>));
    let running = RwSignal::new(None::<MemberChange>);
    let change = StoredValue::new(None::<crate::actions::Task>);
    let change_task = task(move || {
        let what = running.get_untracked();
        async move {
            let Some(what) = what else { return };
            let result = match &what {
                MemberChange::Role { id, role, .. } => {
                    crate::api::admin_set_role(id, &RoleChange { role: *role }).await
                }
                MemberChange::Remove { id, .. } => crate::api::admin_remove_member(id).await,
                MemberChange::Reset { id, .. } => crate::api::admin_reset_member(id).await,
            };
            match result {
                Ok(()) => {
                    let done = match what {
                        MemberChange::Role { email, role, .. } => {
                            format!("{email} is now {}. They were told by email.", role_words(role).to_lowercase())
                        }
                        MemberChange::Reset { email, .. } => format!(
                            "{email}'s password, passkeys, recovery codes, two-factor authentication and \
                             sessions are gone. They were mailed a link to set up a new passkey."
                        ),
                        MemberChange::Remove { email, .. } => format!(
                            "{email} was removed, with their passkeys and sessions. They were told by email."
                        ),
                    };
                    outcome.0.try_set(Some(done));
                }
                Err(e) => {
                    let again = change.get_value();
                    outcome.1.try_set(gate.shown(e, again));
                }
            }
            load.dispatch(());
        }
    });
    change.set_value(Some(change_task));
    let run = move |what: MemberChange| {
        if !change_task.pending().get_untracked() {
            outcome.0.set(None);
            outcome.1.set(None);
            running.set(Some(what));
            change_task.dispatch(());
        }
    };
    let total = Signal::derive(move || {
        list.with(|l| match l {
            Some(Ok(p)) => p.total,
            _ => 0,
        })
    });
    view! {
        <section class="card" aria-labelledby="members-heading">
            <h2 id="members-heading">"Members"</h2>
            <form
                role="search"
                class="inline-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    page.set(1);
                    query.set(search.get_untracked());
                }
            >
                <label for="member-search">"Search members"</label>
                <input id="member-search" type="search" placeholder="Email or name" bind:value=search />
                <button type="submit">"Search"</button>
            </form>
            {move || list.with(|l| match l {
                None => view! { <p class="hint">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p role="alert" class="error">{e.clone()}</p> }.into_any(),
                Some(Ok(p)) if p.members.is_empty() => view! { <p>"No member matches."</p> }.into_any(),
                Some(Ok(p)) => view! {
                    <div class="table-scroll">
                        <table class="members">
                            <thead>
                                <tr>
                                    <th scope="col">"Member"</th>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Sign-in methods"</th>
                                    <th scope="col">"Last sign-in"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {p.members.iter().cloned().map(|m| view! { <MemberRow member=m run /> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            })}
            <Pager page total page_size=50 noun="members" />
            <Outcome notice=outcome.0 error=outcome.1 />
        </section>
        <InviteForm gate on_invited=move || { load.dispatch(()); } />
    }
}

#[component]
fn MemberRow(
    member: Member,
    run: impl Fn(MemberChange) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let you = session.info().is_some_and(|i| i.email == member.email);
    // The change whose question is open on this row.
    let confirming = RwSignal::new(None::<MemberChange>);
    let methods = {
        let mut parts = Vec::new();
        if member.has_password {
            parts.push("Password".to_owned());
        }
        if member.two_factor {
            parts.push("2FA".to_owned());
        }
        match (member.passkeys, member.synced_passkeys) {
            (0, _) => parts.push("No passkey".to_owned()),
            (n, 0) => parts.push(format!("{n} passkey{} on one device", plural(n))),
            (n, s) if s == n => parts.push(format!("{n} synced passkey{}", plural(n))),
            (n, s) => parts.push(format!("{n} passkeys ({s} synced)")),
        }
        parts.join(" · ")
    };
    let last = match (
        member.last_sign_in_at,
        member.last_sign_in_method.as_deref(),
    ) {
        (Some(at), Some(method)) => format!("{} with {}", date_time(at), method_words(method)),
        (Some(at), None) => date_time(at),
        _ => "Never".to_owned(),
    };
    let (id, email) = (member.id.clone(), member.email.clone());
    let on_role = {
        let (id, email) = (id.clone(), email.clone());
        move |ev: leptos::ev::Event| {
            let role = Role::parse(&event_target_value(&ev));
            if let Some(role) = role {
                run(MemberChange::Role {
                    id: id.clone(),
                    email: email.clone(),
                    role,
                });
            }
        }
    };
    let remove = MemberChange::Remove {
        id: id.clone(),
        email: email.clone(),
    };
    let reset = MemberChange::Reset {
        id: id.clone(),
        email: email.clone(),
    };
    let log = format!(
        "{}?member={}",
        Page::Admin(AdminSection::SecurityLog).path(),
        js_sys::encode_uri_component(&id)
    );
    view! {
        <tr>
            <td>
                <strong>{member.display_name.clone()}</strong>
                {you.then(|| view! { <span class="badge">"You"</span> })}
                <br />
                <span class="hint">{member.email.clone()}</span>
            </td>
            <td>
                <select aria-label=format!("Role of {}", member.email) on:change=on_role>
                    {[Role::Member, Role::Admin, Role::Owner]
                        .into_iter()
                        .map(|r| view! { <option value=r.as_str() selected=r == member.role>{role_words(r)}</option> })
                        .collect_view()}
                </select>
            </td>
            <td>{methods}</td>
            <td>{last}</td>
            <td>
                <div class="row-actions">
                <a href=log aria-label=format!("Security log of {}", member.email)>"Log"</a>
                {(!you).then(|| {
                    let email = email.clone();
                    view! {
                    <Show
                        when=move || confirming.get().is_some()
                        fallback=move || {
                            let (reset, remove) = (reset.clone(), remove.clone());
                            view! {
                                <button
                                    type="button"
                                    aria-label=format!("Reset sign-in of {email}")
                                    on:click=move |_| confirming.set(Some(reset.clone()))
                                >
                                    "Reset sign-in"
                                </button>
                                <button
                                    type="button"
                                    class="danger"
                                    aria-label=format!("Remove {email}")
                                    on:click=move |_| confirming.set(Some(remove.clone()))
                                >
                                    "Remove"
                                </button>
                            }
                        }
                    >
                        {move || confirming.get().map(|change| {
                            let (question, label, button) = match &change {
                                MemberChange::Reset { .. } => (
                                    "Reset this member's sign-in? Their password, passkeys, recovery codes and \
                                     two-factor authentication are removed and every session signed out; they get \
                                     an email link to set up a new passkey.",
                                    "Confirm reset",
                                    "Reset sign-in",
                                ),
                                _ => (
                                    "Remove this member? Their passkeys, sessions and links are deleted, and they \
                                     are told by email.",
                                    "Confirm removal",
                                    "Remove member",
                                ),
                            };
                            view! {
                                <div class="confirm" role="group" aria-label=label>
                                    <p>{question}</p>
                                    <button type="button" class="danger" on:click=move |_| {
                                        confirming.set(None);
                                        run(change.clone());
                                    }>
                                        {button}
                                    </button>
                                    <button type="button" on:click=move |_| confirming.set(None)>"Cancel"</button>
                                </div>
                            }
                        })}
                    </Show>
                    }
                })}
                </div>
            </td>
        </tr>
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// "Invite a member": an account without a password, and an enrollment
/// link mailed to the person.
#[component]
fn InviteForm(gate: Gate, on_invited: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member);
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let again = StoredValue::new(None::<crate::actions::Task>);
    let invite = task(move || {
        let body = Invitation {
            email: email.get_untracked(),
            display_name: name.get_untracked(),
            role: Some(role.get_untracked()),
        };
        async move {
            match crate::api::admin_invite(&body).await {
                Ok(member) => {
                    notice.try_set(Some(format!(
                        "Invitation sent to {}. Its link works for 7 days.",
                        member.email
                    )));
                    email.try_set(String::new());
                    name.try_set(String::new());
                    on_invited();
                }
                Err(e) => {
                    error.try_set(gate.shown(e, again.get_value()));
                }
            }
        }
    });
    again.set_value(Some(invite));
    view! {
        <section class="card invite" aria-labelledby="invite-heading">
            <h2 id="invite-heading">"Invite a member"</h2>
            <p class="hint">"They get an email with a link to set up a passkey or a password. The link works for 7 days."</p>
            <form on:submit=move |ev| {
                ev.prevent_default();
                if !invite.pending().get_untracked() {
                    notice.set(None);
                    error.set(None);
                    invite.dispatch(());
                }
            }>
                <Field id="invite-email" label="Email" kind=FieldKind::Email("off") value=email />
                <Field id="invite-name" label="Name" kind=FieldKind::Text("off") value=name />
                <div class="field">
                    <label for="invite-role">"Role"</label>
                    <select id="invite-role" on:change=move |ev| {
                        if let Some(r) = Role::parse(&event_target_value(&ev)) {
                            role.set(r);
                        }
                    }>
                        {[Role::Member, Role::Admin, Role::Owner]
                            .into_iter()
                            .map(|r| view! { <option value=r.as_str() selected=move || role.get() == r>{role_words(r)}</option> })
                            .collect_view()}
                    </select>
                </div>
                <button type="submit" class="primary" aria-disabled=move || invite.pending().get().then_some("true")>
                    "Send invitation"
                </button>
            </form>
            <Outcome notice error />
        </section>
    }
}
