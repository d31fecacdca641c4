"""IMAP clients: `ImapClient` (blocking) and `AsyncImapClient` (asyncio), with the same
methods and keyword arguments.

The mailbox is an argument of every call (the client SELECTs lazily); UIDs everywhere. One
client is one connection: calls from several threads or tasks are queued, never interleaved.
When the connection breaks, the call raises ConnectError or TimeoutError and the next call
reconnects. Sync calls release the GIL and block in Rust (Ctrl-C interrupts them); async
calls are real awaitables, and cancelling one cancels the work in Rust.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import aclosing
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar, Union

from . import _core, _util
from ._core import (
    Mailbox,
    MailboxEvent,
    MailboxStatus,
    Message,
    MessageSummary,
    OutgoingMessage,
    RawMessage,
    SearchQuery,
    SyncResult,
    UidMap,
)
from .errors import ClosedError

__all__ = ["AsyncImapClient", "ImapClient"]

#: UIDs: one int, an iterable of ints, a ``range``, ``"*"`` (all) or ``"N:*"``.
Uids = Union[int, Iterable[int], range, str]
#: A search query: a SearchQuery, a raw IMAP string, a dict of criteria, or None (all).
Query = Union[SearchQuery, str, dict[str, Any], None]
#: Flags: one string (``"\\Seen"``, ``"$Work"``) or several.
Flags = Union[str, Iterable[str]]
#: What ``append`` uploads: bytes, an OutgoingMessage or an ``email.message.EmailMessage``.
Appendable = Union[bytes, OutgoingMessage, Any]
Progress = Callable[[int, Union[int, None]], object]

_T = TypeVar("_T")


class _Stream(Protocol[_T]):
    def next_batch(self, max: int = ...) -> list[_T]: ...
    def close(self) -> None: ...


class _AsyncStream(Protocol[_T]):
    def next_batch(self, max: int = ...) -> Awaitable[list[_T]]: ...
    def close(self) -> None: ...


def _drain(stream: _Stream[_T], batch_size: int) -> Iterator[_T]:
    """Yields the items of a native fetch stream, pulled ``batch_size`` at a time; closes
    the stream at the end, on error, or when the caller stops iterating early."""
    try:
        while batch := stream.next_batch(batch_size):
            yield from batch
    finally:
        stream.close()


async def _adrain(stream: _AsyncStream[_T], batch_size: int) -> AsyncGenerator[_T, None]:
    """The asyncio ``_drain`` (use it with ``contextlib.aclosing``, so that closing the
    caller's generator closes the stream at once)."""
    try:
        while batch := await stream.next_batch(batch_size):
            for item in batch:
                yield item
    finally:
        stream.close()


class ImapClient:
    """A blocking IMAP client. Connects and logs in when created; use it as a context
    manager to log out at the end::

        with ImapClient("imap.example.com", username="me", password="…") as imap:
            for summary in imap.fetch("INBOX", imap.search("INBOX", seen=False)):
                print(summary.envelope.subject)
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        security: _util.Security = "tls",
        username: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        ca_pem: _util.CaPem = None,
        accept_invalid_certs: bool = False,
        server_name: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        idle_reissue: float | None = None,
        no_progress_timeout: float | None = None,
        max_response_size: int | None = None,
        allow_plaintext_auth: bool = False,
    ) -> None:
        _util.sync_logging()
        self._native = _core.ImapClient.connect(
            host,
            port,
            security=security,
            username=username,
            password=password,
            access_token=access_token,
            ca_pem=_util.read_ca(ca_pem),
            accept_invalid_certs=accept_invalid_certs,
            server_name=server_name,
            timeout=timeout,
            connect_timeout=connect_timeout,
            idle_reissue=idle_reissue,
            no_progress_timeout=no_progress_timeout,
            max_response_size=max_response_size,
            allow_plaintext_auth=allow_plaintext_auth,
        )

    @classmethod
    def connect(
        cls,
        host: str,
        port: int | None = None,
        *,
        security: _util.Security = "tls",
        username: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        ca_pem: _util.CaPem = None,
        accept_invalid_certs: bool = False,
        server_name: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        idle_reissue: float | None = None,
        no_progress_timeout: float | None = None,
        max_response_size: int | None = None,
        allow_plaintext_auth: bool = False,
    ) -> ImapClient:
        """Connects and logs in (the same as calling the class)."""
        return cls(
            host,
            port,
            security=security,
            username=username,
            password=password,
            access_token=access_token,
            ca_pem=ca_pem,
            accept_invalid_certs=accept_invalid_certs,
            server_name=server_name,
            timeout=timeout,
            connect_timeout=connect_timeout,
            idle_reissue=idle_reissue,
            no_progress_timeout=no_progress_timeout,
            max_response_size=max_response_size,
            allow_plaintext_auth=allow_plaintext_auth,
        )

    def __enter__(self) -> ImapClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.logout()

    def __repr__(self) -> str:
        return repr(self._native)

    def has_capability(self, capability: str) -> bool:
        """Whether the server announced ``capability`` (``"IDLE"``, ``"MOVE"``…)."""
        return self._native.has_capability(capability)

    def noop(self) -> None:
        """Sends NOOP: keeps the connection alive and collects pending events."""
        self._native.noop()

    def logout(self) -> None:
        """Logs out and closes the connection; later calls raise ClosedError."""
        self._native.logout()

    def list_mailboxes(self) -> list[Mailbox]:
        """Every mailbox, with its special-use ``role`` and ``subscribed``."""
        return self._native.list_mailboxes()

    def mailbox_status(self, mailbox: str) -> MailboxStatus:
        """Message, unseen and recent counts, UIDNEXT, UIDVALIDITY, HIGHESTMODSEQ."""
        return self._native.mailbox_status(mailbox)

    def create_mailbox(self, mailbox: str) -> None:
        """Creates a mailbox (AlreadyExistsError when it exists)."""
        self._native.create_mailbox(mailbox)

    def rename_mailbox(self, mailbox: str, new_name: str) -> None:
        """Renames a mailbox."""
        self._native.rename_mailbox(mailbox, new_name)

    def delete_mailbox(self, mailbox: str) -> None:
        """Deletes a mailbox (NotFoundError when missing)."""
        self._native.delete_mailbox(mailbox)

    def subscribe(self, mailbox: str) -> None:
        """Subscribes to a mailbox."""
        self._native.subscribe(mailbox)

    def unsubscribe(self, mailbox: str) -> None:
        """Unsubscribes from a mailbox."""
        self._native.unsubscribe(mailbox)

    def search(self, mailbox: str, query: Query = None, **criteria: Any) -> list[int]:
        """UIDs (ascending) of the messages matching ``query`` and ``criteria``.

        ``query`` is a SearchQuery, a raw IMAP string (``"OR SEEN FLAGGED"``) or None;
        ``criteria`` are SearchQuery's keyword arguments (``seen=False, from_="alice"``).
        """
        return self._native.search(mailbox, _util.query(query, criteria))

    def fetch(
        self,
        mailbox: str,
        uids: Uids,
        *,
        envelope: bool = True,
        attachments: bool = True,
        changed_since: int | None = None,
        batch_size: int = 1000,
    ) -> Iterator[MessageSummary]:
        """Summaries (UID, flags, size, dates, envelope, attachment list) of ``uids``,
        yielded as they arrive; fetched in batches under the hood. Never sets ``\\Seen``.

        The connection is busy until the iterator is exhausted or closed: finish the loop
        (or collect with ``fetch_all``) before making other calls on this client.
        """
        stream = self._native.fetch(
            mailbox, uids, envelope=envelope, attachments=attachments, changed_since=changed_since
        )
        yield from _drain(stream, batch_size)

    def fetch_all(
        self,
        mailbox: str,
        uids: Uids,
        *,
        envelope: bool = True,
        attachments: bool = True,
        changed_since: int | None = None,
    ) -> list[MessageSummary]:
        """All summaries of ``uids`` as a list."""
        return self._native.fetch_all(
            mailbox, uids, envelope=envelope, attachments=attachments, changed_since=changed_since
        )

    def fetch_raw(self, mailbox: str, uid: int) -> bytes:
        """The whole message source, without setting ``\\Seen``."""
        return self._native.fetch_raw(mailbox, uid)

    def fetch_raw_many(
        self, mailbox: str, uids: Uids, *, batch_size: int = 100
    ) -> Iterator[RawMessage]:
        """The whole source of each message of ``uids`` (``RawMessage``: ``uid`` and
        ``data``), yielded as they arrive, many messages per command instead of one round
        trip per ``fetch_raw``. Never sets ``\\Seen``; messages that do not exist are
        skipped. At most ``batch_size`` messages are held in memory between iterations.

        The connection is busy until the iterator is exhausted or closed: finish the loop
        before making other calls on this client.
        """
        yield from _drain(self._native.fetch_raw_many(mailbox, uids), batch_size)

    def fetch_range(
        self, mailbox: str, uid: int, offset: int, length: int, *, part: str | None = None
    ) -> bytes:
        """Bytes ``offset .. offset + length`` of the message (or of ``part``) as stored."""
        return self._native.fetch_range(mailbox, uid, offset, length, part=part)

    def fetch_message(self, mailbox: str, uid: int) -> Message:
        """The message, downloaded and parsed (text, HTML, attachments, headers)."""
        return self._native.fetch_message(mailbox, uid)

    def download(self, mailbox: str, uid: int, part: str) -> bytes:
        """One MIME part (``"2"``, ``"1.3"``, see ``AttachmentInfo.part``), decoded."""
        return self._native.download(mailbox, uid, part)

    def save_attachment(
        self,
        mailbox: str,
        uid: int,
        part: str,
        path: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
    ) -> int:
        """Streams one part to ``path`` (nothing is left there on error); returns the bytes
        written. ``progress(done, total)`` is called per piece."""
        return self._native.save_attachment(mailbox, uid, part, path, progress=progress)

    def add_flags(self, mailbox: str, uids: Uids, flags: Flags) -> None:
        """Adds flags or keywords to the messages."""
        self._native.add_flags(mailbox, uids, flags)

    def remove_flags(self, mailbox: str, uids: Uids, flags: Flags) -> None:
        """Removes flags or keywords from the messages."""
        self._native.remove_flags(mailbox, uids, flags)

    def set_flags(self, mailbox: str, uids: Uids, flags: Flags) -> None:
        """Replaces the flags and keywords of the messages."""
        self._native.set_flags(mailbox, uids, flags)

    def copy_messages(self, mailbox: str, uids: Uids, dest: str) -> UidMap:
        """Copies messages to ``dest``; returns the new UIDs."""
        return self._native.copy_messages(mailbox, uids, dest)

    def move_messages(self, mailbox: str, uids: Uids, dest: str) -> UidMap:
        """Moves messages to ``dest`` (MOVE, or COPY + expunge); returns the new UIDs."""
        return self._native.move_messages(mailbox, uids, dest)

    def delete_messages(self, mailbox: str, uids: Uids) -> None:
        """Deletes exactly these messages (``\\Deleted`` + UID EXPUNGE)."""
        self._native.delete_messages(mailbox, uids)

    def expunge(self, mailbox: str) -> None:
        """Removes every message flagged ``\\Deleted``."""
        self._native.expunge(mailbox)

    def append(
        self,
        mailbox: str,
        message: Appendable,
        *,
        flags: Flags | None = None,
        date: datetime | None = None,
    ) -> int | None:
        """Uploads a message (bytes, OutgoingMessage or ``email.message.EmailMessage``);
        returns its UID when the server reports it."""
        return self._native.append(mailbox, _util.message_bytes(message), flags=flags, date=date)

    def idle(self, mailbox: str, timeout: float = 300.0) -> list[MailboxEvent]:
        """Waits up to ``timeout`` seconds for changes in ``mailbox`` (IDLE); returns the
        events, empty on timeout. Ctrl-C interrupts it."""
        return self._native.idle(mailbox, timeout)

    def watch(self, mailbox: str, *, timeout: float = 300.0) -> Iterator[MailboxEvent]:
        """Yields the changes of ``mailbox`` as they happen, forever (IDLE in a loop of
        ``timeout`` seconds)."""
        while True:
            yield from self._native.idle(mailbox, timeout)

    def sync(self, mailbox: str, state: str | None = None) -> SyncResult:
        """What changed since ``state`` (a previous result's ``state`` string); None gives
        a full resync."""
        return self._native.sync(mailbox, state)


class AsyncImapClient:
    """An asyncio IMAP client. Connect with ``await AsyncImapClient.connect(...)``,
    ``async with AsyncImapClient(...) as imap`` or ``imap = await AsyncImapClient(...)``::

        async with AsyncImapClient("imap.example.com", username="me", password="…") as imap:
            async for summary in imap.fetch("INBOX", await imap.search("INBOX", seen=False)):
                print(summary.envelope.subject)
    """

    __slots__ = ("_native", "_args")

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        security: _util.Security = "tls",
        username: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        ca_pem: _util.CaPem = None,
        accept_invalid_certs: bool = False,
        server_name: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        idle_reissue: float | None = None,
        no_progress_timeout: float | None = None,
        max_response_size: int | None = None,
        allow_plaintext_auth: bool = False,
    ) -> None:
        self._native: _core.AsyncImapClient | None = None
        self._args: dict[str, Any] | None = dict(
            host=host,
            port=port,
            security=security,
            username=username,
            password=password,
            access_token=access_token,
            ca_pem=_util.read_ca(ca_pem),
            accept_invalid_certs=accept_invalid_certs,
            server_name=server_name,
            timeout=timeout,
            connect_timeout=connect_timeout,
            idle_reissue=idle_reissue,
            no_progress_timeout=no_progress_timeout,
            max_response_size=max_response_size,
            allow_plaintext_auth=allow_plaintext_auth,
        )

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int | None = None,
        *,
        security: _util.Security = "tls",
        username: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        ca_pem: _util.CaPem = None,
        accept_invalid_certs: bool = False,
        server_name: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        idle_reissue: float | None = None,
        no_progress_timeout: float | None = None,
        max_response_size: int | None = None,
        allow_plaintext_auth: bool = False,
    ) -> AsyncImapClient:
        """Connects and logs in."""
        client = cls(
            host,
            port,
            security=security,
            username=username,
            password=password,
            access_token=access_token,
            ca_pem=ca_pem,
            accept_invalid_certs=accept_invalid_certs,
            server_name=server_name,
            timeout=timeout,
            connect_timeout=connect_timeout,
            idle_reissue=idle_reissue,
            no_progress_timeout=no_progress_timeout,
            max_response_size=max_response_size,
            allow_plaintext_auth=allow_plaintext_auth,
        )
        await client._open()
        return client

    async def _open(self) -> AsyncImapClient:
        if self._native is None:
            if self._args is None:
                raise ClosedError("the client is closed", kind="closed")
            _util.sync_logging()
            args = self._args
            self._native = await _core.AsyncImapClient.connect(
                args.pop("host"), args.pop("port"), **args
            )
            self._args = None  # the core keeps the credentials; drop ours
        return self

    def _c(self) -> _core.AsyncImapClient:
        if self._native is None:
            raise ClosedError(
                "not connected: use `await AsyncImapClient.connect(...)` or `async with`",
                kind="closed",
            )
        return self._native

    def __await__(self) -> Any:
        return self._open().__await__()

    async def __aenter__(self) -> AsyncImapClient:
        return await self._open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._native is not None:
            await self.logout()

    def __repr__(self) -> str:
        if self._native is None:
            return "AsyncImapClient(<not connected>)"
        return repr(self._native)

    async def has_capability(self, capability: str) -> bool:
        """Whether the server announced ``capability`` (``"IDLE"``, ``"MOVE"``…)."""
        return await self._c().has_capability(capability)

    async def noop(self) -> None:
        """Sends NOOP: keeps the connection alive and collects pending events."""
        await self._c().noop()

    async def logout(self) -> None:
        """Logs out and closes the connection; later calls raise ClosedError."""
        await self._c().logout()

    async def list_mailboxes(self) -> list[Mailbox]:
        """Every mailbox, with its special-use ``role`` and ``subscribed``."""
        return await self._c().list_mailboxes()

    async def mailbox_status(self, mailbox: str) -> MailboxStatus:
        """Message, unseen and recent counts, UIDNEXT, UIDVALIDITY, HIGHESTMODSEQ."""
        return await self._c().mailbox_status(mailbox)

    async def create_mailbox(self, mailbox: str) -> None:
        """Creates a mailbox (AlreadyExistsError when it exists)."""
        await self._c().create_mailbox(mailbox)

    async def rename_mailbox(self, mailbox: str, new_name: str) -> None:
        """Renames a mailbox."""
        await self._c().rename_mailbox(mailbox, new_name)

    async def delete_mailbox(self, mailbox: str) -> None:
        """Deletes a mailbox (NotFoundError when missing)."""
        await self._c().delete_mailbox(mailbox)

    async def subscribe(self, mailbox: str) -> None:
        """Subscribes to a mailbox."""
        await self._c().subscribe(mailbox)

    async def unsubscribe(self, mailbox: str) -> None:
        """Unsubscribes from a mailbox."""
        await self._c().unsubscribe(mailbox)

    async def search(self, mailbox: str, query: Query = None, **criteria: Any) -> list[int]:
        """UIDs (ascending) of the messages matching ``query`` and ``criteria`` (see
        ``ImapClient.search``)."""
        return await self._c().search(mailbox, _util.query(query, criteria))

    async def fetch(
        self,
        mailbox: str,
        uids: Uids,
        *,
        envelope: bool = True,
        attachments: bool = True,
        changed_since: int | None = None,
        batch_size: int = 1000,
    ) -> AsyncIterator[MessageSummary]:
        """Summaries of ``uids`` as they arrive (``async for``); fetched in batches under
        the hood. Never sets ``\\Seen``. The connection is busy until the iteration ends."""
        stream = await self._c().fetch(
            mailbox, uids, envelope=envelope, attachments=attachments, changed_since=changed_since
        )
        async with aclosing(_adrain(stream, batch_size)) as summaries:
            async for summary in summaries:
                yield summary

    async def fetch_all(
        self,
        mailbox: str,
        uids: Uids,
        *,
        envelope: bool = True,
        attachments: bool = True,
        changed_since: int | None = None,
    ) -> list[MessageSummary]:
        """All summaries of ``uids`` as a list."""
        return await self._c().fetch_all(
            mailbox, uids, envelope=envelope, attachments=attachments, changed_since=changed_since
        )

    async def fetch_raw(self, mailbox: str, uid: int) -> bytes:
        """The whole message source, without setting ``\\Seen``."""
        return await self._c().fetch_raw(mailbox, uid)

    async def fetch_raw_many(
        self, mailbox: str, uids: Uids, *, batch_size: int = 100
    ) -> AsyncIterator[RawMessage]:
        """The whole source of each message of ``uids`` as they arrive (``async for``; see
        ``ImapClient.fetch_raw_many``). Never sets ``\\Seen``. The connection is busy until
        the iteration ends."""
        stream = await self._c().fetch_raw_many(mailbox, uids)
        async with aclosing(_adrain(stream, batch_size)) as messages:
            async for message in messages:
                yield message

    async def fetch_range(
        self, mailbox: str, uid: int, offset: int, length: int, *, part: str | None = None
    ) -> bytes:
        """Bytes ``offset .. offset + length`` of the message (or of ``part``) as stored."""
        return await self._c().fetch_range(mailbox, uid, offset, length, part=part)

    async def fetch_message(self, mailbox: str, uid: int) -> Message:
        """The message, downloaded and parsed (text, HTML, attachments, headers)."""
        return await self._c().fetch_message(mailbox, uid)

    async def download(self, mailbox: str, uid: int, part: str) -> bytes:
        """One MIME part (``"2"``, ``"1.3"``, see ``AttachmentInfo.part``), decoded."""
        return await self._c().download(mailbox, uid, part)

    async def save_attachment(
        self,
        mailbox: str,
        uid: int,
        part: str,
        path: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
    ) -> int:
        """Streams one part to ``path`` (nothing is left there on error); returns the bytes
        written. ``progress(done, total)`` is called per piece (from a worker thread)."""
        return await self._c().save_attachment(mailbox, uid, part, path, progress=progress)

    async def add_flags(self, mailbox: str, uids: Uids, flags: Flags) -> None:
        """Adds flags or keywords to the messages."""
        await self._c().add_flags(mailbox, uids, flags)

    async def remove_flags(self, mailbox: str, uids: Uids, flags: Flags) -> None:
        """Removes flags or keywords from the messages."""
        await self._c().remove_flags(mailbox, uids, flags)

    async def set_flags(self, mailbox: str, uids: Uids, flags: Flags) -> None:
        """Replaces the flags and keywords of the messages."""
        await self._c().set_flags(mailbox, uids, flags)

    async def copy_messages(self, mailbox: str, uids: Uids, dest: str) -> UidMap:
        """Copies messages to ``dest``; returns the new UIDs."""
        return await self._c().copy_messages(mailbox, uids, dest)

    async def move_messages(self, mailbox: str, uids: Uids, dest: str) -> UidMap:
        """Moves messages to ``dest`` (MOVE, or COPY + expunge); returns the new UIDs."""
        return await self._c().move_messages(mailbox, uids, dest)

    async def delete_messages(self, mailbox: str, uids: Uids) -> None:
        """Deletes exactly these messages (``\\Deleted`` + UID EXPUNGE)."""
        await self._c().delete_messages(mailbox, uids)

    async def expunge(self, mailbox: str) -> None:
        """Removes every message flagged ``\\Deleted``."""
        await self._c().expunge(mailbox)

    async def append(
        self,
        mailbox: str,
        message: Appendable,
        *,
        flags: Flags | None = None,
        date: datetime | None = None,
    ) -> int | None:
        """Uploads a message (bytes, OutgoingMessage or ``email.message.EmailMessage``);
        returns its UID when the server reports it."""
        return await self._c().append(
            mailbox, _util.message_bytes(message), flags=flags, date=date
        )

    async def idle(self, mailbox: str, timeout: float = 300.0) -> list[MailboxEvent]:
        """Waits up to ``timeout`` seconds for changes in ``mailbox`` (IDLE); returns the
        events, empty on timeout. Cancelling it ends IDLE."""
        return await self._c().idle(mailbox, timeout)

    async def watch(self, mailbox: str, *, timeout: float = 300.0) -> AsyncIterator[MailboxEvent]:
        """Yields the changes of ``mailbox`` as they happen, forever (``async for``; IDLE in
        a loop of ``timeout`` seconds). Break out of the loop or cancel the task to stop."""
        while True:
            for event in await self._c().idle(mailbox, timeout):
                yield event

    async def sync(self, mailbox: str, state: str | None = None) -> SyncResult:
        """What changed since ``state`` (a previous result's ``state`` string); None gives
        a full resync."""
        return await self._c().sync(mailbox, state)
