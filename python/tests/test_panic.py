"""The last line of defence: a panic inside Rust (a bug; no input is meant to cause one)
surfaces as ``mailwire.ProtocolError`` carrying the panic's text, an ordinary exception
that ``except Exception`` catches, from sync and async calls alike, and the interpreter and
the extension's runtime carry on.
"""

from __future__ import annotations

import asyncio

import pytest

import mailwire
from mailwire import _core


# conformance: errors.no-panic
@pytest.mark.parametrize("in_runtime", [False, True], ids=["in-the-call", "in-a-core-future"])
def test_a_panic_in_a_sync_call_raises_protocol_error(in_runtime: bool) -> None:
    try:
        _core._debug_panic("boom sync 17", in_runtime=in_runtime)
    except Exception as e:  # what an application catches; PanicException would escape it
        caught: Exception = e
    assert isinstance(caught, mailwire.ProtocolError), repr(caught)
    assert caught.kind == "protocol"
    assert "boom sync 17" in str(caught)
    # The extension still works after the panic.
    assert mailwire.parse_message(b"Subject: after\r\n\r\nbody\r\n").subject == "after"


# conformance: errors.no-panic
async def test_a_panic_in_an_async_call_resolves_with_protocol_error() -> None:
    for n in (1, 2):  # twice: the runtime survived the first panicking task
        with pytest.raises(mailwire.ProtocolError, match=f"boom async {n}") as e:
            await asyncio.wait_for(_core._debug_panic_async(f"boom async {n}"), 10)
        assert e.value.kind == "protocol"
