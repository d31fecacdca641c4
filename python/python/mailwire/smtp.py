"""SMTP submission clients: `SmtpClient` (blocking) and `AsyncSmtpClient` (asyncio), with the
same methods and keyword arguments.

Connections are pooled and checked before reuse. Every recipient is judged on its own: the
refused ones are listed in ``SendResult.rejected`` while the others still get the message;
only when every recipient is refused does ``send`` raise RejectedError.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Union

from . import _core, _util
from ._core import SendResult
from .errors import ClosedError

__all__ = ["AsyncSmtpClient", "SmtpClient"]

Progress = Callable[[int, Union[int, None]], object]


class SmtpClient:
    """A blocking SMTP client. Opens and authenticates the first connection when created::

        with SmtpClient("smtp.example.com", username="me", password="…") as smtp:
            smtp.send(OutgoingMessage(from_="me@example.com", to="you@example.org",
                                      subject="Hi", text="Hello"))
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
        hello_name: str | None = None,
        pool_size: int | None = None,
        pool_idle_timeout: float | None = None,
        allow_plaintext_auth: bool = False,
    ) -> None:
        _util.sync_logging()
        self._native = _core.SmtpClient.connect(
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
            hello_name=hello_name,
            pool_size=pool_size,
            pool_idle_timeout=pool_idle_timeout,
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
        hello_name: str | None = None,
        pool_size: int | None = None,
        pool_idle_timeout: float | None = None,
        allow_plaintext_auth: bool = False,
    ) -> SmtpClient:
        """Connects (the same as calling the class)."""
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
            hello_name=hello_name,
            pool_size=pool_size,
            pool_idle_timeout=pool_idle_timeout,
            allow_plaintext_auth=allow_plaintext_auth,
        )

    def __enter__(self) -> SmtpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self._native)

    def send(
        self,
        message: Any,
        *,
        from_addr: str | None = None,
        to_addrs: str | list[str] | None = None,
        progress: Progress | None = None,
    ) -> SendResult:
        """Sends ``message``: an ``OutgoingMessage``, a stdlib ``email.message.EmailMessage``
        (envelope from its headers, Bcc never transmitted) or raw ``bytes``. With
        ``from_addr`` and ``to_addrs`` the envelope is given explicitly instead.

        ``progress(done, total)`` is called as the message is written, whatever its type
        (bytes done and the message size, per piece of at least 64 KiB). Returns the
        accepted and the refused recipients; raises RejectedError only when all were
        refused."""
        method, args = _util.send_args(message, from_addr, to_addrs)
        return getattr(self._native, method)(*args, progress=progress)

    def send_raw(
        self,
        from_addr: str,
        to_addrs: list[str],
        data: bytes,
        *,
        progress: Progress | None = None,
    ) -> SendResult:
        """Sends ``data`` (a complete message) with exactly this envelope; the headers are
        not looked at."""
        return self._native.send_raw(from_addr, to_addrs, data, progress=progress)

    def send_mime(self, data: bytes, *, progress: Progress | None = None) -> SendResult:
        """Sends a complete message with the envelope read from its headers (Bcc removed)."""
        return self._native.send_mime(data, progress=progress)

    def close(self) -> None:
        """Closes the pool (QUIT); later sends raise ClosedError."""
        self._native.close()


class AsyncSmtpClient:
    """An asyncio SMTP client: ``await AsyncSmtpClient.connect(...)``,
    ``async with AsyncSmtpClient(...) as smtp`` or ``smtp = await AsyncSmtpClient(...)``."""

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
        hello_name: str | None = None,
        pool_size: int | None = None,
        pool_idle_timeout: float | None = None,
        allow_plaintext_auth: bool = False,
    ) -> None:
        self._native: _core.AsyncSmtpClient | None = None
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
            hello_name=hello_name,
            pool_size=pool_size,
            pool_idle_timeout=pool_idle_timeout,
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
        hello_name: str | None = None,
        pool_size: int | None = None,
        pool_idle_timeout: float | None = None,
        allow_plaintext_auth: bool = False,
    ) -> AsyncSmtpClient:
        """Connects."""
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
            hello_name=hello_name,
            pool_size=pool_size,
            pool_idle_timeout=pool_idle_timeout,
            allow_plaintext_auth=allow_plaintext_auth,
        )
        await client._open()
        return client

    async def _open(self) -> AsyncSmtpClient:
        if self._native is None:
            if self._args is None:
                raise ClosedError("the client is closed", kind="closed")
            _util.sync_logging()
            args = self._args
            self._native = await _core.AsyncSmtpClient.connect(
                args.pop("host"), args.pop("port"), **args
            )
            self._args = None
        return self

    def _c(self) -> _core.AsyncSmtpClient:
        if self._native is None:
            raise ClosedError(
                "not connected: use `await AsyncSmtpClient.connect(...)` or `async with`",
                kind="closed",
            )
        return self._native

    def __await__(self) -> Any:
        return self._open().__await__()

    async def __aenter__(self) -> AsyncSmtpClient:
        return await self._open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._native is not None:
            await self.close()

    def __repr__(self) -> str:
        if self._native is None:
            return "AsyncSmtpClient(<not connected>)"
        return repr(self._native)

    async def send(
        self,
        message: Any,
        *,
        from_addr: str | None = None,
        to_addrs: str | list[str] | None = None,
        progress: Progress | None = None,
    ) -> SendResult:
        """Sends ``message`` (see ``SmtpClient.send``)."""
        method, args = _util.send_args(message, from_addr, to_addrs)
        return await getattr(self._c(), method)(*args, progress=progress)

    async def send_raw(
        self,
        from_addr: str,
        to_addrs: list[str],
        data: bytes,
        *,
        progress: Progress | None = None,
    ) -> SendResult:
        """Sends ``data`` (a complete message) with exactly this envelope."""
        return await self._c().send_raw(from_addr, to_addrs, data, progress=progress)

    async def send_mime(self, data: bytes, *, progress: Progress | None = None) -> SendResult:
        """Sends a complete message with the envelope read from its headers (Bcc removed)."""
        return await self._c().send_mime(data, progress=progress)

    async def close(self) -> None:
        """Closes the pool (QUIT); later sends raise ClosedError."""
        await self._c().close()
