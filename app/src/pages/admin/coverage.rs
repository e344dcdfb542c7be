//! The Passkey coverage tab: how far the org has moved to passkeys —
//! the share of members with one (on one device, or synced only), sign-ins
//! by method per day over 30 days (a small SVG chart, and the same figures
//! as a table), and who has no passkey yet, each with "Invite to add a
//! passkey".

use super::{Gate, Pager};
use crate::actions::task;
use common::{Coverage, DaySignIns, MemberPage};
use leptos::prelude::*;

/// `part` of `whole` in whole percent.
fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

#[component]
pub(super) fn CoverageTab(gate: Gate) -> impl IntoView {
    let coverage = RwSignal::new(None::<Result<Coverage, String>>);
    let load = task(move || async move {
        let loaded = match crate::api::admin_coverage().await {
            Ok(c) => Some(Ok(c)),
            Err(e) => gate.shown(e, None).map(Err),
        };
        coverage.try_set(loaded);
    });
    Effect::new(move |_| {
        gate.track();
        load.dispatch(());
    });
    view! {
        {move || coverage.with(|c| match c {
            None => view! { <p class="hint">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <p role="alert" class="error">{e.clone()}</p> }.into_any(),
            Some(Ok(c)) => view! {
                <Figures coverage=c.clone() />
                <Chart days=c.sign_ins.clone() />
            }
            .into_any(),
        })}
        <WithoutPasskey gate />
    }
}

