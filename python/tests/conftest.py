"""Fixtures for the tests against the real devserver (Dovecot + Postfix).

Settings come from the ``MAILWIRE_*`` variables (``eval "$(devserver/devserver env)"``), or
from ``devserver env`` when they are not set. These tests use only the users t50 … t65,
user6 and user7; other suites run against the same servers at the same time.
"""

from __future__ import annotations

import imaplib
import os
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import mailwire

ROOT = Path(__file__).resolve().parents[2]


def _load_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith("MAILWIRE_")}
    if "MAILWIRE_HOST" not in env:
        out = subprocess.run(
            [str(ROOT / "devserver" / "devserver"), "env"], capture_output=True, text=True
        ).stdout
        for line in out.splitlines():
            if line.startswith("export ") and "=" in line:
                k, v = line[len("export ") :].split("=", 1)
                env[k] = v.strip("'")
    if "MAILWIRE_HOST" not in env:
        pytest.exit("devserver not configured: run devserver/devserver start", returncode=2)
    return env


class Env:
    """The devserver's address, ports, CA and users."""

    def __init__(self) -> None:
        self.vars = _load_env()
        self.host = self.vars["MAILWIRE_HOST"]
        self.imaps_port = int(self.vars["MAILWIRE_IMAPS_PORT"])
        self.imap_port = int(self.vars["MAILWIRE_IMAP_PORT"])
        self.smtp_port = int(self.vars["MAILWIRE_SMTP_PORT"])
        self.smtps_port = int(self.vars["MAILWIRE_SMTPS_PORT"])
        self.ca = self.vars["MAILWIRE_CA"]
        self.domain = self.vars["MAILWIRE_DOMAIN"]
        self.devserver = self.vars.get(
            "MAILWIRE_DEVSERVER", str(ROOT / "devserver" / "devserver")
        )

    def password(self, user: str) -> str:
        return self.vars["MAILWIRE_PASSWORD_PATTERN"].replace("{user}", user)

    def token(self, user: str) -> str:
        return self.vars["MAILWIRE_OAUTH_TOKEN_PATTERN"].replace("{user}", user)

    def address(self, user: str) -> str:
        return f"{user}@{self.domain}"

    def imap_kwargs(self, user: str) -> dict[str, object]:
        return dict(
            host=self.host,
            port=self.imaps_port,
            username=user,
            password=self.password(user),
            ca_pem=self.ca,
        )

    def smtp_kwargs(self, user: str) -> dict[str, object]:
        return dict(
            host=self.host,
            port=self.smtp_port,
            security="starttls",
            username=user,
            password=self.password(user),
            ca_pem=self.ca,
        )

    def kill_sessions(self, user: str, signal: str = "KILL") -> None:
        """Ends the user's IMAP sessions on the server: KILL as if it crashed, TERM as if it
        shut down."""
        subprocess.run(
            [self.devserver, "kill-sessions", user, signal], check=True, capture_output=True
        )

    def checker(self, user: str) -> imaplib.IMAP4_SSL:
        """An independent IMAP client (the standard library's) to check server state."""
        ctx = ssl.create_default_context(cafile=self.ca)
        c = imaplib.IMAP4_SSL(self.host, self.imaps_port, ssl_context=ctx)
        c.login(user, self.password(user))
        return c


@pytest.fixture(scope="session")
def env() -> Env:
    return Env()


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def sample_message(env: Env, user: str, subject: str, *, attachment: bytes | None = None) -> bytes:
    m = mailwire.OutgoingMessage(
        from_=f"Sender <{env.address(user)}>",
        to=env.address(user),
        subject=subject,
        text="Hello from the mailwire tests.",
        attachments=[mailwire.Attachment("data.bin", "application/octet-stream", attachment)]
        if attachment is not None
        else None,
    )
    return m.to_bytes()


@pytest.fixture
def imap(env: Env) -> Iterator[mailwire.ImapClient]:
    with mailwire.ImapClient(**env.imap_kwargs("t50")) as c:  # type: ignore[arg-type]
        yield c


@pytest.fixture
def mailbox(imap: mailwire.ImapClient) -> Iterator[str]:
    """A fresh mailbox of t50, deleted afterwards."""
    name = unique("box")
    imap.create_mailbox(name)
    yield name
    try:
        imap.delete_mailbox(name)
    except mailwire.MailError:
        pass
