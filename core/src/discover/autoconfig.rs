//! Thunderbird-style autoconfig: the `config-v1.1.xml` a domain publishes over HTTPS, and
//! the small HTTPS GET that fetches it (bounded in size and time, certificates verified).

use std::net::IpAddr;
use std::time::Duration;

use quick_xml::events::Event;
use quick_xml::Reader;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::ServerSettings;
use crate::config::{Security, TlsOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::net;

/// The largest autoconfig document read (real ones are about 2 KB).
const MAX_BODY: usize = 256 * 1024;

/// GETs `https://host:port/path` from `ip`, verifying the certificate for `host`. `Ok(None)`
/// for an answer other than 200.
pub(crate) async fn get(
    ip: IpAddr,
    host: &str,
    port: u16,
    path: &str,
    tls: &TlsOptions,
    limit: Duration,
) -> Result<Option<String>> {
    let fut = async {
        let tcp = net::connect_tcp(&ip.to_string(), port, limit).await?;
        let mut stream = net::tls_handshake(tcp, host, tls, limit).await?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mailwire/{}\r\nAccept: application/xml, text/xml\r\nConnection: close\r\n\r\n",
            env!("CARGO_PKG_VERSION")
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| Error::io("sending an autoconfig request", e))?;
        let mut raw = Vec::new();
        let read = (&mut stream)
            .take(MAX_BODY as u64 + 16 * 1024)
            .read_to_end(&mut raw)
            .await;
        match read {
            Ok(_) => {}
            // Many HTTPS servers close without TLS's close_notify; the body's own framing
            // (its length or its last chunk) says whether it is complete.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
            Err(e) => return Err(Error::io("reading an autoconfig answer", e)),
        }
        parse_response(&raw)
    };
    net::deadline(&format!("fetching https://{host}{path}"), limit, fut).await
}

/// The body of a complete HTTP/1.1 response when its status is 200.
pub(crate) fn parse_response(raw: &[u8]) -> Result<Option<String>> {
    let bad = |why: &str| {
        Error::protocol(format!(
            "the autoconfig server's answer is malformed ({why})"
        ))
    };
    let split = memchr::memmem::find(raw, b"\r\n\r\n").ok_or_else(|| bad("no end of headers"))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| bad("headers not UTF-8"))?;
    let body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| bad("no status"))?;
    if status != 200 {
        return Ok(None);
    }
    let headers: Vec<(&str, &str)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    let chunked =
        header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if let Some(len) = header("content-length").filter(|_| !chunked) {
        let len: usize = len.parse().map_err(|_| bad("Content-Length"))?;
        if body.len() < len {
            return Err(bad("shorter than its Content-Length"));
        }
    }
    let body = if chunked {
        dechunk(body).ok_or_else(|| bad("chunked body"))?
    } else {
        body.to_vec()
    };
    if body.len() > MAX_BODY {
        return Err(bad("larger than 256 KB"));
    }
    String::from_utf8(body)
        .map(Some)
        .map_err(|_| bad("body not UTF-8"))
}

