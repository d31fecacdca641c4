"""Settings from an address (``discover`` / ``async_discover``) against real servers on
loopback: dnsmasq as the DNS server and an HTTPS autoconfig server (tests/discover/serve.py),
for each way discovery can succeed or fail."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ROOT

import mailwire
from mailwire import ServerSettings


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Any]]:
    """dnsmasq and the HTTPS server, until the module's tests are done: the options that
    point discovery at them."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "discover" / "serve.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdin is not None
    info = json.loads(proc.stdout.readline())
    try:
        yield dict(
            resolver=f"127.0.0.1:{info['dns']}",
            https_port=info["https"],
            ca_pem=info["ca"],
            timeout=10.0,
        )
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


# conformance: discover
def test_each_method_finds_the_settings_it_should_and_nothing_is_not_found(servers: dict[str, Any]) -> None:
    d = mailwire.discover("ann@auto.test", **servers)
    assert d.source == "autoconfig"
    assert d.imap == ServerSettings("imap.auto.test", 993, "tls", "ann@auto.test")
    assert d.smtp == ServerSettings("smtp.auto.test", 587, "starttls", "ann")

    d = mailwire.discover("bob@wellknown.test", **servers)
    assert d.source == "autoconfig"
    assert d.imap is not None and d.imap.security == "starttls"

    d = mailwire.discover("cy@srv.test", **servers)
    assert d.source == "srv"
    assert (d.imap, d.smtp) == (
        ServerSettings("imap.srv.test", 993, "tls", "cy@srv.test"),
        ServerSettings("smtp.srv.test", 587, "starttls", "cy@srv.test"),
    )

    # The resolver as an (ip, port) tuple, as Python's socket addresses are.
    host, port = servers["resolver"].rsplit(":", 1)
    d = mailwire.discover("di@mx.test", **{**servers, "resolver": (host, int(port))})
    assert d.source == "mx"
    assert d.imap is not None and d.imap.host == "imap.gmail.com"

    with pytest.raises(mailwire.NotFoundError):
        mailwire.discover("eve@nothing.test", **servers)


# conformance: discover
async def test_a_server_that_never_answers_is_bounded_by_the_deadline(servers: dict[str, Any]) -> None:
    start = time.monotonic()
    # The silent autoconfig server costs its step (a quarter of the deadline), then the
    # other methods find nothing: NotFound, well within the deadline.
    with pytest.raises(mailwire.NotFoundError):
        await mailwire.async_discover("fay@slow.test", **{**servers, "timeout": 2.0})
    assert time.monotonic() - start < 5

    # An untrusted autoconfig certificate is not believed.
    with pytest.raises(mailwire.NotFoundError):
        await mailwire.async_discover("ann@auto.test", **{**servers, "ca_pem": None})

    d = await mailwire.async_discover("ann@auto.test", **servers)
    assert (d.source, d.imap and d.imap.host) == ("autoconfig", "imap.auto.test")


# conformance: discover
def test_big_providers_come_from_the_built_in_table_and_bad_input_is_refused() -> None:
    # No network: the resolver given is never asked.
    d = mailwire.discover("someone@gmail.com", resolver="127.0.0.1:9")
    assert d.source == "built_in"
    assert d.imap == ServerSettings("imap.gmail.com", 993, "tls", "someone@gmail.com")
    assert "source='built_in'" in repr(d)
    for bad in ["no-at-sign", "@example.com", "a@exa mple.com"]:
        with pytest.raises(mailwire.InvalidInputError):
            mailwire.discover(bad)
    with pytest.raises(mailwire.InvalidInputError):
        mailwire.discover("a@b.test", resolver="not an address")
    with pytest.raises(mailwire.InvalidInputError):
        mailwire.discover("a@b.test", timeout=-1)
