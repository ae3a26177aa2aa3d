"""A served database: the Hà Tĩnh plan with the 2024 cycle open, tokens, and a live server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_kit import AGENCY, CONSOLIDATOR, serving

from plan161_workflow import Engine, Plan
from plan161_workflow.clock import FakeClock
from plan161_workflow.web import create_app


@pytest.fixture
def served(plan: Plan, tmp_path: Path) -> Iterator[tuple[Engine, dict[str, str]]]:
    """An engine on a file with 2024 open on 20/11/2024, and tokens by name."""
    engine = Engine(plan, db=tmp_path / "served.db", clock=FakeClock(dt.date(2024, 11, 20)))
    engine.open_cycle(2024)
    tokens = {
        "agency": engine.create_token(AGENCY)[1],
        "consolidator": engine.create_token(CONSOLIDATOR)[1],
        "reader": engine.create_token(AGENCY, read_only=True)[1],
    }
    yield engine, tokens
    engine.close()


@pytest.fixture
def live(served: tuple[Engine, dict[str, str]]) -> Iterator[tuple[str, Engine, dict[str, str]]]:
    """The app served on a loopback port: (base URL, engine, tokens)."""
    engine, tokens = served
    with serving(create_app(engine, max_wait=1.0)) as url:
        yield url, engine, tokens
