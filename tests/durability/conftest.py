"""Fixtures of the durability tests: a database file with the 2024 cycle open."""

from __future__ import annotations

from pathlib import Path

import pytest
from durable_kit import clock

from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import Plan


@pytest.fixture
def db(tmp_path: Path, plan: Plan) -> Path:
    """A database file holding the Hà Tĩnh rules and the 2024 cycle (35 tasks, 36 events)."""
    path = tmp_path / "plan.db"
    with Engine(plan, db=path, clock=clock()) as eng:
        eng.open_cycle(2024)
    return path
