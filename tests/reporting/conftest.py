"""Fixtures of the reporting tests: the databases of ``reporting_data``, built once a session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from reporting_data import build_ha_tinh, build_tiny

from plan161_workflow import copy_database
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine


@pytest.fixture(scope="session")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-counted tiny database (read-only for tests)."""
    return build_tiny(tmp_path_factory.mktemp("tiny") / "tiny.db")


@pytest.fixture
def tiny_engine(tiny_db: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The tiny database reopened for one test, on each backend (on PostgreSQL, copied into a
    fresh schema: ``copy_database``)."""
    db: str | Path = tiny_db
    if backend == "postgresql":
        db = str(request.getfixturevalue("pg_url"))
        copy_database(tiny_db, db)
    engine = Engine.open(db, clock=FakeClock(dt.date(2025, 1, 1)))
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def ha_tinh_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three Hà Tĩnh cycles (2023, 2024 consolidated; 2025 open)."""
    return build_ha_tinh(tmp_path_factory.mktemp("ha-tinh") / "ha-tinh.db")
