"""Anchors: the chain's head and its length, kept outside the database and given back to verify.

The chain alone cannot show that its last events were deleted, or that the whole file was
rewritten with recomputed hashes: only a head kept elsewhere can. An anchor is written
``HEAD:COUNT`` (``plan161 head`` prints it): the head hash, 64 hex digits, and the number of
events it closes. Given back (``verify --expect-head HEAD:COUNT``), event ``COUNT`` must still
have that hash, which proves that no event up to it was changed, inserted or removed, and that
the history was not cut short. ``HEAD`` alone (whole or its first 16 or more hex digits) asks
only that some event still has that hash.
"""

from __future__ import annotations

import sqlite3

import attrs

from plan161_workflow.errors import PayloadError, StoreError
from plan161_workflow.store.chain import GENESIS

HEAD_MIN_DIGITS = 16
"""The fewest hex digits of a kept head ``verify`` accepts: the 16 that ``summary`` prints (64 bits;
a shorter prefix would be easy to match by grinding a forged history)."""

_HEX = frozenset("0123456789abcdef")


@attrs.frozen
class Anchor:
    """The head of a database's chain, to publish or sign (``str(anchor)`` is ``HEAD:COUNT``)."""

    head: str
    """The hash of the last event (64 hex digits)."""
    events: int
    """How many events the chain holds, the last one included (its sequence number)."""
    at: str
    """When the last event was recorded (ISO 8601, Vietnam's time)."""

    def __str__(self) -> str:
        return f"{self.head}:{self.events}"


@attrs.frozen
class Expected:
    """A kept anchor as ``verify`` checks it."""

    prefix: str | None = None
    """The head hash or a prefix of it (lower case), if one was given."""
    count: int | None = None
    """The number of events the kept head closes (or, alone, the least the chain must hold)."""


def head_prefix(expect_head: str) -> str:
    """A kept head hash as ``verify`` compares it: the whole SHA-256 (64 hex digits) or a prefix
    of at least ``HEAD_MIN_DIGITS``, in either case, spaces around it ignored; lower case.

    Raises:
        PayloadError: not text, not 16 to 64 hex digits, or the chain's starting value (zeros),
            which is the head of no history.
    """
    if not isinstance(expect_head, str):
        raise PayloadError(
            f"expect_head must be text (a head hash), not {type(expect_head).__name__}"
        )
    text = expect_head.strip().lower()
    if not text or not set(text) <= _HEX or not HEAD_MIN_DIGITS <= len(text) <= 64:
        raise PayloadError(
            f"expect_head {expect_head[:80]!r} is not a head hash: give the head that verify "
            f"or 'plan161 head' printed, {HEAD_MIN_DIGITS} to 64 hex digits (0-9, a-f), such as "
            "'29f199592bfe223f', optionally followed by ':COUNT', the number of events"
        )
    if GENESIS.startswith(text):
        raise PayloadError(
            f"expect_head {text[:16]}... is the chain's starting value (all zeros), the head of "
            "no history: give the head that 'plan161 head' printed"
        )
    return text


def expected(expect_head: str | None, expect_count: int | None = None) -> Expected:
    """Parse ``HEAD``, ``HEAD:COUNT`` and a separate count into what ``verify`` checks.

    Raises:
        PayloadError: a malformed head (``head_prefix``), a count that is not a whole number of
            at least 1, or two different counts.
    """
    prefix = count = None
    if expect_head is not None:
        if not isinstance(expect_head, str):
            head_prefix(expect_head)  # raises the error for a value that is not text
        text, colon, tail = expect_head.strip().partition(":")
        prefix = head_prefix(text)
        if colon:
            count = _count(tail.strip(), "the count after ':' in expect_head")
    if expect_count is not None:
        given = _count(expect_count, "expect_count")
        if count is not None and given != count:
            raise PayloadError(
                f"expect_head says {count} events and expect_count {given}; give one count"
            )
        count = given
    return Expected(prefix, count)


def _count(value: object, what: str) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**63 - 1:
        raise PayloadError(
            f"{what} must be the number of events, a whole number from 1, not {str(value)[:40]!r}"
        )
    return value


def head_of(conn: sqlite3.Connection, where: str = "the database") -> Anchor:
    """The anchor of the chain as stored: its last event's hash, sequence and time.

    It does not verify the chain (``verify`` does, and should come first): it only refuses a
    chain whose last sequence number is not its length (events removed or inserted).

    Raises:
        StoreError: no events yet (nothing to anchor), or a chain whose numbering is broken.
    """
    row = conn.execute(
        "SELECT seq, hash, at, (SELECT count(*) FROM events) FROM events ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise StoreError(
            f"{where} holds no events yet: there is no head to anchor; anchor it after the "
            "first change"
        )
    seq, digest, at, count = row
    if (
        type(seq) is not int
        or seq != count
        or not isinstance(digest, str)
        or len(digest) != 64
        or not set(digest) <= _HEX
    ):
        raise StoreError(
            f"{where}: the chain's last event is {seq!r} but it holds {count} events, or its "
            "hash is malformed; run 'plan161 verify' and anchor only an intact database"
        )
    return Anchor(digest, count, str(at))
