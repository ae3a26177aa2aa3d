"""Shared fixtures, each name with one meaning in every test folder: the Hà Tĩnh plan (``plan``)
and its 2025 reorganisation (``reorganised_plan``), a fake clock (``clock``) and an in-memory
engine on them (``engine``). Folder conftests add their own names (``db`` in durability/,
``tiny_db``, ``tiny_engine``, ``ha_tinh_db`` in reporting/).

``engine`` runs each test that takes it twice: on SQLite in memory and on PostgreSQL (a fresh
schema of the test server: ``PLAN161_TEST_PG``, or a throwaway cluster started here; see
``pg_cluster``). Without PostgreSQL the second run is skipped with a message saying how to run
it; in CI (``CI=true``) it fails instead. ``backend``, ``memory_db``, ``file_db`` and ``pg_url``
give other tests the same two backends."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings

from pg_cluster import HOW_TO, binaries, start, stop
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import Plan
from plan161_workflow.rules import load_rules

# Properties, not timings: a slow or busy CI machine must not fail a test by the clock.
settings.register_profile("plan161", deadline=None)
settings.load_profile("plan161")

ROOT = Path(__file__).resolve().parent.parent
HA_TINH_RULES = ROOT / "rules" / "ha-tinh-161.yaml"
REORGANISED_RULES = ROOT / "rules" / "ha-tinh-161-sap-xep-2025.yaml"


@pytest.fixture(scope="session")
def rules_path() -> Path:
    """The Hà Tĩnh rules file."""
    return HA_TINH_RULES


@pytest.fixture(scope="session")
def plan(rules_path: Path) -> Plan:
    """The Hà Tĩnh plan, loaded once (a frozen value: tests derive variants with attrs.evolve)."""
    return load_rules(rules_path)


@pytest.fixture(scope="session")
def reorganised_plan() -> Plan:
    """The Hà Tĩnh plan with the 2025 reorganisation of agencies (a frozen value)."""
    return load_rules(REORGANISED_RULES)


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at 08:00 on 10/01/2024, Vietnam time."""
    return FakeClock(dt.date(2024, 1, 10))


def _unavailable(message: str) -> None:
    """Skip a PostgreSQL test with ``message``; in CI, fail it."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the PostgreSQL tests: {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of the PostgreSQL server the tests use: ``PLAN161_TEST_PG``, or a throwaway
    cluster started for this session and stopped after it."""
    given = os.environ.get("PLAN161_TEST_PG")
    if given:
        yield given
        return
    if binaries() is None:
        _unavailable(HOW_TO)
    folder = Path(tempfile.mkdtemp(prefix="plan161-pg-"))
    try:
        url = start(folder)
    except Exception as exc:  # any failure to start is reported, with the cluster's log
        stop(folder)
        _unavailable(f"{HOW_TO}. Starting a throwaway cluster failed: {exc}")
    yield url
    stop(folder)


def with_schema(url: str, schema: str) -> str:
    """``url`` with ``schema`` as its search path (libpq's ``options``)."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty schema of the test server, as a URL; dropped after the test."""
    schema = f"plan161_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield with_schema(pg_server, schema)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn."""
    return str(request.param)


@pytest.fixture
def memory_db(backend: str, request: pytest.FixtureRequest) -> str | None:
    """A fresh database of ``backend``: ``None`` (SQLite in memory) or a PostgreSQL URL."""
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return None


@pytest.fixture
def file_db(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """A fresh durable database of ``backend``: a SQLite file path or a PostgreSQL URL."""
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return tmp_path / "plan.db"


@pytest.fixture
def engine(plan: Plan, clock: FakeClock, memory_db: str | None) -> Iterator[Engine]:
    """An engine on the Hà Tĩnh plan on the fake clock (no cycle opened), on each backend:
    SQLite in memory, then PostgreSQL."""
    eng = Engine(plan, db=memory_db, clock=clock)
    yield eng
    eng.close()
