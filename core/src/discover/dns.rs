//! The DNS lookups of discovery (addresses, SRV, MX) through hickory, with the system's
//! resolver or one given (a test's dnsmasq on loopback, a company's resolver).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::{Resolver, TokioResolver};

use crate::error::{Error, ErrorKind, Result};

/// A resolver for discovery.
pub(crate) struct Dns(TokioResolver);

/// `name` as a fully qualified name, so that no search domain is appended.
fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

/// A host name from DNS, without its final dot, lower case.
fn host(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl Dns {
    /// Queries `server` (UDP and TCP) or, without one, the servers of `/etc/resolv.conf`;
    /// each query gives up after `limit`.
    pub(crate) fn new(server: Option<SocketAddr>, limit: Duration) -> Result<Dns> {
        let mut opts = ResolverOpts::default();
        opts.timeout = limit;
        opts.attempts = 1;
        let builder = match server {
            Some(addr) => {
                let group = NameServerConfigGroup::from_ips_clear(&[addr.ip()], addr.port(), true);
                Resolver::builder_with_config(
                    ResolverConfig::from_parts(None, vec![], group),
                    TokioConnectionProvider::default(),
                )
            }
            None => Resolver::builder_tokio().map_err(|e| {
                Error::new(
                    ErrorKind::Connect,
                    "cannot read the system's DNS configuration",
                )
                .with_source(e)
            })?,
        };
        Ok(Dns(builder.with_options(opts).build()))
    }

    /// The first address of `name`, if it has one.
    pub(crate) async fn ip(&self, name: &str) -> Option<IpAddr> {
        self.0.lookup_ip(fqdn(name)).await.ok()?.iter().next()
    }

    /// The preferred target of SRV record `name` (RFC 2782: lowest priority, then highest
    /// weight); `None` also when the target is `.` (the service is not offered).
    pub(crate) async fn srv(&self, name: &str) -> Option<(String, u16)> {
        let lookup = self.0.srv_lookup(fqdn(name)).await.ok()?;
        let best = lookup
            .iter()
            .min_by_key(|r| (r.priority(), std::cmp::Reverse(r.weight())))?;
        let target = host(&best.target().to_utf8());
        (!target.is_empty() && best.port() > 0).then_some((target, best.port()))
    }

    /// The mail exchangers of `domain`, most preferred first.
    pub(crate) async fn mx(&self, domain: &str) -> Vec<String> {
        let Ok(lookup) = self.0.mx_lookup(fqdn(domain)).await else {
            return Vec::new();
        };
        let mut list: Vec<(u16, String)> = lookup
            .iter()
            .map(|r| (r.preference(), host(&r.exchange().to_utf8())))
            .collect();
        list.sort();
        list.into_iter().map(|(_, h)| h).collect()
    }
}
