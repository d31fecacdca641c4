#!/usr/bin/env python3
"""Real servers for the discovery tests of every face, on loopback: dnsmasq (Debian's
dnsmasq-base) as the DNS server and an HTTPS server publishing autoconfig documents, with a
certificate authority of their own made by openssl.

The zone (all under .test, answered by dnsmasq alone; unknown names are NXDOMAIN):
  auto.test       autoconfig.auto.test -> 127.0.0.1, serving /mail/config-v1.1.xml
                  (imap.auto.test 993 SSL %EMAILADDRESS%, smtp.auto.test 587 STARTTLS
                  %EMAILLOCALPART%)
  wellknown.test  no autoconfig.<domain>; wellknown.test -> 127.0.0.1 serving
                  /.well-known/autoconfig/mail/config-v1.1.xml (imap.wellknown.test 143
                  STARTTLS, smtp.wellknown.test 465 SSL)
  srv.test        SRV _imaps._tcp -> imap.srv.test:993, _submission._tcp -> smtp.srv.test:587
  mx.test         MX -> alt1.aspmx.l.google.com (a company domain hosted by Google)
  slow.test       autoconfig.slow.test -> 127.0.0.2, where a server accepts and never answers
  nothing.test    nothing at all

Prints one JSON line {"dns": port, "https": port, "ca": path} and runs until stdin closes.
Usage: serve.py
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

DOCS = {
    ("autoconfig.auto.test", "/mail/config-v1.1.xml"): """<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="auto.test">
    <domain>auto.test</domain>
    <incomingServer type="imap">
      <hostname>imap.auto.test</hostname><port>993</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.auto.test</hostname><port>587</port><socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%</username><authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
""",
    ("wellknown.test", "/.well-known/autoconfig/mail/config-v1.1.xml"): """<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="wellknown.test">
  <incomingServer type="imap"><hostname>imap.wellknown.test</hostname><port>143</port>
    <socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username></incomingServer>
  <outgoingServer type="smtp"><hostname>smtp.wellknown.test</hostname><port>465</port>
    <socketType>SSL</socketType><username>%EMAILADDRESS%</username></outgoingServer>
</emailProvider></clientConfig>
""",
}
NAMES = ["autoconfig.auto.test", "wellknown.test", "autoconfig.slow.test"]


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def make_ca(d: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for NAMES, made with openssl."""
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)
    ca_key, ca, key, csr, cert = (d / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca),
        "-days", "2", "-subj", "/CN=mailwire discovery test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=autoconfig.auto.test")
    ext = d / "ext.cnf"
    ext.write_text("subjectAltName=" + ",".join(f"DNS:{n}" for n in NAMES) + "\n")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert), "-days", "2", "-extfile", str(ext))
    return ca, cert, key


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("discover https: " + fmt % args + "\n")

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        body = DOCS.get((host, self.path.split("?")[0]))
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        # Chunked, as many real servers send it.
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(data), 100):
            piece = data[i:i + 100]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


def main() -> None:
    # A parent may start this with signals blocked (Swift's Foundation Process does), and
    # dnsmasq would inherit the mask and never see the SIGTERM that ends it.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    dnsmasq = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
    if not os.path.exists(dnsmasq):
        sys.exit("serve.py: dnsmasq is missing (apt-get install dnsmasq-base; devserver install does it)")
    tmp = Path(tempfile.mkdtemp(prefix="mailwire-discover-"))
    ca, cert, key = make_ca(tmp)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)

    https_port = free_port()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", https_port), Handler)
    httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    # The silent server of slow.test: accepts, never answers.
    silent = socket.socket()
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    silent.bind(("127.0.0.2", https_port))
    silent.listen(8)
    held = []
    threading.Thread(target=lambda: [held.append(silent.accept()) for _ in iter(int, 1)], daemon=True).start()

    dns_port = free_port(kind=socket.SOCK_DGRAM)
    args = [dnsmasq, "--keep-in-foreground", "--no-daemon", "--conf-file=/dev/null", f"--port={dns_port}",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
            "--pid-file=", "--local=/test/", "--log-facility=-",
            "--host-record=autoconfig.auto.test,127.0.0.1",
            "--host-record=wellknown.test,127.0.0.1",
            "--host-record=autoconfig.slow.test,127.0.0.2",
            "--srv-host=_imaps._tcp.srv.test,imap.srv.test,993,0,1",
            "--srv-host=_submission._tcp.srv.test,smtp.srv.test,587,0,1",
            "--mx-host=mx.test,alt1.aspmx.l.google.com,10"]
    if os.geteuid() == 0:
        args.append("--user=root")
    dns = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Ready when it answers on TCP too.
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", dns_port), timeout=0.1).close()
            break
        except OSError:
            if dns.poll() is not None:
                sys.exit(f"serve.py: dnsmasq exited with {dns.returncode}")
            threading.Event().wait(0.05)
    print(json.dumps({"dns": dns_port, "https": https_port, "ca": str(ca)}), flush=True)
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        dns.terminate()
        dns.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
