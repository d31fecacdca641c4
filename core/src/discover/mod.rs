//! Settings from an address: [`discover`] finds the IMAP and SMTP servers of
//! `user@example.com` the way mail apps do, in this order:
//!
//! 1. a built-in table of the big providers (Gmail, Outlook/Microsoft 365, iCloud, Yahoo,
//!    Fastmail, NetEase, QQ, GMX, …): no network;
//! 2. Thunderbird-style autoconfig over HTTPS: `https://autoconfig.<domain>/mail/config-v1.1.xml`,
//!    then `https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml`;
//! 3. DNS SRV records (RFC 6186 / RFC 8314): `_imaps._tcp`, `_imap._tcp`,
//!    `_submissions._tcp`, `_submission._tcp`;
//! 4. an MX guess: the domain's mail exchanger belongs to a provider of the table (a company
//!    domain hosted by Google or Microsoft).
//!
//! All of it within one deadline; certificates are verified as for mail connections.

pub(crate) mod autoconfig;
mod dns;
mod table;

use std::net::SocketAddr;
use std::time::Duration;

use crate::config::{Security, TlsOptions};
use crate::error::{Error, ErrorKind, Result};

/// One server found for an address.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[non_exhaustive]
pub struct ServerSettings {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Transport security.
    pub security: Security,
    /// The user name to log in with (the address, or what the provider says).
    pub username: String,
}

/// Where [`discover`] found the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[non_exhaustive]
pub enum DiscoverySource {
    /// The built-in provider table.
    BuiltIn,
    /// An autoconfig document (`autoconfig.<domain>` or `/.well-known/autoconfig/`).
    Autoconfig,
    /// DNS SRV records.
    Srv,
    /// The domain's MX host belongs to a provider of the table.
    Mx,
}

impl DiscoverySource {
    /// `"built_in"`, `"autoconfig"`, `"srv"` or `"mx"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DiscoverySource::BuiltIn => "built_in",
            DiscoverySource::Autoconfig => "autoconfig",
            DiscoverySource::Srv => "srv",
            DiscoverySource::Mx => "mx",
        }
    }
}

/// What [`discover`] found: at least one of the two servers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[non_exhaustive]
pub struct Discovered {
    /// The IMAP server, if found.
    pub imap: Option<ServerSettings>,
    /// The SMTP submission server, if found.
    pub smtp: Option<ServerSettings>,
    /// Where they were found.
    pub source: DiscoverySource,
}

/// How [`discover`] looks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiscoverOptions {
    /// The deadline for the whole search. Default 15 s.
    pub timeout: Duration,
    /// The DNS server to ask; `None`: the system's (`/etc/resolv.conf`).
    pub resolver: Option<SocketAddr>,
    /// The port of the autoconfig HTTPS servers. Default 443 (another only for tests and
    /// unusual deployments).
    pub https_port: u16,
    /// Extra CA certificates (PEM) trusted for the autoconfig servers.
    pub ca_pem: Option<Vec<u8>>,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            timeout: Duration::from_secs(15),
            resolver: None,
            https_port: 443,
            ca_pem: None,
        }
    }
}

/// Whether `h` is a plausible DNS host name (letters, digits, `-`, `.`).
pub(crate) fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// `s` percent-encoded for a URL query.
fn query_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Finds the IMAP and SMTP servers of `address` (see the [module docs](self)).
///
/// Fails with `InvalidInput` for something that is not an address, `NotFound` when no
/// method found settings, `Timeout` when the deadline passed first.
pub async fn discover(address: &str, options: &DiscoverOptions) -> Result<Discovered> {
    let domain = address
        .rsplit_once('@')
        .map(|(local, d)| (local, d.trim().to_ascii_lowercase()))
        .filter(|(local, d)| !local.is_empty() && valid_host(d))
        .map(|(_, d)| d)
        .ok_or_else(|| Error::invalid_input(format!("{address:?} is not an email address")))?;
    if let Some(p) = table::by_domain(&domain) {
        let (imap, smtp) = p.settings(address);
        return Ok(Discovered {
            imap: Some(imap),
            smtp: Some(smtp),
            source: DiscoverySource::BuiltIn,
        });
    }
    let limit = options.timeout;
    crate::net::deadline(&format!("discovering the mail servers of {domain}"), limit, async {
        let step = (limit / 4).max(Duration::from_millis(100));
        let dns = dns::Dns::new(options.resolver, step)?;
        let tls = TlsOptions { ca_pem: options.ca_pem.clone(), ..TlsOptions::default() };
        let attempts = [
            (format!("autoconfig.{domain}"), format!("/mail/config-v1.1.xml?emailaddress={}", query_encode(address))),
            (domain.clone(), "/.well-known/autoconfig/mail/config-v1.1.xml".to_string()),
        ];
        for (host, path) in attempts {
            let Some(ip) = dns.ip(&host).await else { continue };
            match autoconfig::get(ip, &host, options.https_port, &path, &tls, step).await {
                Ok(Some(xml)) => match autoconfig::parse(&xml, address) {
                    Ok((imap, smtp)) if imap.is_some() || smtp.is_some() => {
                        return Ok(Discovered { imap, smtp, source: DiscoverySource::Autoconfig });
                    }
                    Ok(_) => {}
                    Err(e) => tracing::debug!(target: "mailwire::discover", "https://{host}{path}: {e}"),
                },
                Ok(None) => {}
                Err(e) => tracing::debug!(target: "mailwire::discover", "https://{host}{path}: {e}"),
            }
        }
        let srv = |service: &'static str, security: Security| {
            let (dns, domain) = (&dns, &domain);
            async move {
                dns.srv(&format!("{service}._tcp.{domain}")).await.map(|(host, port)| ServerSettings {
                    host,
                    port,
                    security,
                    username: address.to_string(),
                })
            }
        };
        let imap = match srv("_imaps", Security::Tls).await {
            Some(s) => Some(s),
            None => srv("_imap", Security::StartTls).await,
        };
        let smtp = match srv("_submissions", Security::Tls).await {
            Some(s) => Some(s),
            None => srv("_submission", Security::StartTls).await,
        };
        if imap.is_some() || smtp.is_some() {
            return Ok(Discovered { imap, smtp, source: DiscoverySource::Srv });
        }
        for mx in dns.mx(&domain).await {
            if let Some(p) = table::by_mx(&mx) {
                let (imap, smtp) = p.settings(address);
                return Ok(Discovered { imap: Some(imap), smtp: Some(smtp), source: DiscoverySource::Mx });
            }
        }
        Err(Error::new(
            ErrorKind::NotFound,
            format!("no mail settings found for {domain} (built-in table, autoconfig, SRV, MX)"),
        ))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_big_provider_is_known_without_network() {
        let d = discover("Ann@gmail.com", &DiscoverOptions::default())
            .await
            .unwrap();
        assert_eq!(d.source, DiscoverySource::BuiltIn);
        let imap = d.imap.unwrap();
        assert_eq!(
            (imap.host.as_str(), imap.port, imap.security),
            ("imap.gmail.com", 993, Security::Tls)
        );
        assert_eq!(imap.username, "Ann@gmail.com");
    }

    #[tokio::test]
    async fn what_is_not_an_address_is_invalid_input() {
        for bad in [
            "",
            "ann",
            "@example.com",
            "ann@",
            "ann@exa mple.com",
            "ann@-..",
        ] {
            let e = discover(bad, &DiscoverOptions::default())
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn the_address_is_percent_encoded_in_the_query() {
        assert_eq!(query_encode("a+b@x.org"), "a%2Bb%40x.org");
    }
}
