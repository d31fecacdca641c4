//! Settings from an address against real servers on loopback: dnsmasq as the DNS server and
//! an HTTPS autoconfig server (tests/discover/serve.py), for each way discovery can succeed
//! or fail.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mailwire::discover::{discover, DiscoverOptions, Discovered, DiscoverySource};
use mailwire::{ErrorKind, Security};

/// dnsmasq and the HTTPS server, until dropped.
struct Servers {
    child: Child,
    options: DiscoverOptions,
}

impl Servers {
    fn start() -> Servers {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/discover/serve.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 tests/discover/serve.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let info: serde_json::Value = serde_json::from_str(&line).expect("serve.py's JSON line");
        let mut options = DiscoverOptions::default();
        options.resolver = Some(format!("127.0.0.1:{}", info["dns"]).parse().unwrap());
        options.https_port = info["https"].as_u64().unwrap() as u16;
        options.ca_pem = Some(std::fs::read(info["ca"].as_str().unwrap()).unwrap());
        options.timeout = Duration::from_secs(10);
        Servers { child, options }
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn endpoint(d: &Discovered) -> ((String, u16, Security), (String, u16, Security)) {
    let i = d.imap.as_ref().unwrap();
    let s = d.smtp.as_ref().unwrap();
    (
        (i.host.clone(), i.port, i.security),
        (s.host.clone(), s.port, s.security),
    )
}

// conformance: discover
#[tokio::test]
async fn each_method_finds_the_settings_it_should_and_nothing_is_not_found() {
    let servers = Servers::start();
    let o = &servers.options;

    let d = discover("ann@auto.test", o).await.unwrap();
    assert_eq!(d.source, DiscoverySource::Autoconfig);
    assert_eq!(
        endpoint(&d),
        (
            ("imap.auto.test".into(), 993, Security::Tls),
            ("smtp.auto.test".into(), 587, Security::StartTls)
        )
    );
    assert_eq!(d.imap.as_ref().unwrap().username, "ann@auto.test");
    assert_eq!(d.smtp.as_ref().unwrap().username, "ann");

    let d = discover("bob@wellknown.test", o).await.unwrap();
    assert_eq!(d.source, DiscoverySource::Autoconfig);
    assert_eq!(d.imap.unwrap().security, Security::StartTls);

    let d = discover("cy@srv.test", o).await.unwrap();
    assert_eq!(d.source, DiscoverySource::Srv);
    assert_eq!(
        endpoint(&d),
        (
            ("imap.srv.test".into(), 993, Security::Tls),
            ("smtp.srv.test".into(), 587, Security::StartTls)
        )
    );

    let d = discover("di@mx.test", o).await.unwrap();
    assert_eq!(d.source, DiscoverySource::Mx);
    assert_eq!(d.imap.unwrap().host, "imap.gmail.com");

    let e = discover("eve@nothing.test", o).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}

// conformance: discover
#[tokio::test]
async fn a_server_that_never_answers_is_bounded_by_the_deadline() {
    let servers = Servers::start();
    let mut o = servers.options.clone();
    o.timeout = Duration::from_secs(2);
    let start = Instant::now();
    let r = discover("fay@slow.test", &o).await;
    // The silent autoconfig server costs its step (a quarter of the deadline), then the
    // other methods find nothing: NotFound, well within the deadline.
    assert_eq!(r.unwrap_err().kind(), ErrorKind::NotFound);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );

    // An untrusted autoconfig certificate is not believed.
    let mut o = servers.options.clone();
    o.ca_pem = None;
    let e = discover("ann@auto.test", &o).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}
