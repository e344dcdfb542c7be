//! How the site is reached: its public origin.

/// Facts about how the site is reached from browsers.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The public origin, e.g. `https://console.example.com`, without a
    /// trailing slash. Requests whose `Origin` differs are cross-site.
    pub origin: String,
    /// Whether the origin is https (the session cookie is then `Secure`).
    pub secure: bool,
}

impl WebConfig {
    /// Parses and normalises a public origin such as `http://localhost:3000`.
    /// Errors: not http(s), no host, or a path or query.
    pub fn from_origin(origin: &str) -> std::result::Result<Self, String> {
        let url = url::Url::parse(origin).map_err(|e| format!("invalid origin '{origin}': {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!(
                "invalid origin '{origin}': use http(s)://host[:port]"
            ));
        }
        if url.path() != "/" || url.query().is_some() {
            return Err(format!(
                "invalid origin '{origin}': no path or query allowed"
            ));
        }
        Ok(Self {
            origin: url.origin().ascii_serialization(),
            secure: url.scheme() == "https",
        })
    }
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
}
