//! The product's emails, in words people read. Links are built from the
//! configured public origin, never from a request's Host header.

use crate::mail::{escape_html, Email};

fn utc(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

fn html(paragraphs: &[String]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif\">\n{body}</body></html>\n"
    )
}

/// A security notice: what changed, and what to do if it was not you.
fn notice(to: &str, subject: &str, what: String, origin: &str, review: &str) -> Email {
    let advice = format!(
        "If this was not you, sign in at {origin}/login, review your {review} in My Account, \
         change your password, and tell your organization's administrator."
    );
    Email {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: format!("{what}\n\n{advice}\n"),
        html: html(&[escape_html(&what), escape_html(&advice)]),
    }
}

/// "A passkey was added to / deleted from your account".
pub fn passkey_changed(
    to: &str,
    org_name: &str,
    passkey_name: &str,
    added: bool,
    at: i64,
    origin: &str,
) -> Email {
    let (verb, subject) = if added {
        ("added to", "A passkey was added to your Latchkey account")
    } else {
        (
            "deleted from",
            "A passkey was deleted from your Latchkey account",
        )
    };
    let what = format!(
        "The passkey \"{passkey_name}\" was {verb} your account in {org_name} on {}.",
        utc(at)
    );
    notice(to, subject, what, origin, "passkeys")
}

/// "Two-factor authentication was turned on / off".
pub fn totp_changed(to: &str, org_name: &str, enabled: bool, at: i64, origin: &str) -> Email {
    let (state, subject) = if enabled {
        ("turned on", "Two-factor authentication was turned on")
    } else {
        ("turned off", "Two-factor authentication was turned off")
    };
    let what = format!(
        "Two-factor authentication was {state} for your account in {org_name} on {}.",
        utc(at)
    );
    notice(to, subject, what, origin, "security settings")
}

/// "Your account was linked to single sign-on": the provider vouched for
/// the account's email, and can sign in to it from now on.
pub fn sso_linked(to: &str, org_name: &str, issuer: &str, at: i64, origin: &str) -> Email {
    let what = format!(
        "Your account in {org_name} was linked to your organization's identity provider          ({issuer}) on {}, at a single sign-on with your email address. From now on that          provider signs you in.",
        utc(at)
    );
    notice(
        to,
        "Your Latchkey account was linked to single sign-on",
        what,
        origin,
        "sessions",
    )
}

/// The code that proves the mailbox when a password alone is about to turn 2FA on.
pub fn mailbox_code(to: &str, org_name: &str, code: &str) -> Email {
    let what = format!(
        "Someone — hopefully you — signed in to your {org_name} account with its password and is \
         turning on two-factor authentication."
    );
    let action = format!("To finish, enter this code: {code}");
    let advice = "It works for 10 minutes. If this was not you, do not share the code: someone \
                  knows your password, so change it and tell your organization's administrator."
        .to_owned();
    Email {
        to: to.to_owned(),
        subject: "Your code to finish setting up two-factor authentication".to_owned(),
        text: format!("{what}\n\n{action}\n\n{advice}\n"),
        html: html(&[
            escape_html(&what),
            escape_html(&action),
            escape_html(&advice),
        ]),
    }
}

/// The session that asked for a re-authentication link, as the mail names it.
pub struct Asker<'a> {
    /// The client address the session signed in from.
    pub addr: Option<&'a str>,
    /// Its browser in words ([`crate::types::browser_of`]), never the raw
    /// header.
    pub browser: &'a str,
    /// When it asked (Unix seconds).
    pub at: i64,
}

/// The re-authentication link, naming the session that asked for it.
pub fn reauth_link(to: &str, org_name: &str, link: &str, asker: &Asker<'_>) -> Email {
    let what = format!(
        "Someone — hopefully you — asked on {} to confirm it's you before changing the security \
         settings of your {org_name} account, from a session signed in at {} with {}.",
        utc(asker.at),
        asker.addr.unwrap_or("an unknown address"),
        asker.browser,
    );
    let action =
        "Open this link on any device to confirm. It works once, within 15 minutes:".to_owned();
    let advice = "If this was not you, ignore this email: nothing changes until the link is used. \
                  Someone may know your password, so consider changing it."
        .to_owned();
    Email {
        to: to.to_owned(),
        subject: "Confirm it's you".to_owned(),
        text: format!("{what}\n\n{action}\n{link}\n\n{advice}\n"),
        html: html(&[
            escape_html(&what),
            format!(
                "{}<br><a href=\"{}\">Confirm it's you</a>",
                escape_html(&action),
                escape_html(link)
            ),
            escape_html(&advice),
        ]),
    }
}

