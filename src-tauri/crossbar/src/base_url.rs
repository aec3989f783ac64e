use crate::ApiError;
use std::net::IpAddr;
use url::{Host, Url};

/// The root of a Crossbar API, always ending in `/v2/`.
///
/// Plain `http://` is refused unless the host is loopback: tokens and password hashes must not
/// cross a network in clear text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Accepts `https://pbx.example.com`, `https://pbx.example.com:8443/v2`, or
    /// `http://127.0.0.1:8000` (with or without the trailing `/v2`).
    pub fn parse(input: &str) -> Result<Self, ApiError> {
        let mut url = secure_url(input)?;
        url.set_query(None);
        url.set_fragment(None);
        let path = url.path().trim_end_matches('/');
        let path = path.strip_suffix("/v2").unwrap_or(path).to_owned();
        url.set_path(&format!("{path}/v2/"));
        Ok(Self(url))
    }

    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.0)
    }

    /// `path` is relative to `/v2/`, e.g. `accounts/{id}/limits`.
    pub fn join(&self, path: &str) -> Result<Url, ApiError> {
        self.0
            .join(path.trim_start_matches('/'))
            .map_err(|e| ApiError::InvalidUrl(format!("bad request path “{path}”: {e}")))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// An https address (or plain http to this computer), for anything a secret or card data is
/// sent to.
pub fn secure_url(input: &str) -> Result<Url, ApiError> {
    let trimmed = input.trim();
    let url = Url::parse(trimmed)
        .map_err(|e| ApiError::InvalidUrl(format!("“{trimmed}” is not a server address ({e})")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(ApiError::InsecureUrl(format!(
                "“{trimmed}” uses plain http: use https (plain http is only allowed for this \
                     computer, such as http://127.0.0.1)"
            )))
        }
        other => {
            return Err(ApiError::InvalidUrl(format!(
                "“{other}” is not supported: the address must start with https://"
            )))
        }
    }
    if url.host().is_none() {
        return Err(ApiError::InvalidUrl(format!(
            "“{trimmed}” has no host name"
        )));
    }
    // A user name or password in the address would be sent with every request and kept in
    // the settings file in clear text.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::InvalidUrl(
            "the address must not hold a user name or password: sign in with them instead".into(),
        ));
    }
    Ok(url)
}

/// Braintree's client API hosts, production and sandbox: the only places card numbers may go.
const CARD_PROCESSORS: &[&str] = &[
    "api.braintreegateway.com",
    "api.sandbox.braintreegateway.com",
];

/// Where a client token says to send card data, if card data may go there: https to one of
/// Braintree's gateways, or this computer when the platform itself is on this computer (the
/// demo and the tests). The platform does not get to choose any other host.
pub fn card_processor(input: &str, platform: &BaseUrl) -> Result<Url, ApiError> {
    let url = secure_url(input)?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let gateway = url.scheme() == "https" && CARD_PROCESSORS.contains(&host.as_str());
    if gateway || (is_loopback(&url) && platform.is_loopback()) {
        return Ok(url);
    }
    Err(ApiError::InsecureUrl(format!(
        "The platform asked to send card details to {host}, which is not Braintree's payment gateway: nothing was sent."
    )))
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_with_credentials_in_them_are_refused() {
        for bad in [
            "https://admin:secret@pbx.example.com",
            "https://admin@pbx.example.com/v2",
        ] {
            let e = BaseUrl::parse(bad).unwrap_err();
            assert!(
                e.to_string().contains("user name or password"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn card_data_goes_only_to_braintree_or_to_a_loopback_platforms_own_computer() {
        let remote = BaseUrl::parse("https://pbx.example.com:8443").unwrap();
        let local = BaseUrl::parse("http://127.0.0.1:8000").unwrap();
        let bt = "https://api.braintreegateway.com:443/merchants/m1/client_api";
        assert!(card_processor(bt, &remote).is_ok());
        assert!(card_processor(
            "https://api.sandbox.braintreegateway.com/merchants/m1/client_api",
            &remote
        )
        .is_ok());
        for foreign in [
            "https://evil.example.com/client_api",
            "https://api.braintreegateway.com.evil.example/client_api",
            "http://api.braintreegateway.com/client_api",
            "http://127.0.0.1:9/client_api",
        ] {
            let e = card_processor(foreign, &remote).unwrap_err();
            assert_eq!(e.code(), "insecure_url", "{foreign}");
        }
        assert!(
            card_processor("http://127.0.0.1:8000/merchants/sandbox/client_api", &local).is_ok()
        );
        assert!(card_processor("https://evil.example.com/client_api", &local).is_err());
    }

    #[test]
    fn normalises_to_v2() {
        for input in [
            "https://pbx.example.com",
            "https://pbx.example.com/",
            "https://pbx.example.com/v2",
            "https://pbx.example.com/v2/",
        ] {
            assert_eq!(
                BaseUrl::parse(input).unwrap().as_str(),
                "https://pbx.example.com/v2/"
            );
        }
        assert_eq!(
            BaseUrl::parse("https://h.example:8443/api/v2")
                .unwrap()
                .join("accounts/x")
                .unwrap()
                .as_str(),
            "https://h.example:8443/api/v2/accounts/x"
        );
    }

    #[test]
    fn plain_http_only_for_loopback() {
        assert!(BaseUrl::parse("http://127.0.0.1:8000")
            .unwrap()
            .is_loopback());
        assert!(BaseUrl::parse("http://[::1]:8000").is_ok());
        assert!(BaseUrl::parse("http://localhost:8000").is_ok());
        assert!(matches!(
            BaseUrl::parse("http://pbx.example.com"),
            Err(ApiError::InsecureUrl(_))
        ));
        assert!(matches!(
            BaseUrl::parse("http://10.0.0.5:8000"),
            Err(ApiError::InsecureUrl(_))
        ));
        assert!(matches!(
            BaseUrl::parse("ftp://x.example"),
            Err(ApiError::InvalidUrl(_))
        ));
        assert!(matches!(
            BaseUrl::parse("not a url"),
            Err(ApiError::InvalidUrl(_))
        ));
    }
}