#[component]
fn Figures(coverage: Coverage) -> impl IntoView {
    let Coverage {
        members,
        with_device_bound_passkey: bound,
        with_synced_passkeys_only: synced,
        without_passkey: none,
        ..
    } = coverage;
    let covered = bound + synced;
    // One bar of three parts, drawn in SVG: the page's Content Security
    // Policy allows no inline style, and SVG lengths are attributes.
    let share = |part: i64| {
        if members == 0 {
            0.0
        } else {
            part as f64 * 100.0 / members as f64
        }
    };
    let parts = [("bound", bound), ("synced", synced), ("none", none)];
    let mut x = 0.0;
    let bar = parts
        .into_iter()
        .map(|(class, part)| {
            let (at, width) = (x, share(part));
            x += width;
            view! { <rect class=class x=format!("{at:.2}") y="0" width=format!("{width:.2}") height="4" /> }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="coverage-heading">
            <h2 id="coverage-heading">"Members with a passkey"</h2>
            <p class="big-figure">
                {format!("{}%", percent(covered, members))}
                <span class="hint">{format!(" {covered} of {members} members")}</span>
            </p>
            <svg class="coverage-bar" viewBox="0 0 100 4" preserveAspectRatio="none" aria-hidden="true">
                {bar}
            </svg>
            <ul class="legend">
                <li><span class="swatch bound"></span>
                    {format!("On one device: {bound} ({}%)", percent(bound, members))}</li>
                <li><span class="swatch synced"></span>
                    {format!("Synced only: {synced} ({}%)", percent(synced, members))}</li>
                <li><span class="swatch none"></span>
                    {format!("No passkey: {none} ({}%)", percent(none, members))}</li>
            </ul>
        </section>
    }
}

/// The methods of the chart, bottom to top: field, class, words.
const SERIES: [(&str, &str); 4] = [
    ("passkey", "Passkey"),
    ("password", "Password"),
    ("sso", "Single sign-on"),
    ("other", "Recovery code"),
];

fn count(day: &DaySignIns, series: &str) -> i64 {
    match series {
        "passkey" => day.passkey,
        "password" => day.password,
        "sso" => day.sso,
        _ => day.other,
    }
}

/// Sign-ins per day, stacked by method: an SVG bar chart (its summary as
/// its accessible name) and the figures as a table for screen readers
/// and for reading exact numbers.
#[component]
fn Chart(days: Vec<DaySignIns>) -> impl IntoView {
    const W: f64 = 600.0;
    const H: f64 = 160.0;
    let max = days
        .iter()
        .map(|d| d.passkey + d.password + d.sso + d.other)
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = W / days.len().max(1) as f64;
    let bars = days
        .iter()
        .enumerate()
        .flat_map(|(i, day)| {
            let mut y = H;
            SERIES
                .iter()
                .filter_map(|(series, _)| {
                    let n = count(day, series);
                    if n == 0 {
                        return None;
                    }
                    let h = n as f64 * H / max as f64;
                    y -= h;
                    Some(view! {
                        <rect class=*series x=format!("{:.1}", i as f64 * slot + 1.0) y=format!("{y:.1}")
                            width=format!("{:.1}", (slot - 2.0).max(1.0)) height=format!("{h:.1}") />
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect_view();
    let totals: Vec<i64> = SERIES
        .iter()
        .map(|(s, _)| days.iter().map(|d| count(d, s)).sum())
        .collect();
    let summary = format!(
        "Sign-ins in the last 30 days: {}.",
        SERIES
            .iter()
            .zip(&totals)
            .map(|((_, words), n)| format!("{words} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let passkey_share = percent(totals[0], totals.iter().sum());
    view! {
        <section class="card" aria-labelledby="signins-heading">
            <h2 id="signins-heading">"Sign-ins by method, last 30 days"</h2>
            <p>{format!("{passkey_share}% of sign-ins used a passkey.")}</p>
            <svg class="chart" viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary preserveAspectRatio="none">
                {bars}
            </svg>
            <ul class="legend">
                {SERIES.iter().zip(totals).map(|((series, words), n)| view! {
                    <li><span class=format!("swatch {series}")></span>{format!("{words}: {n}")}</li>
                }).collect_view()}
            </ul>
            <details>
                <summary>"The figures by day"</summary>
                <table class="figures">
                    <thead>
                        <tr>
                            <th scope="col">"Day (UTC)"</th>
                            {SERIES.iter().map(|(_, w)| view! { <th scope="col">{*w}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {days.iter().map(|d| view! {
                            <tr>
                                <th scope="row">{d.day.clone()}</th>
                                {SERIES.iter().map(|(s, _)| view! { <td>{count(d, s)}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </section>
    }
}

/// Who has no passkey yet, with "Invite to add a passkey".
#[component]
fn WithoutPasskey(gate: Gate) -> impl IntoView {
    let page = RwSignal::new(1_i64);
    let list = RwSignal::new(None::<Result<MemberPage, String>>);
    let load = task(move || {
        let p = page.get_untracked();
        async move {
            let loaded = match crate::api::admin_members("", p, true).await {
                Ok(page) => Some(Ok(page)),
                Err(e) => gate.shown(e, None).map(Err),
            };
            list.try_set(loaded);
        }
    });
    Effect::new(move |_| {
        gate.track();
        page.track();
        load.dispatch(());
    });
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let asking = RwSignal::new(None::<(String, String)>);
    let again = StoredValue::new(None::<crate::actions::Task>);
    let ask = task(move || {
        let who = asking.get_untracked();
        async move {
            let Some((id, email)) = who else { return };
            match crate::api::admin_ask_for_passkey(&id).await {
                Ok(()) => {
                    notice.try_set(Some(format!(
                        "{email} was asked by email to add a passkey."
                    )));
                }
                Err(e) => {
                    error.try_set(gate.shown(e, again.get_value()));
                }
            }
        }
    });
    again.set_value(Some(ask));
    let total = Signal::derive(move || {
        list.with(|l| match l {
            Some(Ok(p)) => p.total,
            _ => 0,
        })
    });
    view! {
        <section class="card" aria-labelledby="nopasskey-heading">
            <h2 id="nopasskey-heading">"No passkey yet"</h2>
            {move || list.with(|l| match l {
                None => view! { <p class="hint">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p role="alert" class="error">{e.clone()}</p> }.into_any(),
                Some(Ok(p)) if p.members.is_empty() => view! { <p>"Every member has a passkey."</p> }.into_any(),
                Some(Ok(p)) => view! {
                    <ul class="plain-list">
                        {p.members.iter().map(|m| {
                            let (id, email) = (m.id.clone(), m.email.clone());
                            let label = format!("Invite {} to add a passkey", m.email);
                            view! {
                                <li>
                                    <span><strong>{m.display_name.clone()}</strong> " " <span class="hint">{m.email.clone()}</span></span>
                                    <button type="button" aria-label=label on:click=move |_| {
                                        if !ask.pending().get_untracked() {
                                            notice.set(None);
                                            error.set(None);
                                            asking.set(Some((id.clone(), email.clone())));
                                            ask.dispatch(());
                                        }
                                    }>
                                        "Invite to add a passkey"
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any(),
            })}
            <Pager page total page_size=50 noun="members" />
            <crate::components::form::Outcome notice error />
        </section>
    }
}
