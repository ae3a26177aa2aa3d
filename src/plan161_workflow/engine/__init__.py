"""The façade integrators call: wires rules, workflow, calendar and store.

::

    eng = Engine(load_rules("rules/ha-tinh-161.yaml"))      # in memory
    eng = Engine(plan, db="plan.db")                          # a durable file (WAL)
    eng = Engine.open("plan.db")                              # reopen without the rules file
    eng = Engine(plan, db="postgresql://localhost/plans")     # PostgreSQL

``Engine`` is assembled from small parts: ``base`` (rules versions, store, clock, succession),
``changes`` (``fire``), ``cycle_commands`` (open, consolidate, close, amend), ``queries`` and
``tokens`` (API tokens).
"""

from plan161_workflow.engine.base import rules_digest
from plan161_workflow.engine.changes import Changes
from plan161_workflow.engine.cycle_commands import CycleCommands
from plan161_workflow.engine.queries import Queries
from plan161_workflow.engine.tokens import Tokens


class Engine(Changes, CycleCommands, Queries, Tokens):
    """Runs a plan's reporting cycles on a SQLite or PostgreSQL database.

    Args:
        plan: the validated plan (``load_rules``).
        db: ``None`` for an in-memory database, the path of a SQLite database file, or a
            PostgreSQL URL (``postgresql://user@host/dbname``; ``docs/postgresql.md``).
        clock: returns the current time; defaults to the system clock in Vietnam's time zone.

    Public attributes: ``plan`` (the current rules), ``rules_hash`` (their SHA-256), ``book``
    (their ``Rulebook``), ``calendar`` (their ``WorkingCalendar``) and ``clock``. ``store`` (the
    database connection and its SQL) is internal: read the record through the methods, never
    through ``store``, which may change in any release.
    """


__all__ = ["Engine", "rules_digest"]
