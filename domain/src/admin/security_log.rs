//! The org's security log: its audit trail in words, filtered and paged,
//! and exported as CSV.

use super::Admin;
use crate::audit::Event;
use crate::error::{Error, Result};
use crate::store::audit::{self, Filter, OrgEntry};
use crate::Domain;
use common::{LogEvent, SecurityLogEntry, SecurityLogPage};

/// Entries on one page of the log.
pub const PAGE_SIZE: i64 = 50;

/// The most entries one export holds (the newest matching ones).
pub const EXPORT_MAX: i64 = 10_000;

/// Checks a filter's values: an event the trail knows, an outcome of
/// `success` or `failure`, dates in order.
///
/// Errors: [`Error::BadRequest`].
pub fn checked(filter: Filter) -> Result<Filter> {
    if !filter.event.is_empty() && Event::parse(&filter.event).is_none() {
        return Err(Error::BadRequest(format!(
            "Unknown event '{}'.",
            filter.event.chars().take(60).collect::<String>()
        )));
    }
    if !matches!(filter.outcome.as_str(), "" | "success" | "failure") {
        return Err(Error::BadRequest(
            "The outcome is `success` or `failure`.".into(),
        ));
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(Error::BadRequest("`from` is after `to`.".into()));
        }
    }
    Ok(filter)
}

/// A page (from 1) of the admin's org's log, newest first.
///
/// Errors: [`Error::BadRequest`] (see [`checked`]; a page below 1).
pub async fn page(d: &Domain, admin: &Admin, filter: Filter, page: i64) -> Result<SecurityLogPage> {
    let filter = checked(filter)?;
    if page < 1 {
        return Err(Error::BadRequest("Pages are numbered from 1.".into()));
    }
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    let (rows, total) =
        audit::org_entries(&d.db, &admin.session().org_id, &filter, PAGE_SIZE, offset).await?;
    Ok(SecurityLogPage {
        entries: rows.into_iter().map(in_words).collect(),
        total,
        page,
        page_size: PAGE_SIZE,
        events: Event::ALL
            .iter()
            .map(|e| LogEvent {
                name: e.as_str().to_owned(),
                words: e.words().to_owned(),
            })
            .collect(),
    })
}

/// The newest [`EXPORT_MAX`] entries matching `filter`, as CSV (RFC 4180,
/// a header line first; times in UTC, RFC 3339). A cell that a
/// spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return) is prefixed with `'` (OWASP, "CSV
/// Injection").
///
/// Errors: [`Error::BadRequest`] (see [`checked`]).
pub async fn export(d: &Domain, admin: &Admin, filter: Filter) -> Result<String> {
    let filter = checked(filter)?;
    let (rows, _) =
        audit::org_entries(&d.db, &admin.session().org_id, &filter, EXPORT_MAX, 0).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    out.write_record([
        "time", "event", "what", "outcome", "cause", "member", "by", "address", "browser",
    ])
    .map_err(fail)?;
    for entry in rows.into_iter().map(in_words) {
        let time = time::OffsetDateTime::from_unix_timestamp(entry.at)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        let cells = [
            time,
            entry.event,
            entry.words,
            entry.outcome,
            entry.cause.unwrap_or_default(),
            entry.member_email.unwrap_or_default(),
            entry.actor_email.unwrap_or_default(),
            entry.client_addr.unwrap_or_default(),
            entry.browser,
        ];
        out.write_record(cells.iter().map(|c| inert(c).into_owned()))
            .map_err(fail)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::Internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("csv: {e}")))
}

fn in_words(row: OrgEntry) -> SecurityLogEntry {
    let words = Event::parse(&row.event)
        .map(Event::words)
        .unwrap_or("Something not described yet")
        .to_owned();
    SecurityLogEntry {
        at: row.at,
        words,
        event: row.event,
        outcome: row.outcome,
        cause: row.cause,
        member_email: row.member_email,
        actor_email: row.actor_email,
        client_addr: row.client_addr,
        browser: crate::types::browser_of(row.user_agent.as_deref()),
    }
}

/// `cell`, made inert for spreadsheets: see [`export`].
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_inert_and_other_cells_kept() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("+1"), "'+1");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("ada@example.com"), "ada@example.com");
        assert_eq!(inert("2001:db8::1"), "2001:db8::1");
    }

    #[test]
    fn filters_name_known_events_and_outcomes_in_order() {
        let ok = Filter {
            event: "sign_in.passkey".into(),
            outcome: "failure".into(),
            from: Some(1),
            to: Some(2),
            ..Filter::default()
        };
        assert!(checked(ok).is_ok());
        let unknown = Filter {
            event: "sign_in.magic".into(),
            ..Filter::default()
        };
        assert!(checked(unknown).is_err());
        let outcome = Filter {
            outcome: "maybe".into(),
            ..Filter::default()
        };
        assert!(checked(outcome).is_err());
        let reversed = Filter {
            from: Some(2),
            to: Some(1),
            ..Filter::default()
        };
        assert!(checked(reversed).is_err());
    }
}
