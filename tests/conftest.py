"""Shared fixtures, each name with one meaning in every test folder: the Hà Tĩnh plan (``plan``)
and its 2025 reorganisation (``reorganised_plan``), a fake clock (``clock``) and an in-memory
engine on them (``engine``). Folder conftests add their own names (``db`` in durability/,
``tiny_db``, ``tiny_engine``, ``ha_tinh_db`` in reporting/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

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


@pytest.fixture
def engine(plan: Plan, clock: FakeClock) -> Iterator[Engine]:
    """An engine on the Hà Tĩnh plan, in memory, on the fake clock (no cycle opened)."""
    eng = Engine(plan, clock=clock)
    yield eng
    eng.close()