/// A chunked body, decoded; `None` when malformed.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let nl = memchr::memmem::find(data, b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..nl]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[nl + 2..];
        if size == 0 {
            return Some(out);
        }
        if size > MAX_BODY || data.len() < size + 2 || out.len() + size > MAX_BODY {
            return None;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// The first IMAP incoming and SMTP outgoing server of an autoconfig document, with its
/// placeholders filled in for `address`.
pub(crate) fn parse(
    xml: &str,
    address: &str,
) -> Result<(Option<ServerSettings>, Option<ServerSettings>)> {
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    let fill = |s: &str| {
        s.replace("%EMAILADDRESS%", address)
            .replace("%EMAILLOCALPART%", local)
            .replace("%EMAILDOMAIN%", domain)
    };
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let (mut imap, mut smtp) = (None, None);
    // The server element being read ("imap"/"smtp"), its fields, and the current field.
    let mut current: Option<(&'static str, Fields)> = None;
    let mut field: Option<String> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            Error::protocol("the autoconfig document is not well-formed XML").with_source(e)
        })?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "incomingServer" || name == "outgoingServer" {
                    let kind = e
                        .try_get_attribute("type")
                        .ok()
                        .flatten()
                        .and_then(|a| a.unescape_value().ok())
                        .map(|v| v.to_ascii_lowercase());
                    current = match (name.as_str(), kind.as_deref()) {
                        ("incomingServer", Some("imap")) if imap.is_none() => {
                            Some(("imap", Fields::default()))
                        }
                        ("outgoingServer", Some("smtp")) if smtp.is_none() => {
                            Some(("smtp", Fields::default()))
                        }
                        _ => None,
                    };
                } else if current.is_some() {
                    field = Some(name);
                }
            }
            Event::Text(t) => {
                if let (Some((_, fields)), Some(name)) = (&mut current, &field) {
                    let text = t.xml_content().map_err(|e| {
                        Error::protocol("bad text in the autoconfig document").with_source(e)
                    })?;
                    fields.set(name, fill(text.trim()));
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                if name.as_ref() == b"incomingServer" || name.as_ref() == b"outgoingServer" {
                    if let Some((kind, fields)) = current.take() {
                        let s = fields.settings(address)?;
                        if kind == "imap" {
                            imap = Some(s)
                        } else {
                            smtp = Some(s)
                        }
                    }
                }
                field = None;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok((imap, smtp))
}

#[derive(Default)]
struct Fields {
    hostname: Option<String>,
    port: Option<String>,
    socket_type: Option<String>,
    username: Option<String>,
}

impl Fields {
    fn set(&mut self, name: &str, value: String) {
        match name {
            "hostname" => self.hostname = Some(value),
            "port" => self.port = Some(value),
            "socketType" => self.socket_type = Some(value),
            "username" => self.username = Some(value),
            _ => {}
        }
    }

    fn settings(self, address: &str) -> Result<ServerSettings> {
        let bad = |what: &str| {
            Error::new(
                ErrorKind::Protocol,
                format!("the autoconfig document has {what}"),
            )
        };
        let host = self
            .hostname
            .filter(|h| super::valid_host(h))
            .ok_or_else(|| bad("a server without a valid hostname"))?;
        let port: u16 = self
            .port
            .and_then(|p| p.parse().ok())
            .filter(|&p| p > 0)
            .ok_or_else(|| bad("a server without a valid port"))?;
        let security = match self
            .socket_type
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("SSL" | "TLS") => Security::Tls,
            Some("STARTTLS") => Security::StartTls,
            Some("PLAIN") => Security::Plain,
            _ => Security::for_port(port),
        };
        Ok(ServerSettings {
            host,
            port,
            security,
            username: self.username.unwrap_or_else(|| address.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0"?>
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <incomingServer type="pop3"><hostname>pop.example.org</hostname><port>995</port><socketType>SSL</socketType></incomingServer>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <!-- the full address -->
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname><port>587</port><socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>"#;

    #[test]
    fn the_first_imap_and_smtp_servers_are_read_with_placeholders_filled() {
        let (imap, smtp) = parse(DOC, "ann@example.org").unwrap();
        let imap = imap.unwrap();
        assert_eq!(
            (imap.host.as_str(), imap.port, imap.security),
            ("imap.example.org", 993, Security::Tls)
        );
        assert_eq!(imap.username, "ann@example.org");
        let smtp = smtp.unwrap();
        assert_eq!(
            (smtp.port, smtp.security, smtp.username.as_str()),
            (587, Security::StartTls, "ann")
        );
    }

    #[test]
    fn broken_documents_are_errors_not_panics() {
        for doc in ["<clientConfig><incomingServer type=\"imap\"><hostname>a b</hostname><port>1</port></incomingServer></clientConfig>",
                    "<clientConfig><incomingServer type=\"imap\"><hostname>h</hostname><port>99999</port></incomingServer></clientConfig>",
                    "<a><b></a>"] {
            assert!(parse(doc, "a@b").is_err(), "{doc}");
        }
        assert_eq!(parse("<clientConfig/>", "a@b").unwrap(), (None, None));
    }

    #[test]
    fn http_answers_are_read_plain_or_chunked_and_non_200_is_none() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n<x/>";
        assert_eq!(parse_response(plain).unwrap().as_deref(), Some("<x/>"));
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n<x\r\n2;ext\r\n/>\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked).unwrap().as_deref(), Some("<x/>"));
        assert_eq!(
            parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n").unwrap(),
            None
        );
        assert!(parse_response(b"garbage").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n<x/>").is_err());
        assert!(parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffff\r\nx"
        )
        .is_err());
    }
}
