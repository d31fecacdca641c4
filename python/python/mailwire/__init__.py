"""mailwire: IMAP and SMTP over one Rust core, as blocking and asyncio clients.

- `ImapClient` / `AsyncImapClient`: mailboxes, status, search, summaries before download,
  messages, parts and attachments, flags, copy, move, delete, append, IDLE, sync;
  capabilities, server ID and raw commands.
- `SmtpClient` / `AsyncSmtpClient`: pooled submission with a result per recipient.
- `OutgoingMessage`, `parse_message`: build and parse mail.
- `mailwire.errors`: one exception class per error kind, all subclasses of `MailError`.

Protocol traces go to the `logging` logger ``mailwire`` at DEBUG, credentials redacted.
"""

from ._core import (
    Address,
    Attachment,
    AttachmentInfo,
    Envelope,
    FlagChange,
    Mailbox,
    MailboxEvent,
    MailboxStatus,
    Message,
    MessageSummary,
    OutgoingMessage,
    RawMessage,
    RawResponse,
    RecipientError,
    SearchQuery,
    SendResult,
    SyncResult,
    UidMap,
    UidSet,
    __version__,
    parse_message,
)
from .errors import (
    AlreadyExistsError,
    AuthError,
    ClosedError,
    ConnectError,
    InvalidInputError,
    MailError,
    NotFoundError,
    ProtocolError,
    RejectedError,
    TimeoutError,
    TlsError,
)
from .flags import Flag
from .imap import AsyncImapClient, ImapClient
from .smtp import AsyncSmtpClient, SmtpClient

__all__ = [
    "Address",
    "AlreadyExistsError",
    "AsyncImapClient",
    "AsyncSmtpClient",
    "Attachment",
    "AttachmentInfo",
    "AuthError",
    "ClosedError",
    "ConnectError",
    "Envelope",
    "Flag",
    "FlagChange",
    "ImapClient",
    "InvalidInputError",
    "MailError",
    "Mailbox",
    "MailboxEvent",
    "MailboxStatus",
    "Message",
    "MessageSummary",
    "NotFoundError",
    "OutgoingMessage",
    "ProtocolError",
    "RawMessage",
    "RawResponse",
    "RecipientError",
    "RejectedError",
    "SearchQuery",
    "SendResult",
    "SmtpClient",
    "SyncResult",
    "TimeoutError",
    "TlsError",
    "UidMap",
    "UidSet",
    "__version__",
    "parse_message",
]
