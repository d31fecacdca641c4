"""Argument conversions shared by the facades (no protocol logic: that is in the core)."""

from __future__ import annotations

import copy
import email.message
import logging
import os
from typing import Any, Literal, Union

from . import _core
from .errors import InvalidInputError

CaPem = Union[bytes, str, "os.PathLike[str]", None]
#: How a connection is secured: implicit TLS, STARTTLS, or none (any other string is
#: refused with InvalidInputError).
Security = Literal["tls", "starttls", "plain"]

_logger = logging.getLogger("mailwire")


def sync_logging() -> None:
    """Forwards the core's protocol traces to `logging` while `mailwire` is at DEBUG."""
    _core._set_tracing(_logger.isEnabledFor(logging.DEBUG))


def read_ca(ca_pem: CaPem) -> bytes | None:
    """PEM bytes from PEM bytes, PEM text, or the path of a PEM file."""
    if ca_pem is None or isinstance(ca_pem, bytes):
        return ca_pem
    if isinstance(ca_pem, str) and ca_pem.lstrip().startswith("-----BEGIN"):
        return ca_pem.encode("ascii")
    with open(os.fspath(ca_pem), "rb") as f:
        return f.read()


def email_bytes(message: email.message.Message, *, strip_bcc: bool = False) -> bytes:
    """The message with CRLF line endings, as SMTP and IMAP carry it."""
    if strip_bcc and "Bcc" in message:
        message = copy.copy(message)
        del message["Bcc"]
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def message_bytes(message: Any) -> Any:
    """What ``append`` accepts: bytes, an OutgoingMessage, or a stdlib email message."""
    if isinstance(message, email.message.Message):
        return email_bytes(message)
    return message


def send_args(
    message: object, from_addr: str | None, to_addrs: str | list[str] | None
) -> tuple[str, tuple[Any, ...]]:
    """Which native send to use for ``send(message, from_addr=, to_addrs=)``, and its
    arguments."""
    if isinstance(to_addrs, str):
        to_addrs = [to_addrs]
    explicit = from_addr is not None or to_addrs is not None
    if explicit and (from_addr is None or to_addrs is None):
        raise InvalidInputError(
            "give both from_addr= and to_addrs= (or neither)", kind="invalid_input"
        )
    if isinstance(message, _core.OutgoingMessage):
        if explicit:
            return "send_raw", (from_addr, to_addrs, message.to_bytes())
        return "send", (message,)
    if isinstance(message, email.message.Message):
        if explicit:
            return "send_raw", (from_addr, to_addrs, email_bytes(message, strip_bcc=True))
        return "send_mime", (email_bytes(message),)
    if isinstance(message, (bytes, bytearray, memoryview)):
        if explicit:
            return "send_raw", (from_addr, to_addrs, bytes(message))
        return "send_mime", (bytes(message),)
    raise InvalidInputError(
        "send() takes an OutgoingMessage, an email.message.EmailMessage or bytes",
        kind="invalid_input",
    )


def query(query: object, criteria: dict[str, object]) -> object:
    """A search query from a query object or string and/or keyword criteria."""
    if not criteria:
        return query
    combined = _core.SearchQuery(**criteria)  # type: ignore[arg-type]
    if query is None:
        return combined
    if isinstance(query, str):
        query = _core.SearchQuery.raw(query)
    elif isinstance(query, dict):
        query = _core.SearchQuery(**query)
    if not isinstance(query, _core.SearchQuery):
        raise InvalidInputError(
            "a search query is a SearchQuery, a raw IMAP string or a dict of criteria",
            kind="invalid_input",
        )
    return query & combined
