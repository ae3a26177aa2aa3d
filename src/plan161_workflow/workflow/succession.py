"""Which agency holds a duty on a given day, following successors (pure)."""

from __future__ import annotations

import datetime as dt

from plan161_workflow.model.plan import Agency, Plan


class SuccessionIndex:
    """The successions of one plan's agencies, indexed to answer "who holds this agency's duty
    on that day" (a resolver; the rules' record of one succession is ``model.plan.Succession``)."""

    def __init__(self, plan: Plan) -> None:
        self._by_code: dict[str, Agency] = {a.code: a for a in plan.agencies}
        self.successor_codes = frozenset(s.agency for a in plan.agencies for s in a.successors)
        """Agencies that take over from another at some point."""
        ends = [a.valid_to for a in plan.agencies if a.valid_to is not None]
        self._first_end = min(ends) + dt.timedelta(days=1) if ends else dt.date.max

    def ceased_on(self, code: str, day: dt.date) -> dt.date | None:
        """The last day of ``code`` if it no longer exists on ``day``, else ``None``."""
        agency = self._by_code.get(code)
        if agency is None or agency.valid_to is None or day <= agency.valid_to:
            return None
        return agency.valid_to

    def starts_on(self, code: str, day: dt.date) -> dt.date | None:
        """The first day of ``code`` if it does not exist yet on ``day``, else ``None``."""
        agency = self._by_code.get(code)
        if agency is None or agency.valid_from is None or day >= agency.valid_from:
            return None
        return agency.valid_from

    def successors_of(self, code: str) -> tuple[str, ...]:
        """Direct successors of ``code``, in the order the rules list them."""
        agency = self._by_code.get(code)
        return tuple(s.agency for s in agency.successors) if agency else ()

    def holder(
        self, code: str, on: dt.date, *, role: str | None = None, unit: str | None = None
    ) -> str:
        """The agency that holds ``code``'s duty on day ``on``.

        ``role`` names a plan role (consolidator, evaluator, overseer, recipient), ``unit`` an area
        or duty id; a successor takes over only what its scope covers. Follows chains (A -> B -> C).
        Returns ``code`` itself while it exists, or when no successor covers the duty (the rules
        loader refuses such a file).
        """
        steps = self.chain(code, on, role=role, unit=unit)
        return steps[-1][0] if steps else code

    def chain(
        self, code: str, on: dt.date, *, role: str | None = None, unit: str | None = None
    ) -> list[tuple[str, str]]:
        """The successions that lead from ``code`` to its holder on ``on``: (successor, basis)."""
        steps: list[tuple[str, str]] = []
        seen = {code}
        while True:
            agency = self._by_code.get(code)
            if agency is None or agency.valid_to is None or on <= agency.valid_to:
                return steps
            nxt = next(
                (
                    s
                    for s in agency.successors
                    if s.effective <= on
                    and (
                        s.scope.is_everything
                        or (role is not None and role in s.scope.roles)
                        or (unit is not None and (unit in s.scope.areas or unit in s.scope.duties))
                    )
                ),
                None,
            )
            if nxt is None or nxt.agency in seen:
                return steps
            seen.add(nxt.agency)
            steps.append((nxt.agency, nxt.basis))
            code = nxt.agency

    def ceased_by(self, on: dt.date) -> frozenset[str]:
        """Agencies that no longer exist on day ``on``."""
        if on < self._first_end:
            return frozenset()
        return frozenset(
            a.code for a in self._by_code.values() if a.valid_to is not None and on > a.valid_to
        )
