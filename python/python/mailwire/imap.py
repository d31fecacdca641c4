"""IMAP clients: `ImapClient` (blocking) and `AsyncImapClient` (asyncio), with the same
methods and keyword arguments.

Every method but the iterators (``fetch``, ``fetch_raw_many``, ``watch``) is the native
class's, stated once in Rust (its docstring there) and in ``_core.pyi``.

The mailbox is an argument of every call (the client SELECTs lazily); UIDs everywhere. One
client is one connection: calls from several threads or tasks are queued, never interleaved.
When the connection breaks, the call raises ConnectError or TimeoutError and the next call
reconnects. Sync calls release the GIL and block in Rust (Ctrl-C interrupts them); async
methods return coroutines, and cancelling one cancels the work in Rust.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Generator, Iterable, Iterator
from contextlib import aclosing
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, Union

from . import _core
from ._core import MailboxEvent, MessageSummary, RawMessage

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AsyncImapClient", "ImapClient"]

#: UIDs: one int, an iterable of ints, a ``range``, or text in the one UID grammar: ``"5"``,
#: ``"1:5,7"``, ``"10:*"``, ``"1:*"`` (all), ``"*"`` (the highest UID only).
Uids = Union[int, Iterable[int], range, str]

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


class ImapClient(_core.ImapClient):
    """A blocking IMAP client. Connects and logs in when created; use it as a context
    manager to log out at the end::

        with ImapClient("imap.example.com", username="me", password="…") as imap:
            for summary in imap.fetch("INBOX", imap.search("INBOX", seen=False)):
                print(summary.envelope.subject)
    """

    __slots__ = ()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.logout()

    def fetch(
        self,
        mailbox: str,
        uids: Uids,
        *,
        envelope: bool = True,
        attachments: bool = True,
        changed_since: int | None = None,
        batch_size: int = _core.DEFAULT_FETCH_BATCH,
    ) -> Iterator[MessageSummary]:
        """Summaries (UID, flags, size, dates, envelope, attachment list) of ``uids``,
        yielded as they arrive; fetched in batches under the hood. Never sets ``\\Seen``.

        The connection is busy until the iterator is exhausted or closed: finish the loop
        (or collect with ``fetch_all``) before making other calls on this client.
        """
        stream = self._fetch(
            mailbox, uids, envelope=envelope, attachments=attachments, changed_since=changed_since
        )
        yield from _drain(stream, batch_size)

    def fetch_raw_many(
        self, mailbox: str, uids: Uids, *, batch_size: int = _core.DEFAULT_RAW_FETCH_BATCH
    ) -> Iterator[RawMessage]:
        """The whole source of each message of ``uids`` (``RawMessage``: ``uid`` and
        ``data``), yielded as they arrive, many messages per command instead of one round
        trip per ``fetch_raw``. Never sets ``\\Seen``; messages that do not exist are
        skipped. At most ``batch_size`` messages are held in memory between iterations.

        The connection is busy until the iterator is exhausted or closed: finish the loop
        before making other calls on this client.
        """
        yield from _drain(self._fetch_raw_many(mailbox, uids), batch_size)

    def watch(self, mailbox: str, *, timeout: float = _core.DEFAULT_IDLE_TIMEOUT) -> Iterator[MailboxEvent]:
        """Yields the changes of ``mailbox`` as they happen, forever (IDLE in a loop of
        ``timeout`` seconds)."""
        while True:
            yield from self.idle(mailbox, timeout)


class AsyncImapClient(_core.AsyncImapClient):
    """An asyncio IMAP client. Connect with ``await AsyncImapClient.connect(...)``,
    ``async with AsyncImapClient(...) as imap`` or ``imap = await AsyncImapClient(...)``::

        async with AsyncImapClient("imap.example.com", username="me", password="…") as imap:
            async for summary in imap.fetch("INBOX", await imap.search("INBOX", seen=False)):
                print(summary.envelope.subject)
    """

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, Self]:
        return self._open().__await__()

    async def __aenter__(self) -> Self:
        return await self._open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._connected:
            await self.logout()

    async def fetch(
        self,
        mailbox: str,
        uids: Uids,
        *,
        envelope: bool = True,
        attachments: bool = True,
        changed_since: int | None = None,
        batch_size: int = _core.DEFAULT_FETCH_BATCH,
    ) -> AsyncIterator[MessageSummary]:
        """Summaries of ``uids`` as they arrive (``async for``); fetched in batches under
        the hood. Never sets ``\\Seen``. The connection is busy until the iteration ends."""
        stream = await self._fetch(
            mailbox, uids, envelope=envelope, attachments=attachments, changed_since=changed_since
        )
        async with aclosing(_adrain(stream, batch_size)) as summaries:
            async for summary in summaries:
                yield summary

    async def fetch_raw_many(
        self, mailbox: str, uids: Uids, *, batch_size: int = _core.DEFAULT_RAW_FETCH_BATCH
    ) -> AsyncIterator[RawMessage]:
        """The whole source of each message of ``uids`` as they arrive (``async for``; see
        ``ImapClient.fetch_raw_many``). Never sets ``\\Seen``. The connection is busy until
        the iteration ends."""
        stream = await self._fetch_raw_many(mailbox, uids)
        async with aclosing(_adrain(stream, batch_size)) as messages:
            async for message in messages:
                yield message

    async def watch(self, mailbox: str, *, timeout: float = _core.DEFAULT_IDLE_TIMEOUT) -> AsyncIterator[MailboxEvent]:
        """Yields the changes of ``mailbox`` as they happen, forever (``async for``; IDLE in
        a loop of ``timeout`` seconds). Break out of the loop or cancel the task to stop."""
        while True:
            for event in await self.idle(mailbox, timeout):
                yield event
