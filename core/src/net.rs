//! TCP and TLS plumbing shared by IMAP and SMTP: deadlines, certificate trust, and a stream
//! that is either plain or TLS.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{self, pki_types::ServerName};
use tokio_rustls::TlsConnector;

use crate::config::TlsOptions;
use crate::error::{Error, ErrorKind, Result};

/// A connection that is either plain TCP or TLS over TCP.
#[derive(Debug)]
pub(crate) enum MaybeTls {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for MaybeTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MaybeTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            MaybeTls::Plain(s) => s.is_write_vectored(),
            MaybeTls::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_flush(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Runs `fut` under a deadline, turning expiry into [`ErrorKind::Timeout`].
pub(crate) async fn deadline<T>(
    what: &str,
    limit: Duration,
    fut: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r,
        Err(_) => Err(Error::timeout(what, limit)),
    }
}

/// Opens a TCP connection within `limit`.
pub(crate) async fn connect_tcp(host: &str, port: u16, limit: Duration) -> Result<TcpStream> {
    let fut = async {
        let stream = TcpStream::connect((host, port)).await.map_err(|e| {
            Error::new(
                ErrorKind::Connect,
                format!("cannot connect to {host}:{port}"),
            )
            .with_source(e)
        })?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    };
    deadline(&format!("connecting to {host}:{port}"), limit, fut).await
}

/// Builds the rustls client configuration for `opts`.
pub(crate) fn tls_connector(opts: &TlsOptions) -> Result<TlsConnector> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorKind::Tls, "TLS setup failed").with_source(e))?;
    let config = if opts.accept_invalid_certs {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(pem) = &opts.ca_pem {
            use rustls::pki_types::{pem::PemObject, CertificateDer};
            let mut added = 0;
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert
                    .map_err(|e| Error::invalid_input(format!("the CA PEM cannot be read: {e}")))?;
                roots.add(cert).map_err(|e| {
                    Error::invalid_input("the CA certificate is not usable").with_source(e)
                })?;
                added += 1;
            }
            if added == 0 {
                return Err(Error::invalid_input("the CA PEM holds no certificate"));
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Wraps `tcp` in TLS, verifying the certificate for `host` (or `opts.server_name`).
pub(crate) async fn tls_handshake(
    tcp: TcpStream,
    host: &str,
    opts: &TlsOptions,
    limit: Duration,
) -> Result<MaybeTls> {
    let connector = tls_connector(opts)?;
    let name = opts.server_name.as_deref().unwrap_or(host);
    let server_name = ServerName::try_from(name.to_string()).map_err(|e| {
        Error::invalid_input(format!("{name:?} is not a valid TLS server name")).with_source(e)
    })?;
    let fut = async {
        connector.connect(server_name, tcp).await.map_err(|e| {
            let detail = e.to_string();
            Error::new(
                ErrorKind::Tls,
                format!("TLS handshake with {host} failed: {detail}"),
            )
            .with_source(e)
        })
    };
    let tls = deadline(&format!("TLS handshake with {host}"), limit, fut).await?;
    Ok(MaybeTls::Tls(Box::new(tls)))
}

/// Accepts every certificate: only used when the caller opted out of verification.
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// What replaces a server text that contained the credentials.
pub(crate) const WITHHELD: &str = "<server text withheld: it contained the credentials>";

/// `text` unchanged, or [`WITHHELD`] when it contains the whole `secret` (ignoring ASCII
/// case): a server may echo what it was sent. Never a partial replacement, which would leave
/// the rest of the secret's context readable and, for a short secret, mangle every
/// coincidental match.
pub(crate) fn scrub(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(s) if !s.is_empty() && contains_ignoring_case(text, s) => WITHHELD.to_string(),
        _ => text.to_string(),
    }
}

fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_withholds_the_whole_text_or_nothing() {
        assert_eq!(scrub("bad password hunter2", Some("hunter2")), WITHHELD);
        assert_eq!(scrub("bad password HUNTER2", Some("hunter2")), WITHHELD);
        // A short secret: the text is withheld when it occurs, never mangled letter by letter.
        assert_eq!(
            scrub("5.7.8 Error: authentication failed", Some("p")),
            "5.7.8 Error: authentication failed"
        );
        assert_eq!(scrub("upstream problem", Some("p")), WITHHELD);
        assert_eq!(scrub("no match here", Some("hunter2")), "no match here");
        assert_eq!(scrub("text", None), "text");
        assert_eq!(scrub("text", Some("")), "text");
        assert!(!scrub("Zugang abgelehnt: Geheim", Some("geheim")).contains("Geheim"));
    }
}
