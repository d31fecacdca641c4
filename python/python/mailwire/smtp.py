"""SMTP submission clients: `SmtpClient` (blocking) and `AsyncSmtpClient` (asyncio), with the
same methods and keyword arguments (the native classes', stated once in Rust and in
``_core.pyi``).

Connections are pooled and checked before reuse. Every recipient is judged on its own: the
refused ones are listed in ``SendResult.rejected`` while the others still get the message;
only when every recipient is refused does ``send`` raise RejectedError.
"""

from __future__ import annotations

from collections.abc import Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from . import _core

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AsyncSmtpClient", "SmtpClient"]


class SmtpClient(_core.SmtpClient):
    """A blocking SMTP client. Opens and authenticates the first connection when created::

        with SmtpClient("smtp.example.com", username="me", password="…") as smtp:
            smtp.send(OutgoingMessage(from_="me@example.com", to="you@example.org",
                                      subject="Hi", text="Hello"))
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
        self.close()


class AsyncSmtpClient(_core.AsyncSmtpClient):
    """An asyncio SMTP client: ``await AsyncSmtpClient.connect(...)``,
    ``async with AsyncSmtpClient(...) as smtp`` or ``smtp = await AsyncSmtpClient(...)``."""

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
            await self.close()