/// "Email me a list of my organizations".
pub fn org_list(to: &str, orgs: &[(String, String)], origin: &str) -> Email {
    let intro = "You asked for the organizations where this email address has a Latchkey account:"
        .to_owned();
    let lines: Vec<(String, String)> = orgs
        .iter()
        .map(|(short_name, name)| {
            (
                format!("{name} ({short_name})"),
                format!("{origin}/login?org={short_name}"),
            )
        })
        .collect();
    let text_list: String = lines
        .iter()
        .map(|(label, link)| format!("- {label}: {link}\n"))
        .collect();
    let html_list: String = lines
        .iter()
        .map(|(label, link)| {
            format!(
                "<li><a href=\"{}\">{}</a></li>",
                escape_html(link),
                escape_html(label)
            )
        })
        .collect();
    let advice = "If you did not ask for this list, you can ignore this email.".to_owned();
    Email {
        to: to.to_owned(),
        subject: "Your Latchkey organizations".to_owned(),
        text: format!("{intro}\n\n{text_list}\n{advice}\n"),
        html: format!(
            "<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif\">\n<p>{}</p>\n<ul>{html_list}</ul>\n<p>{}</p>\n</body></html>\n",
            escape_html(&intro),
            escape_html(&advice)
        ),
    }
}

/// "Your password was right, but the 2FA code failed repeatedly."
pub fn second_factor_failures(to: &str, org_name: &str, at: i64, origin: &str) -> Email {
    let what = format!(
        "On {}, someone signed in to your {org_name} account with the right password, \
         then entered wrong authentication codes several times.",
        utc(at)
    );
    let advice = format!(
        "If this was not you, someone knows your password: sign in at {origin}/login and change it, \
         and tell your organization's administrator."
    );
    Email {
        to: to.to_owned(),
        subject: "Repeated wrong authentication codes on your Latchkey account".to_owned(),
        text: format!("{what}\n\n{advice}\n"),
        html: html(&[escape_html(&what), escape_html(&advice)]),
    }
}

/// What happened to a password, for [`password_changed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChange {
    /// Changed in My Account.
    Changed,
    /// Set on an account that had none.
    Set,
    /// Removed: the account signs in with passkeys only.
    Removed,
    /// Set through a "Forgot password?" link.
    Reset,
}

/// "Your password was changed / set / removed / reset".
pub fn password_changed(
    to: &str,
    org_name: &str,
    change: PasswordChange,
    at: i64,
    origin: &str,
) -> Email {
    let (subject, what) = match change {
        PasswordChange::Changed => (
            "Your Latchkey password was changed",
            "The password of your account in {org} was changed on {at}. Every other session of \
             the account was signed out.",
        ),
        PasswordChange::Set => (
            "A password was set on your Latchkey account",
            "A password was set on your account in {org} on {at}.",
        ),
        PasswordChange::Removed => (
            "The password of your Latchkey account was removed",
            "The password of your account in {org} was removed on {at}: it signs in with \
             passkeys only now.",
        ),
        PasswordChange::Reset => (
            "Your Latchkey password was reset",
            "The password of your account in {org} was reset through an emailed link on {at}. \
             Every session of the account was signed out.",
        ),
    };
    let what = what.replace("{org}", org_name).replace("{at}", &utc(at));
    if change == PasswordChange::Removed {
        // There is no password left to change: the advice names what is.
        let advice = format!(
            "If this was not you, sign in at {origin}/login with a passkey, review your passkeys \
             in My Account, and tell your organization's administrator."
        );
        return Email {
            to: to.to_owned(),
            subject: subject.to_owned(),
            text: format!("{what}\n\n{advice}\n"),
            html: html(&[escape_html(&what), escape_html(&advice)]),
        };
    }
    notice(to, subject, what, origin, "passkeys and sessions")
}

/// The "Forgot password?" link.
pub fn password_reset_link(to: &str, org_name: &str, link: &str) -> Email {
    let what = format!(
        "Someone — hopefully you — asked to reset the password of your {org_name} account."
    );
    let action =
        "Open this link to choose a new password. It works once, within 30 minutes:".to_owned();
    let advice = "If this was not you, ignore this email: your password stays as it is.".to_owned();
    Email {
        to: to.to_owned(),
        subject: "Reset your Latchkey password".to_owned(),
        text: format!("{what}\n\n{action}\n{link}\n\n{advice}\n"),
        html: html(&[
            escape_html(&what),
            format!(
                "{}<br><a href=\"{}\">Reset your password</a>",
                escape_html(&action),
                escape_html(link)
            ),
            escape_html(&advice),
        ]),
    }
}

