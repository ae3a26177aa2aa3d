"""Who is calling: a bearer token, the pages' session cookie, or (opt-in) a proxy's header.

The agency of every change is the caller's, never a field of the request.
"""

from __future__ import annotations

import hashlib
import hmac

import attrs
from starlette.requests import Request

from plan161_workflow.web.runner import Runner

COOKIE = "plan161_session"
"""The pages' session cookie: the agency's token itself (HttpOnly, SameSite=Strict)."""


@attrs.frozen
class Caller:
    """The agency a request acts as."""

    agency: str
    read_only: bool
    via: str
    """``token``, ``cookie`` or ``header`` (the trusted proxy header)."""
    token: str = attrs.field(default="", repr=False)


class Unauthenticated(Exception):
    """No valid token (401)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ReadOnlyToken(Exception):
    """A read-only token asked for a change (403)."""

    def __init__(self, agency: str) -> None:
        super().__init__(
            f"this token of {agency!r} is read-only: it may read but not change anything; "
            "create a read-write token with plan161 tokens create"
        )


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def from_token(runner: Runner, token: str, via: str) -> Caller | None:
    """The caller a token stands for (``None``: unknown, revoked or malformed)."""
    info = await runner(runner.engine.token_info, token)
    return None if info is None else Caller(info.agency, info.read_only, via, token)


async def api_caller(runner: Runner, request: Request, trusted_header: str | None) -> Caller:
    """The caller of an API request: its bearer token, else the trusted header if enabled.

    Raises:
        Unauthenticated: neither names a valid agency.
    """
    token = bearer(request)
    if token is not None:
        caller = await from_token(runner, token, "token")
        if caller is None:
            raise Unauthenticated("the bearer token is unknown or revoked")
        return caller
    if trusted_header is not None:
        agency = request.headers.get(trusted_header, "").strip()
        if agency:
            if agency not in runner.engine.book.agencies:
                raise Unauthenticated(f"the header {trusted_header} names no agency of the plan")
            return Caller(agency, False, "header")
    raise Unauthenticated(
        "send 'Authorization: Bearer TOKEN' (create a token with plan161 tokens create)"
    )


def csrf_token(session_token: str) -> str:
    """The forms' CSRF token of a session: derived from its secret token, so any process
    serving the database checks it without storing anything, and no other site can know it."""
    return hmac.new(session_token.encode(), b"plan161-csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, sent: str) -> bool:
    """Whether a form's CSRF token is the session's."""
    return hmac.compare_digest(csrf_token(session_token), sent)
