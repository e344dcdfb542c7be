//! Typed ids, and values normalised once, when constructed, so that every
//! comparison, lookup, lockout subject and rate-limit key sees one spelling.

use crate::error::{Error, Result};
use unicode_normalization::UnicodeNormalization;

/// Where a request came from, as far as the server can tell (the server
/// fills it in from the connection and, behind trusted proxies, their
/// forwarded header).
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub addr: Option<String>,
    /// At most [`MAX_USER_AGENT`] characters.
    pub user_agent: Option<String>,
}

/// Longest user agent kept; the rest is cut.
pub const MAX_USER_AGENT: usize = 300;

impl Client {
    /// A client with the given address and user agent, the latter cut to
    /// [`MAX_USER_AGENT`] characters.
    pub fn new(addr: Option<String>, user_agent: Option<&str>) -> Self {
        Client {
            addr,
            user_agent: user_agent.map(|ua| ua.chars().take(MAX_USER_AGENT).collect()),
        }
    }
}

/// A browser and its OS in words people read — "Firefox on Linux" — from a
/// User-Agent header, or "an unknown browser". Only names from the parser's
/// own list come out: the client wrote the header, and its text must never
/// reach a mail or a page as it is.
pub fn browser_of(user_agent: Option<&str>) -> String {
    const UNKNOWN: &str = "UNKNOWN";
    let parsed = user_agent.and_then(|ua| woothee::parser::Parser::new().parse(ua));
    match parsed {
        Some(p) if p.name != UNKNOWN && p.os != UNKNOWN => format!("{} on {}", p.name, p.os),
        Some(p) if p.name != UNKNOWN => p.name.to_owned(),
        _ => "an unknown browser".to_owned(),
    }
}

/// Declares an id type: a random UUID as text, stored as TEXT. Distinct
/// types keep an org id from being passed where an account id belongs.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, sqlx::Type)]
        #[sqlx(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new random id (UUID v4).
            pub fn random() -> Self {
                $name(uuid::Uuid::new_v4().to_string())
            }

            /// An id as stored or sent back by a client (not checked: a
            /// lookup of a wrong one finds nothing).
            pub fn from_text(text: impl Into<String>) -> Self {
                $name(text.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// An account's id; also its WebAuthn user handle, so it is random and
    /// never derived from the email.
    AccountId
);
id_type!(
    /// An org's id.
    OrgId
);
id_type!(
    /// A session's public id: safe to show and to name in mail and the
    /// audit trail, unrelated to its token.
    SessionId
);
id_type!(
    /// A stored passkey's id (not its credential id).
    PasskeyId
);

/// An email address in its one canonical form: trimmed, Unicode NFC
/// (UAX #15), lower-cased, and the domain in its IDNA ASCII form (UTS #46:
/// `Exämple.COM` → `xn--exmple-cua.com`).
///
/// So `jose\u{301}@example.com` (decomposed é) and `jos\u{e9}@example.com`
/// (composed é) are one address, for sign-in, lockout, rate limits and
/// "Email me a list" alike. Lower-casing the local part is a product
/// choice (RFC 5321 lets servers treat it as case-sensitive; none that
/// people use does).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// The canonical form of whatever was typed, valid or not: for looking
    /// an address up (an invalid one simply matches nothing).
    pub fn canonical(raw: &str) -> Self {
        let folded: String = raw.trim().nfc().collect::<String>().to_lowercase();
        // Lower-casing can (rarely) leave a sequence that is not NFC.
        let folded: String = folded.nfc().collect();
        let Some((local, domain)) = folded.rsplit_once('@') else {
            return Email(folded);
        };
        let domain = idna::domain_to_ascii(domain).unwrap_or_else(|_| domain.to_owned());
        Email(format!("{local}@{domain}"))
    }

    /// A new address, checked: something@host.tld, at most 254 bytes (RFC
    /// 5321 §4.5.3.1.3), no spaces or control characters. Deliverability is
    /// not checked: that is what an emailed link is for.
    ///
    /// Errors: [`Error::BadRequest`] saying what is wrong.
    pub fn parse(raw: &str) -> Result<Self> {
        let email = Self::canonical(raw);
        let valid = email.0.len() <= 254
            && !email.0.chars().any(|c| c.is_whitespace() || c.is_control())
            && match email.0.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(email)
        } else {
            Err(Error::BadRequest(format!(
                "'{}' is not a valid email address.",
                raw.trim()
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An org's short name as people type it to pick the org: trimmed and
/// lower-cased (short names are ASCII `a-z`, `0-9` and `-`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgShortName(String);

impl OrgShortName {
    /// The canonical form of whatever was typed, valid or not (for lookups).
    pub fn canonical(raw: &str) -> Self {
        OrgShortName(raw.trim().to_lowercase())
    }

    /// A new short name, checked: 2–63 of `a-z`, `0-9` and `-`, not
    /// starting with `-`. Errors: [`Error::BadRequest`].
    pub fn parse(raw: &str) -> Result<Self> {
        let name = Self::canonical(raw);
        let valid = (2..=63).contains(&name.0.len())
            && name
                .0
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.0.starts_with('-');
        if valid {
            Ok(name)
        } else {
            Err(Error::BadRequest(format!(
                "'{}' is not a valid short name: use 2 to 63 letters, digits or dashes.",
                raw.trim()
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrgShortName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_an_address_is_one_email() {
        let composed = Email::canonical("jos\u{e9}@example.com");
        let decomposed = Email::canonical("jose\u{301}@example.com");
        assert_eq!(composed, decomposed);
        assert_eq!(Email::canonical(" JOS\u{c9}@Example.COM "), composed);
        assert_eq!(
            Email::canonical("ada@EXÄMPLE.com").as_str(),
            "ada@xn--exmple-cua.com"
        );
        assert_eq!(
            Email::canonical("ada@exa\u{308}mple.com"),
            Email::canonical("ada@ex\u{e4}mple.com")
        );
    }

    #[test]
    fn browsers_are_named_from_the_parsers_list_only() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(browser_of(Some(firefox)), "Firefox on Linux");
        let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                        HeadlessChrome/156.0.0.0 Safari/537.36";
        assert_eq!(browser_of(Some(headless)), "Chrome on Linux");
        let forged = "Call +1 555 0100 now: your account is locked";
        assert_eq!(browser_of(Some(forged)), "an unknown browser");
        assert_eq!(browser_of(None), "an unknown browser");
    }

    #[test]
    fn new_addresses_are_checked() {
        assert!(Email::parse("ada@example.com").is_ok());
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@x.com",
            "a@b@c.com",
            "ada@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }
}
