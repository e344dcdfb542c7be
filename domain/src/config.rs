//! How the site is reached: its public origin, and the related origins
//! that share its passkeys.

/// Facts about how the site is reached from browsers.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The public origin, e.g. `https://console.example.com`, without a
    /// trailing slash. Requests whose `Origin` differs are cross-site.
    pub origin: String,
    /// Whether the origin is https (the session cookie is then `Secure`).
    pub secure: bool,
    /// Other origins that serve this same console and use its passkeys
    /// (WebAuthn Level 3 §5.11, related origin requests), normalised like
    /// `origin`, of its scheme, never `origin` itself. Passkeys keep the
    /// relying party id of `origin`; browsers learn the list from
    /// `/.well-known/webauthn` on that host.
    pub related_origins: Vec<String>,
}

impl WebConfig {
    /// Parses and normalises a public origin such as `http://localhost:3000`.
    /// Errors: not http(s), no host, or a path or query.
    pub fn from_origin(origin: &str) -> std::result::Result<Self, String> {
        let url = parse_origin(origin)?;
        Ok(Self {
            origin: url.origin().ascii_serialization(),
            secure: url.scheme() == "https",
            related_origins: Vec::new(),
        })
    }

    /// Adds related origins, each parsed as [`WebConfig::from_origin`]
    /// parses the public one; duplicates and the public origin itself are
    /// dropped.
    ///
    /// Errors: an origin that does not parse, or whose scheme differs from
    /// the public origin's (the session cookie is `Secure` and `__Host-`
    /// on https only, so one deployment cannot serve both).
    pub fn with_related_origins<'a>(
        mut self,
        origins: impl IntoIterator<Item = &'a str>,
    ) -> std::result::Result<Self, String> {
        for origin in origins {
            let url = parse_origin(origin)?;
            if (url.scheme() == "https") != self.secure {
                return Err(format!(
                    "related origin '{origin}': use the scheme of {}",
                    self.origin
                ));
            }
            let origin = url.origin().ascii_serialization();
            if !self.accepts(&origin) {
                self.related_origins.push(origin);
            }
        }
        Ok(self)
    }

    /// Why browsers cannot use the related origins as configured, if they
    /// cannot: they fetch `/.well-known/webauthn` from `https://<RP ID>`,
    /// port 443 (WebAuthn §5.11.1), so the public origin must be https on
    /// its default port with a domain name. None without related origins.
    pub fn related_origins_problem(&self) -> Option<String> {
        if self.related_origins.is_empty() {
            return None;
        }
        let url = url::Url::parse(&self.origin).ok()?;
        let domain = matches!(url.host(), Some(url::Host::Domain(_)));
        (url.scheme() != "https" || url.port().is_some() || !domain).then(|| {
            format!(
                "browsers read the related origins from https://<host>/.well-known/webauthn on port 443, \
                 which {} is not: passkeys of its relying party will not work on {}",
                self.origin,
                self.related_origins.join(", ")
            )
        })
    }

    /// Whether `origin` (as browsers send it: `scheme://host[:port]`) is
    /// the public origin or one of the related origins.
    pub fn accepts(&self, origin: &str) -> bool {
        self.origin == origin || self.related_origins.iter().any(|o| o == origin)
    }
}

/// Parses `origin`: http(s), a host, no path, query, fragment or user.
fn parse_origin(origin: &str) -> std::result::Result<url::Url, String> {
    let url = url::Url::parse(origin).map_err(|e| format!("invalid origin '{origin}': {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "invalid origin '{origin}': use http(s)://host[:port]"
        ));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "invalid origin '{origin}': no path, query or fragment allowed"
        ));
    }
    // `https://console.example.com@evil.example` is evil.example.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "invalid origin '{origin}': no user name or password allowed"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised() {
        let web = WebConfig::from_origin("http://localhost:3000/").unwrap();
        assert_eq!(web.origin, "http://localhost:3000");
        assert!(!web.secure);
        let web = WebConfig::from_origin("https://Console.Example.com:443").unwrap();
        assert_eq!(web.origin, "https://console.example.com");
        assert!(web.secure);
        assert!(WebConfig::from_origin("ftp://x").is_err());
        assert!(WebConfig::from_origin("http://x/app").is_err());
    }

    #[test]
    fn related_origins_share_the_scheme_and_are_accepted_as_the_origin_is() {
        let web = WebConfig::from_origin("https://console.example.com")
            .unwrap()
            .with_related_origins([
                "https://Console.Example.co.uk/",
                "https://console.example.com",
                "https://console.example.co.uk",
            ])
            .unwrap();
        assert_eq!(web.related_origins, ["https://console.example.co.uk"]);
        assert!(web.accepts("https://console.example.com"));
        assert!(web.accepts("https://console.example.co.uk"));
        assert!(!web.accepts("https://console.example.co.uk:8443"));
        assert!(!web.accepts("http://console.example.co.uk"));
        assert!(!web.accepts("https://evil.example"));
        let https = WebConfig::from_origin("https://console.example.com").unwrap();
        assert!(https
            .clone()
            .with_related_origins(["http://other.example"])
            .is_err());
        for bad in [
            "https://other.example/app",
            "https://console.example.com@evil.example",
            "https://other.example#x",
            "null",
        ] {
            assert!(https.clone().with_related_origins([bad]).is_err(), "{bad}");
        }
        assert!(https.clone().related_origins_problem().is_none());
        let related = https
            .clone()
            .with_related_origins(["https://b.example"])
            .unwrap();
        assert!(related.related_origins_problem().is_none());
        for unusable in [
            "https://console.example.com:8443",
            "http://localhost:3000",
            "https://127.0.0.1",
        ] {
            let web = WebConfig::from_origin(unusable).unwrap();
            let scheme = if web.secure { "https" } else { "http" };
            let web = web
                .with_related_origins([format!("{scheme}://b.example").as_str()])
                .unwrap();
            assert!(web.related_origins_problem().is_some(), "{unusable}");
        }
        // As browsers write it: lower case, punycode, no default port.
        let idn = https
            .with_related_origins(["https://KONSOLE.bücher.example:443"])
            .unwrap();
        assert_eq!(
            idn.related_origins,
            ["https://konsole.xn--bcher-kva.example"]
        );
    }
}
