"""mailwire: IMAP and SMTP over one Rust core, as blocking and asyncio clients.

- `ImapClient` / `AsyncImapClient`: mailboxes, status, search, summaries before download,
  messages, parts and attachments, flags, copy, move, delete, append, IDLE, sync;
  capabilities, server ID and raw commands; Gmail's labels and ids; ``watch_many`` for
  several mailboxes on connections of its own.
- `SmtpClient` / `AsyncSmtpClient`: pooled submission with a result per recipient.
- `OutgoingMessage`, `parse_message`: build and parse mail.
- `discover` / `async_discover`: the IMAP and SMTP settings of an address.
- `mailwire.errors`: one exception class per error kind, all subclasses of `MailError`.

Protocol traces go to the `logging` logger ``mailwire`` at DEBUG, credentials redacted.
"""

from ._core import (
    Address,
    Attachment,
    AttachmentInfo,
    Discovered,
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
    ServerSettings,
    SyncResult,
    UidMap,
    UidSet,
    WatchEvent,
    __version__,
    async_discover,
    discover,
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
from .imap import AsyncImapClient, AsyncMultiWatcher, ImapClient, MultiWatcher
from .smtp import AsyncSmtpClient, SmtpClient

__all__ = [
    "Address",
    "AlreadyExistsError",
    "AsyncImapClient",
    "AsyncMultiWatcher",
    "AsyncSmtpClient",
    "Attachment",
    "AttachmentInfo",
    "AuthError",
    "ClosedError",
    "ConnectError",
    "Discovered",
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
    "MultiWatcher",
    "NotFoundError",
    "OutgoingMessage",
    "ProtocolError",
    "RawMessage",
    "RawResponse",
    "RecipientError",
    "RejectedError",
    "SearchQuery",
    "SendResult",
    "ServerSettings",
    "SmtpClient",
    "SyncResult",
    "TimeoutError",
    "TlsError",
    "UidMap",
    "UidSet",
    "WatchEvent",
    "__version__",
    "async_discover",
    "discover",
    "parse_message",
]
