//! Settings from an address: the core's `discover`. What it returns (`Discovered`,
//! `ServerSettings`, `DiscoverySource`) is the core's own.

use std::net::SocketAddr;
use std::time::Duration;

use mailwire::discover::{self as core, Discovered};

use crate::error::Result;

/// How `discover` looks; each absent field is the core's default.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct DiscoverOptions {
    /// The deadline for the whole search. Default 15 s.
    #[uniffi(default = None)]
    pub timeout: Option<Duration>,
    /// The DNS server to ask, `"ip:port"` (`"127.0.0.1:53"`, `"[::1]:53"`). Default: the
    /// system's (`/etc/resolv.conf`).
    #[uniffi(default = None)]
    pub resolver: Option<String>,
    /// The port of the autoconfig HTTPS servers. Default 443.
    #[uniffi(default = None)]
    pub https_port: Option<u16>,
    /// Extra CA certificate(s), PEM, trusted for the autoconfig servers.
    #[uniffi(default = None)]
    pub ca_pem: Option<Vec<u8>>,
}

impl TryFrom<DiscoverOptions> for core::DiscoverOptions {
    type Error = mailwire::Error;

    fn try_from(o: DiscoverOptions) -> mailwire::Result<Self> {
        let mut out = core::DiscoverOptions::default();
        out.timeout = o.timeout.unwrap_or(out.timeout);
        if let Some(r) = o.resolver {
            out.resolver = Some(r.parse::<SocketAddr>().map_err(|_| {
                mailwire::Error::new(
                    mailwire::ErrorKind::InvalidInput,
                    format!("resolver must be \"ip:port\" (\"127.0.0.1:53\"), not {r:?}"),
                )
            })?);
        }
        out.https_port = o.https_port.unwrap_or(out.https_port);
        out.ca_pem = o.ca_pem;
        Ok(out)
    }
}

/// Finds the IMAP and SMTP settings of `address` the way mail apps do: a built-in table of
/// the big providers (no network), autoconfig over HTTPS (`autoconfig.<domain>`, then
/// `<domain>/.well-known/autoconfig/`), DNS SRV records (RFC 6186), then the domain's MX host
/// if it belongs to a provider of the table; all within one deadline. `InvalidInput` for
/// something that is not an address, `NotFound` when no method found settings, `Timeout`
/// when the deadline passed first.
#[uniffi::export(async_runtime = "tokio", default(options = None))]
pub async fn discover(address: String, options: Option<DiscoverOptions>) -> Result<Discovered> {
    crate::error::guard_async(async {
        let options = options.unwrap_or_default().try_into()?;
        Ok(core::discover(&address, &options).await?)
    })
    .await
}