/// "A recovery code was used to sign in" (and how many are left), or
/// "new recovery codes were made".
pub fn recovery_codes(
    to: &str,
    org_name: &str,
    used_left: Option<i64>,
    at: i64,
    origin: &str,
) -> Email {
    let (subject, what) = match used_left {
        Some(left) => (
            "A recovery code was used on your Latchkey account",
            format!(
                "A recovery code was used to sign in to your account in {org_name} on {}. \
                 {left} unused recovery codes are left.",
                utc(at)
            ),
        ),
        None => (
            "New recovery codes for your Latchkey account",
            format!(
                "New recovery codes were made for your account in {org_name} on {}: the older \
                 ones no longer work.",
                utc(at)
            ),
        ),
    };
    notice(to, subject, what, origin, "passkeys and recovery codes")
}

/// An org admin invited the person: an enrollment link to set up their
/// sign-in (a passkey, and a password where the org allows one).
pub fn invitation(to: &str, org_name: &str, inviter: &str, link: &str, days: i64) -> Email {
    let what = format!("{inviter} invited you to {org_name}'s console.");
    let action = format!(
        "Open this link to set up how you sign in (a passkey on this device, for example). \
         It works once, within {days} days:"
    );
    let advice = "If you did not expect this, ignore this email.".to_owned();
    set_up_link(
        to,
        format!("You are invited to {org_name}"),
        &what,
        &action,
        link,
        &advice,
    )
}

/// A message whose one action is an enrollment link: what happened, what
/// the link does (its "Set up your sign-in" anchor in the HTML part), and
/// advice.
fn set_up_link(
    to: &str,
    subject: String,
    what: &str,
    action: &str,
    link: &str,
    advice: &str,
) -> Email {
    Email {
        to: to.to_owned(),
        subject,
        text: format!("{what}\n\n{action}\n{link}\n\n{advice}\n"),
        html: html(&[
            escape_html(what),
            format!(
                "{}<br><a href=\"{}\">Set up your sign-in</a>",
                escape_html(action),
                escape_html(link)
            ),
            escape_html(advice),
        ]),
    }
}

/// "Your role changed": an admin made the account a member, an admin or an
/// owner.
pub fn role_changed(to: &str, org_name: &str, role: common::Role, at: i64, origin: &str) -> Email {
    let what = format!(
        "An administrator of {org_name} made your account {} on {}.",
        match role {
            common::Role::Member => "a member (no administration rights)",
            common::Role::Admin => "an administrator",
            common::Role::Owner => "an owner",
        },
        utc(at)
    );
    notice(
        to,
        "Your role in your organization changed",
        what,
        origin,
        "account",
    )
}

/// "Please add a passkey": an org admin asks a member who has none to add
/// one, in My Account (`origin`/account). No link signs anyone in: the
/// person signs in as usual first.
pub fn passkey_requested(to: &str, org_name: &str, admin_name: &str, origin: &str) -> Email {
    let what = format!(
        "{admin_name}, an administrator of {org_name}, asks you to add a passkey to your account: \
         you will sign in with your fingerprint, face, screen lock or a security key instead of \
         a password."
    );
    let action =
        format!("Sign in at {origin}/login, then open My Account and choose \"Add a Passkey\".");
    let advice = "Your password keeps working.".to_owned();
    Email {
        to: to.to_owned(),
        subject: format!("{org_name} asks you to add a passkey"),
        text: format!("{what}\n\n{action}\n\n{advice}\n"),
        html: html(&[
            escape_html(&what),
            escape_html(&action),
            escape_html(&advice),
        ]),
    }
}

/// "Your sign-in was reset" by an org admin, with the enrollment link that
/// sets up a new way in.
pub fn member_reset(
    to: &str,
    org_name: &str,
    admin_name: &str,
    link: &str,
    days: i64,
    at: i64,
) -> Email {
    let what = format!(
        "{admin_name}, an administrator of {org_name}, reset how you sign in on {}: your \
         password, passkeys, recovery codes and two-factor authentication were removed and every \
         session was signed out.",
        utc(at)
    );
    let action = format!(
        "Open this link to set up a new passkey (or a new password). It works once, within {days} \
         days:"
    );
    let advice = format!(
        "If you did not ask for this, tell {org_name}'s administrators. Your accounts in other \
         organizations are not affected."
    );
    set_up_link(
        to,
        format!("Your {org_name} sign-in was reset"),
        &what,
        &action,
        link,
        &advice,
    )
}

/// "Your account was removed" by an org admin.
pub fn member_removed(to: &str, org_name: &str, at: i64) -> Email {
    let what = format!(
        "An administrator of {org_name} removed your account on {}: its passkeys, password \
         and sessions no longer work there. Your accounts in other organizations are not \
         affected.",
        utc(at)
    );
    let advice = format!("If you think this is a mistake, ask {org_name}'s administrators.");
    Email {
        to: to.to_owned(),
        subject: format!("Your {org_name} account was removed"),
        text: format!("{what}\n\n{advice}\n"),
        html: html(&[escape_html(&what), escape_html(&advice)]),
    }
}
