"""The exceptions mailwire raises: one class per error kind, all subclasses of `MailError`.

Raised from the Rust core with the server's reply attached:

- ``kind``: the stable kind name (``"connect"``, ``"tls"``, ``"auth"``, ``"timeout"``,
  ``"not_found"``, ``"already_exists"``, ``"rejected"``, ``"protocol"``, ``"invalid_input"``,
  ``"closed"``);
- ``server_text``: what the server said, when it answered;
- ``response_code``: the IMAP response code (``"NONEXISTENT"``, ``"AUTHENTICATIONFAILED"``…);
- ``smtp_code`` / ``enhanced_code``: the SMTP reply code (``550``) and enhanced code
  (``"5.1.1"``);
- ``description``: what failed, without the server's text or codes (``str(e)`` has both);
- ``permanent``: True when retrying the same request cannot succeed (an SMTP 5xx reply,
  refused credentials, a mailbox that does not exist);
- ``transient``: True when retrying later may succeed (an SMTP 4xx reply, a timeout, a lost
  connection);
- ``cause``: the underlying I/O or TLS error's text, also chained as ``__cause__``.

These are the core's error fields, the same in every language mailwire speaks.

`ConnectError` is also a builtin `ConnectionError`, `TimeoutError` a builtin `TimeoutError`
and `InvalidInputError` a `ValueError`, so ``except TimeoutError`` and
``except ConnectionError`` catch them. No message or attribute ever contains a password or
token.
"""

from __future__ import annotations

import builtins

__all__ = [
    "AlreadyExistsError",
    "AuthError",
    "ClosedError",
    "ConnectError",
    "InvalidInputError",
    "MailError",
    "NotFoundError",
    "ProtocolError",
    "RejectedError",
    "TimeoutError",
    "TlsError",
]


class MailError(Exception):
    """Base class of every error mailwire raises."""

    kind: str
    server_text: str | None
    response_code: str | None
    smtp_code: int | None
    enhanced_code: str | None
    description: str
    permanent: bool
    transient: bool
    cause: str | None

    def __init__(
        self,
        message: str,
        *,
        kind: str = "unknown",
        server_text: str | None = None,
        response_code: str | None = None,
        smtp_code: int | None = None,
        enhanced_code: str | None = None,
        description: str | None = None,
        permanent: bool = False,
        transient: bool = False,
        cause: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.server_text = server_text
        self.response_code = response_code
        self.smtp_code = smtp_code
        self.enhanced_code = enhanced_code
        self.description = message if description is None else description
        self.permanent = permanent
        self.transient = transient
        self.cause = cause

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConnectError(MailError, builtins.ConnectionError):
    """DNS failure, connection refused or reset, connection closed by the peer."""


class TlsError(MailError):
    """TLS handshake or certificate failure, or STARTTLS not offered by the server."""


class AuthError(MailError):
    """The server refused the credentials."""


class TimeoutError(MailError, builtins.TimeoutError):  # noqa: A001 - the builtin is a base
    """A deadline (connect, greeting, command, IDLE) passed."""


class NotFoundError(MailError):
    """The mailbox or message does not exist."""


class AlreadyExistsError(MailError):
    """The mailbox already exists."""


class RejectedError(MailError):
    """The server answered NO/BAD (IMAP) or a 4xx/5xx reply (SMTP)."""


class ProtocolError(MailError):
    """The server sent something unparsable or out of order."""


class InvalidInputError(MailError, ValueError):
    """The caller passed something unusable (a bad address, CR/LF in a name, …)."""


class ClosedError(MailError):
    """The client was logged out or shut down."""
