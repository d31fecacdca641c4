"""IMAP clients: `ImapClient` (blocking) and `AsyncImapClient` (asyncio), with the same
methods and keyword arguments.

Every method but the iterators (``fetch``, ``fetch_raw_many``, ``watch``) and
``watch_many`` is the native class's, stated once in Rust (its docstring there) and in ``_core.pyi``.

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
from ._core import MailboxEvent, MessageSummary, RawMessage, WatchEvent
from .errors import ClosedError

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AsyncImapClient", "AsyncMultiWatcher", "ImapClient", "MultiWatcher"]

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


class MultiWatcher:
    """A running ``ImapClient.watch_many``: iterate it for its reports (``WatchEvent``),
    as they happen, until ``cancel()``; or pull them in lists with ``next()``. As a context
    manager it cancels at the end; a watcher that is garbage-collected cancels too.

    The watch runs on connections of its own: with NOTIFY (RFC 5465) one connection for
    every mailbox; without it one IDLE connection per mailbox up to ``max_connections - 1``,
    the rest polled on one more. Changes are computed by ``sync``
    (complete whatever was missed while a connection was down); a lost connection is
    reopened with a doubling back-off and reported as ``"reconnected"``. An error a retry
    cannot mend (credentials refused, a mailbox that does not exist) is raised once by the
    iteration (or ``next``) and ends the watch.
    """

    __slots__ = ("_native",)

    def __init__(self, native: _core.MultiWatcher) -> None:
        self._native = native

    def next(self) -> list[WatchEvent]:
        """The next reports, blocking until there is one (see ``_core.MultiWatcher.next``)."""
        return self._native.next()

    def cancel(self) -> None:
        """Stops watching: the connections close; an iteration in progress ends."""
        self._native.cancel()

    @property
    def cancelled(self) -> bool:
        """Whether ``cancel`` was called or the watch ended at an error."""
        return self._native.cancelled

    @property
    def connections(self) -> int:
        """How many connections are watching now (connected and synced: any later change
        will be reported)."""
        return self._native.connections

    def __iter__(self) -> Iterator[WatchEvent]:
        while True:
            try:
                batch = self._native.next()
            except ClosedError:
                if self._native.cancelled:
                    return
                raise
            yield from batch

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()

    def __repr__(self) -> str:
        return f"MultiWatcher(connections={self.connections}, cancelled={self.cancelled})"


class AsyncMultiWatcher:
    """A running ``AsyncImapClient.watch_many``: ``async for`` over it for its reports
    (``WatchEvent``) until ``cancel()``, or ``await next()`` for lists; ``async with``
    cancels at the end. The same contract as ``MultiWatcher``; cancelling the task that
    waits in ``next`` leaves the watch running."""

    __slots__ = ("_native",)

    def __init__(self, native: _core.AsyncMultiWatcher) -> None:
        self._native = native

    async def next(self) -> list[WatchEvent]:
        """The next reports, waiting until there is one (see ``_core.MultiWatcher.next``)."""
        return await self._native.next()

    def cancel(self) -> None:
        """Stops watching: the connections close; an iteration in progress ends."""
        self._native.cancel()

    @property
    def cancelled(self) -> bool:
        """Whether ``cancel`` was called or the watch ended at an error."""
        return self._native.cancelled

    @property
    def connections(self) -> int:
        """How many connections are watching now (connected and synced: any later change
        will be reported)."""
        return self._native.connections

    async def __aiter__(self) -> AsyncIterator[WatchEvent]:
        while True:
            try:
                batch = await self._native.next()
            except ClosedError:
                if self._native.cancelled:
                    return
                raise
            for event in batch:
                yield event

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()

    def __repr__(self) -> str:
        return f"AsyncMultiWatcher(connections={self.connections}, cancelled={self.cancelled})"


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

    def watch_many(
        self,
        mailboxes: str | Iterable[str],
        *,
        max_connections: int | None = None,
        poll_interval: float | None = None,
        backoff_min: float | None = None,
        backoff_max: float | None = None,
        use_notify: bool | None = None,
    ) -> MultiWatcher:
        """Watches several mailboxes at once on connections of the watcher's own (this
        client's settings; this client stays free for other calls) and reports their
        changes as ``sync`` finds them: ``for event in imap.watch_many(["INBOX", "Work"])``.
        The current content is the starting point: only later changes are reported.

        When the server offers NOTIFY (RFC 5465) one connection watches every mailbox
        (``use_notify=False`` forces the managed IDLE connections). Otherwise
        ``max_connections`` (default 10) caps the connections: one IDLE connection per
        mailbox while they fit, the rest polled every ``poll_interval`` seconds (default
        60) on one. A lost connection is reopened after a back-off doubling from
        ``backoff_min`` to ``backoff_max`` seconds (defaults 1 and 300), then reported
        (``"reconnected"``) and caught up. InvalidInputError for an empty list, a mailbox
        listed twice or a cap of 0.
        """
        native = self._watch_many(
            [mailboxes] if isinstance(mailboxes, str) else list(mailboxes),
            max_connections=max_connections,
            poll_interval=poll_interval,
            backoff_min=backoff_min,
            backoff_max=backoff_max,
            use_notify=use_notify,
        )
        return MultiWatcher(native)


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

    async def watch_many(
        self,
        mailboxes: str | Iterable[str],
        *,
        max_connections: int | None = None,
        poll_interval: float | None = None,
        backoff_min: float | None = None,
        backoff_max: float | None = None,
        use_notify: bool | None = None,
    ) -> AsyncMultiWatcher:
        """Watches several mailboxes at once on connections of the watcher's own:
        ``async for event in await imap.watch_many(["INBOX", "Work"])`` (see
        ``ImapClient.watch_many``)."""
        native = self._watch_many(
            [mailboxes] if isinstance(mailboxes, str) else list(mailboxes),
            max_connections=max_connections,
            poll_interval=poll_interval,
            backoff_min=backoff_min,
            backoff_max=backoff_max,
            use_notify=use_notify,
        )
        return AsyncMultiWatcher(native)
