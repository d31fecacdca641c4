"""Helpers of the facades and the native module (no protocol logic: that is in the core)."""

from __future__ import annotations

import copy
import email.message
import logging

from . import _core

_logger = logging.getLogger("mailwire")


def sync_logging() -> None:
    """Forwards the core's protocol traces to `logging` while `mailwire` is at DEBUG."""
    _core._set_tracing(_logger.isEnabledFor(logging.DEBUG))


def email_bytes(message: email.message.Message, *, strip_bcc: bool = False) -> bytes:
    """The message with CRLF line endings, as SMTP and IMAP carry it (called by the native
    module for ``send`` and ``append``)."""
    if strip_bcc and "Bcc" in message:
        message = copy.copy(message)
        del message["Bcc"]
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
