//! Settings from an address: the core's `discover` behind the facade's `discover`.

use std::net::SocketAddr;

use mailwire::discover as core;
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;

use crate::config::millis;
use crate::error::{invalid, IntoNapi, Result};

/// How `discover` looks (the core's `DiscoverOptions`; absent: its default).
#[napi(object, object_to_js = false)]
pub struct DiscoverOptions {
    /// The deadline for the whole search, in milliseconds. Default 15000.
    pub timeout: Option<f64>,
    /// The DNS server to ask, `'ip:port'` (`'[::1]:53'`). Default: the system's
    /// (`/etc/resolv.conf`).
    pub resolver: Option<String>,
    /// The port of the autoconfig HTTPS servers. Default 443.
    pub https_port: Option<u32>,
    /// Extra trusted CA certificate(s) for the autoconfig servers, PEM.
    pub ca: Option<Either<Buffer, String>>,
}

/// One server found by `discover`: its fields fit `ImapClient.connect` / `SmtpClient.connect`.
#[napi(object)]
pub struct ServerSettings {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u32,
    /// Transport security.
    #[napi(ts_type = "'tls' | 'starttls' | 'plain'")]
    pub security: String,
    /// The user name to log in with (the address, or what the provider says).
    pub username: String,
}

/// What `discover` found: at least one of the two servers.
#[napi(object)]
pub struct Discovered {
    /// The IMAP server, if found.
    pub imap: Option<ServerSettings>,
    /// The SMTP submission server, if found.
    pub smtp: Option<ServerSettings>,
    /// Where they were found: `built_in` (the table of big providers), `autoconfig`, `srv`
    /// (DNS SRV records) or `mx` (the domain's mail exchanger belongs to a provider of the
    /// table).
    #[napi(ts_type = "'built_in' | 'autoconfig' | 'srv' | 'mx'")]
    pub source: String,
}

fn server(s: core::ServerSettings) -> ServerSettings {
    ServerSettings {
        host: s.host,
        port: u32::from(s.port),
        security: s.security.as_str().to_string(),
        username: s.username,
    }
}

fn options(o: Option<DiscoverOptions>) -> Result<core::DiscoverOptions> {
    let mut out = core::DiscoverOptions::default();
    let Some(o) = o else { return Ok(out) };
    if let Some(ms) = o.timeout {
        out.timeout = millis("timeout", ms)?;
    }
    if let Some(r) = o.resolver {
        out.resolver = Some(r.parse::<SocketAddr>().map_err(|_| {
            invalid(format!(
                "resolver must be 'ip:port' ('127.0.0.1:53'), not {r:?}"
            ))
        })?);
    }
    if let Some(p) = o.https_port {
        out.https_port =
            u16::try_from(p).map_err(|_| invalid(format!("httpsPort {p} is out of range")))?;
    }
    out.ca_pem = o.ca.map(|ca| match ca {
        Either::A(b) => b.to_vec(),
        Either::B(s) => s.into_bytes(),
    });
    Ok(out)
}

/// Finds the IMAP and SMTP settings of `address` the way mail apps do: a built-in table of
/// the big providers (no network), autoconfig over HTTPS (`autoconfig.<domain>`, then
/// `<domain>/.well-known/autoconfig/`), DNS SRV records (RFC 6186), then the domain's MX
/// host if it belongs to a provider of the table; all within `timeout`. Rejects with
/// `EINVAL` for something that is not an address, `ENONEXISTENT` when no method found
/// settings, `ETIMEDOUT` when the deadline passed first.
#[napi]
pub async fn discover(address: String, options: Option<DiscoverOptions>) -> Result<Discovered> {
    crate::error::guard_async(async {
        let o = self::options(options)?;
        let d = core::discover(&address, &o).await.napi()?;
        Ok(Discovered {
            imap: d.imap.map(server),
            smtp: d.smtp.map(server),
            source: d.source.as_str().to_string(),
        })
    })
    .await
}
