"""What the CLI prints is shown, never executed: texts from agencies, rules files and databases
reach the terminal with every control character (escape sequences included) written out.

``shown_streams`` wraps standard output and error for the time of one command: text and bytes
written to them pass through ``reporting.escape.shown`` (a line feed, a tab and the CR of a CRLF
stay). Inside a JSON string the written-out form ``\\u001b`` is the same character, so JSON
output stays valid and means the same.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO, TextIO

from plan161_workflow.reporting.escape import shown

_CONTROL_BYTES = re.compile(
    rb"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]|\r(?!\n)|\xc2[\x80-\x9f]"
    rb"|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)


def _shown(text: str) -> str:
    return "\r\n".join(shown(part) for part in text.split("\r\n"))


def _shown_bytes(data: bytes) -> bytes:
    return _CONTROL_BYTES.sub(lambda m: _shown(m.group().decode("utf-8")).encode(), data)


class _ShownBytes(io.RawIOBase):
    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raw = bytes(data)
        self._inner.write(_shown_bytes(raw))
        return len(raw)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return self._inner.isatty()


class _ShownText(io.TextIOBase):
    def __init__(self, inner: TextIO) -> None:
        self._inner = inner
        binary = getattr(inner, "buffer", None)
        self.buffer = _ShownBytes(binary) if binary is not None else None

    def writable(self) -> bool:
        return True

    def write(self, text: Any) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._inner.write(_shown(text))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return self._inner.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._inner, "encoding", None) or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._inner, "errors", None)


@contextlib.contextmanager
def shown_streams() -> Iterator[None]:
    """Within the block, ``sys.stdout`` and ``sys.stderr`` show control characters."""
    saved = sys.stdout, sys.stderr
    sys.stdout = _ShownText(saved[0])
    sys.stderr = _ShownText(saved[1])
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        sys.stdout, sys.stderr = saved
