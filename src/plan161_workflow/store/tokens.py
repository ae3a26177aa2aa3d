"""API tokens of ``plan161 serve``: only a SHA-256 of each token is stored.

A token is ``p161_<id>_<secret>``: ``id`` (8 hex digits) names it in ``tokens list`` and
``tokens revoke``; ``secret`` is 32 random bytes (URL-safe base64). A random secret of that size
needs no slow hash: its SHA-256 cannot be reversed, and looking it up is one indexed read.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import attrs

from plan161_workflow.store.repo import Store

PREFIX = "p161_"


@attrs.frozen
class TokenInfo:
    """A stored API token (never its secret)."""

    id: str
    """Its public id: 8 hex digits, also the token's second part."""
    agency: str
    """The agency code every change made with the token is recorded as."""
    read_only: bool
    """True: the token may read, never change anything."""
    label: str
    """What the token is for (free text)."""
    created_at: str
    """When it was created (ISO time, Vietnam)."""
    revoked_at: str | None = None
    """When it was revoked; ``None`` while it is valid."""


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_secret() -> tuple[str, str]:
    """(id, token): a fresh random token and its public id."""
    token_id = secrets.token_hex(4)
    return token_id, f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"


def _info(row: Any) -> TokenInfo:
    return TokenInfo(row[0], row[1], bool(row[2]), row[3], row[4], row[5])


_COLUMNS = "id, agency, read_only, label, created_at, revoked_at"


def insert(store: Store, info: TokenInfo, token: str) -> None:
    """Store a new token (its hash)."""
    with store.write():
        store.conn.execute(
            f"INSERT INTO tokens({_COLUMNS}, hash) VALUES (?, ?, ?, ?, ?, NULL, ?)",
            (info.id, info.agency, int(info.read_only), info.label, info.created_at, digest(token)),
        )


def exists(store: Store, token_id: str) -> bool:
    """Whether a token with this id was ever created."""
    return (
        store.conn.execute("SELECT 1 FROM tokens WHERE id = ?", (token_id,)).fetchone() is not None
    )


def listed(store: Store) -> list[TokenInfo]:
    """Every token, by creation time."""
    rows = store.conn.execute(f"SELECT {_COLUMNS} FROM tokens ORDER BY created_at, id")
    return [_info(r) for r in rows]


def find(store: Store, token: str) -> TokenInfo | None:
    """The valid (not revoked) token whose hash is this token's, or ``None``."""
    row = store.conn.execute(
        f"SELECT {_COLUMNS} FROM tokens WHERE hash = ? AND revoked_at IS NULL", (digest(token),)
    ).fetchone()
    return None if row is None else _info(row)


def revoke(store: Store, token_id: str, at: str) -> TokenInfo | None:
    """Revoke a token (kept, marked revoked); ``None`` when no token has this id."""
    with store.write():
        store.conn.execute(
            "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", (at, token_id)
        )
        row = store.conn.execute(f"SELECT {_COLUMNS} FROM tokens WHERE id = ?", (token_id,))
        found = row.fetchone()
    return None if found is None else _info(found)
