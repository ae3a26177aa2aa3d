"""API tokens: who is calling ``plan161 serve`` (stored hashed; shown once)."""

from __future__ import annotations

from plan161_workflow import inputs
from plan161_workflow.engine.base import EngineBase
from plan161_workflow.errors import NotFound, PayloadError
from plan161_workflow.store import tokens as stored
from plan161_workflow.store.tokens import TokenInfo

MAX_LABEL = 200


class Tokens(EngineBase):
    """Create, list, revoke and check the API tokens of agencies."""

    def create_token(
        self, agency: str, *, read_only: bool = False, label: str = ""
    ) -> tuple[TokenInfo, str]:
        """Create a token for ``agency``; returns its record and the token itself, which is
        stored only as a hash: show it once, it cannot be read back.

        Raises:
            NotFound: ``agency`` is not an agency of the current rules.
            PayloadError: ``agency`` or ``label`` is not text, or the label is too long.
        """
        agency = inputs.text(agency, "agency")
        label = inputs.text(label, "label")
        if type(read_only) is not bool:
            raise PayloadError(f"read_only must be True or False, not {read_only!r}")
        if len(label) > MAX_LABEL:
            raise PayloadError(f"a token's label has at most {MAX_LABEL} characters")
        self.book.known_agency(agency, "for the token")
        while True:
            token_id, token = stored.new_secret()
            if not stored.exists(self.store, token_id):
                break
        info = TokenInfo(token_id, agency, read_only, label, self._now().isoformat())
        stored.insert(self.store, info, token)
        return info, token

    def tokens(self) -> list[TokenInfo]:
        """Every token created (revoked ones included), oldest first; never their secrets."""
        return stored.listed(self.store)

    def revoke_token(self, token_id: str) -> TokenInfo:
        """Revoke a token by its id (the 8 hex digits ``tokens()`` lists); revoking it again
        changes nothing.

        Raises:
            NotFound: no token has this id.
        """
        token_id = inputs.text(token_id, "the token id")
        info = stored.revoke(self.store, token_id, self._now().isoformat())
        if info is None:
            raise NotFound("token", token_id, "list the tokens with plan161 tokens list")
        return info

    def token_info(self, token: str) -> TokenInfo | None:
        """The record of a valid token (``None``: unknown, revoked or malformed)."""
        if type(token) is not str or not token.startswith(stored.PREFIX) or len(token) > 200:
            return None
        return stored.find(self.store, token)
