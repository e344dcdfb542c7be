//! The Security log tab: the org's audit trail in words, newest first,
//! filtered by member (from the Members tab's "Log" link), event,
//! outcome and dates (UTC), paged, and exported as CSV with the same
//! filters.

use super::{Gate, Pager};
use crate::actions::task;
use crate::api::LogFilter;
use crate::browser::time::date_time;
use crate::routes::{AdminSection, Page};
use common::{SecurityLogEntry, SecurityLogPage};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub(super) fn SecurityLogTab(gate: Gate) -> impl IntoView {
    let query = use_query_map();
    let member = Memo::new(move |_| query.with(|q| q.get("member").unwrap_or_default()));
    let event = RwSignal::new(String::new());
    let outcome = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    // The filters applied (the form's, once submitted).
    let applied = RwSignal::new(LogFilter::default());
    Effect::new(move |_| {
        let member = member.get();
        applied.update(|f| f.member = member);
    });
    let page = RwSignal::new(1_i64);
    let log = RwSignal::new(None::<Result<SecurityLogPage, String>>);
    // The event list of the first answer (it never changes).
    let events = RwSignal::new(Vec::new());
    let load = task(move || {
        let (filter, p) = (applied.get_untracked(), page.get_untracked());
        async move {
            let loaded = match crate::api::admin_security_log(&filter, p).await {
                Ok(page) => {
                    if events.try_with_untracked(Vec::is_empty) == Some(true) {
                        events.try_set(page.events.clone());
                    }
                    Some(Ok(page))
                }
                Err(e) => gate.shown(e, None).map(Err),
            };
            log.try_set(loaded);
        }
    });
    Effect::new(move |_| {
        gate.track();
        applied.track();
        page.track();
        load.dispatch(());
    });
    let form_error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let date = |field: RwSignal<String>, end: bool| {
            let text = field.get_untracked();
            if text.is_empty() {
                return Ok(None);
            }
            crate::browser::time::utc_day_start(&text)
                .map(|t| Some(if end { t + 86_399 } else { t }))
                .ok_or_else(|| format!("“{text}” is not a date."))
        };
        match (date(from, false), date(to, true)) {
            (Ok(from), Ok(to)) => {
                form_error.set(None);
                page.set(1);
                applied.set(LogFilter {
                    member: member.get_untracked(),
                    event: event.get_untracked(),
                    outcome: outcome.get_untracked(),
                    from,
                    to,
                });
            }
            (Err(e), _) | (_, Err(e)) => form_error.set(Some(e)),
        }
    };
    let export = move || {
        format!(
            "/api/admin/security-log/export?{}",
            crate::api::security_log_query(&applied.get())
        )
    };
    let total = Signal::derive(move || {
        log.with(|l| match l {
            Some(Ok(p)) => p.total,
            _ => 0,
        })
    });
    view! {
        <section class="card" aria-labelledby="log-heading">
            <h2 id="log-heading">"Security log"</h2>
            <Show when=move || !member.get().is_empty()>
                <p class="notice">
                    "Showing one member's events. "
                    <a href=Page::Admin(AdminSection::SecurityLog).path()>"Show everyone's"</a>
                </p>
            </Show>
            <form class="filters" on:submit=submit>
                <div class="field">
                    <label for="log-event">"Event"</label>
                    <select id="log-event" on:change=move |ev| event.set(event_target_value(&ev))>
                        <option value="">"All events"</option>
                        {move || events.get().into_iter().map(|e| view! {
                            <option value=e.name.clone() selected=event.get_untracked() == e.name>{e.words}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="log-outcome">"Outcome"</label>
                    <select id="log-outcome" on:change=move |ev| outcome.set(event_target_value(&ev))>
                        <option value="">"Any"</option>
                        <option value="success">"Succeeded"</option>
                        <option value="failure">"Failed"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="log-from">"From (UTC)"</label>
                    <input id="log-from" type="date" bind:value=from />
                </div>
                <div class="field">
                    <label for="log-to">"To (UTC)"</label>
                    <input id="log-to" type="date" bind:value=to />
                </div>
                <button type="submit">"Filter"</button>
                <a class="button" href=export download="security-log.csv">"Export as CSV"</a>
            </form>
            <p role="alert" class="error" class:empty=move || form_error.with(Option::is_none)>{move || form_error.get()}</p>
            {move || log.with(|l| match l {
                None => view! { <p class="hint">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p role="alert" class="error">{e.clone()}</p> }.into_any(),
                Some(Ok(p)) if p.entries.is_empty() => view! { <p>"No event matches."</p> }.into_any(),
                Some(Ok(p)) => view! {
                    <div class="table-scroll" tabindex="0" role="region" aria-label="Security log entries">
                        <table class="log">
                            <thead>
                                <tr>
                                    <th scope="col">"When"</th>
                                    <th scope="col">"What"</th>
                                    <th scope="col">"Member"</th>
                                    <th scope="col">"Outcome"</th>
                                    <th scope="col">"From"</th>
                                </tr>
                            </thead>
                            <tbody>{p.entries.iter().map(row).collect_view()}</tbody>
                        </table>
                    </div>
                }
                .into_any(),
            })}
            <Pager page total page_size=50 noun="events" />
        </section>
    }
}

fn row(e: &SecurityLogEntry) -> impl IntoView + use<> {
    let outcome = if e.outcome == "failure" {
        match &e.cause {
            Some(cause) => format!("Failed ({})", cause.replace('_', " ")),
            None => "Failed".to_owned(),
        }
    } else {
        "Succeeded".to_owned()
    };
    let by = e
        .actor_email
        .as_ref()
        .map(|a| format!(" (by {a})"))
        .unwrap_or_default();
    let from = match &e.client_addr {
        Some(addr) => format!("{} · {addr}", e.browser),
        None => e.browser.clone(),
    };
    view! {
        <tr class:failed=e.outcome == "failure">
            <td>{date_time(e.at)}</td>
            <td>{e.words.clone()} {by}</td>
            <td>{e.member_email.clone().unwrap_or_else(|| "—".to_owned())}</td>
            <td>{outcome}</td>
            <td>{from}</td>
        </tr>
    }
}
