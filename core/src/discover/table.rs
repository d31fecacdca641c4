//! The settings of the big providers, built in: no network needed for them, and MX hosts
//! that reveal a provider behind a custom domain.

use super::ServerSettings;
use crate::config::Security;

/// One provider: the mail domains it serves, the MX host suffixes that reveal it, and its
/// servers (host, port, security).
pub(crate) struct Provider {
    pub(crate) domains: &'static [&'static str],
    pub(crate) mx_suffixes: &'static [&'static str],
    pub(crate) imap: (&'static str, u16, Security),
    pub(crate) smtp: (&'static str, u16, Security),
}

use Security::{StartTls, Tls};

/// From the providers' own help pages.
pub(crate) const PROVIDERS: &[Provider] = &[
    Provider {
        domains: &["gmail.com", "googlemail.com"],
        mx_suffixes: &["google.com", "googlemail.com"],
        imap: ("imap.gmail.com", 993, Tls),
        smtp: ("smtp.gmail.com", 465, Tls),
    },
    Provider {
        domains: &[
            "outlook.com",
            "hotmail.com",
            "live.com",
            "msn.com",
            "outlook.de",
            "hotmail.de",
        ],
        mx_suffixes: &["protection.outlook.com", "olc.protection.outlook.com"],
        imap: ("outlook.office365.com", 993, Tls),
        smtp: ("smtp.office365.com", 587, StartTls),
    },
    Provider {
        domains: &["icloud.com", "me.com", "mac.com"],
        mx_suffixes: &["mail.icloud.com"],
        imap: ("imap.mail.me.com", 993, Tls),
        smtp: ("smtp.mail.me.com", 587, StartTls),
    },
    Provider {
        domains: &[
            "yahoo.com",
            "ymail.com",
            "rocketmail.com",
            "yahoo.co.uk",
            "yahoo.de",
            "yahoo.fr",
        ],
        mx_suffixes: &["yahoodns.net"],
        imap: ("imap.mail.yahoo.com", 993, Tls),
        smtp: ("smtp.mail.yahoo.com", 465, Tls),
    },
    Provider {
        domains: &["aol.com"],
        mx_suffixes: &["mx.aol.com"],
        imap: ("imap.aol.com", 993, Tls),
        smtp: ("smtp.aol.com", 465, Tls),
    },
    Provider {
        domains: &[
            "fastmail.com",
            "fastmail.fm",
            "fastmail.net",
            "messagingengine.com",
        ],
        mx_suffixes: &["messagingengine.com"],
        imap: ("imap.fastmail.com", 993, Tls),
        smtp: ("smtp.fastmail.com", 465, Tls),
    },
    Provider {
        domains: &["163.com"],
        mx_suffixes: &["163.com"],
        imap: ("imap.163.com", 993, Tls),
        smtp: ("smtp.163.com", 465, Tls),
    },
    Provider {
        domains: &["126.com"],
        mx_suffixes: &["126.com"],
        imap: ("imap.126.com", 993, Tls),
        smtp: ("smtp.126.com", 465, Tls),
    },
    Provider {
        domains: &["qq.com", "foxmail.com"],
        mx_suffixes: &["qq.com"],
        imap: ("imap.qq.com", 993, Tls),
        smtp: ("smtp.qq.com", 465, Tls),
    },
    Provider {
        domains: &["gmx.net", "gmx.de", "gmx.at", "gmx.ch"],
        mx_suffixes: &["gmx.net"],
        imap: ("imap.gmx.net", 993, Tls),
        smtp: ("mail.gmx.net", 465, Tls),
    },
    Provider {
        domains: &["gmx.com"],
        mx_suffixes: &["gmx.com"],
        imap: ("imap.gmx.com", 993, Tls),
        smtp: ("mail.gmx.com", 465, Tls),
    },
    Provider {
        domains: &["web.de"],
        mx_suffixes: &["web.de"],
        imap: ("imap.web.de", 993, Tls),
        smtp: ("smtp.web.de", 587, StartTls),
    },
    Provider {
        domains: &["yandex.com", "yandex.ru", "ya.ru"],
        mx_suffixes: &["yandex.net", "yandex.ru"],
        imap: ("imap.yandex.com", 993, Tls),
        smtp: ("smtp.yandex.com", 465, Tls),
    },
    Provider {
        domains: &["zoho.com", "zohomail.com"],
        mx_suffixes: &["zoho.com", "zoho.eu"],
        imap: ("imap.zoho.com", 993, Tls),
        smtp: ("smtp.zoho.com", 465, Tls),
    },
];

impl Provider {
    /// This provider's settings for `address`.
    pub(crate) fn settings(&self, address: &str) -> (ServerSettings, ServerSettings) {
        let make = |(host, port, security): (&str, u16, Security)| ServerSettings {
            host: host.to_string(),
            port,
            security,
            username: address.to_string(),
        };
        (make(self.imap), make(self.smtp))
    }
}

/// The provider serving mail for `domain` (lower case).
pub(crate) fn by_domain(domain: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.domains.contains(&domain))
}

/// The provider whose servers `mx_host` (lower case, without the final dot) belongs to.
pub(crate) fn by_mx(mx_host: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| {
        p.mx_suffixes
            .iter()
            .any(|s| mx_host == *s || mx_host.ends_with(&format!(".{s}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_and_mx_hosts_find_their_provider() {
        assert_eq!(by_domain("gmail.com").unwrap().imap.0, "imap.gmail.com");
        assert_eq!(
            by_mx("alt1.aspmx.l.google.com").unwrap().smtp.0,
            "smtp.gmail.com"
        );
        assert_eq!(
            by_mx("contoso-com.mail.protection.outlook.com")
                .unwrap()
                .imap
                .0,
            "outlook.office365.com"
        );
        assert!(
            by_mx("evilgoogle.com").is_none(),
            "a suffix matches whole labels only"
        );
        assert!(by_domain("example.com").is_none());
        for p in PROVIDERS {
            assert!(!p.domains.is_empty() && !p.mx_suffixes.is_empty());
        }
    }
}
