"""An agency exists from its ``valid_from`` (issue 13, point 8): it cannot act on or be given a
task before that day, the rules refuse naming it as lead, coordinating agency or role holder
before it exists, and the actor code ``rules`` is reserved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from plan161_workflow import AgencyNotYetError, Engine, RulesError, load_rules, parse_rules
from plan161_workflow.clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]
REORGANISED = ROOT / "rules" / "ha-tinh-161-sap-xep-2025.yaml"
BASE = ROOT / "rules" / "ha-tinh-161.yaml"
NEW = "so-nnmt"  # exists from 01/03/2025 (created by the merger)


def test_an_agency_cannot_act_or_be_given_a_task_before_it_exists() -> None:
    clock = FakeClock(dt.datetime(2025, 2, 10, 9, 0))
    eng = Engine(load_rules(REORGANISED), clock=clock)
    tasks = eng.open_cycle(2025)
    task = next(t for t in tasks if t.agency == "so-tnmt")
    with pytest.raises(AgencyNotYetError, match=r"'so-nnmt' exists from 2025-03-01"):
        eng.fire(task.id, "comment", actor=NEW, text="Góp ý")
    with pytest.raises(AgencyNotYetError, match="cannot hold"):
        eng.fire(task.id, "reassign", actor=eng.plan.roles.consolidator, agency=NEW)
    assert eng.history(task.id)[-1].outcome != "applied"  # refused, recorded
    clock.set(dt.datetime(2025, 3, 2, 9, 0))  # from its first day it holds the merged duties
    eng.apply_succession()
    assert eng.task(task.id).agency == NEW
    eng.fire(task.id, "start", actor=NEW)
    assert eng.verify().ok


def _with(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_the_rules_refuse_an_agency_named_before_it_exists() -> None:
    base = BASE.read_text(encoding="utf-8")
    later = _with(
        base,
        "  - code: so-yt\n",
        "  - code: so-yt\n    valid_from: 2024-05-01\n",
    )
    with pytest.raises(RulesError) as refused:
        parse_rules(later, str(BASE))
    message = str(refused.value)
    assert "'so-yt' exists from 2024-05-01 (valid_from) but is named as lead of" in message
    assert "successor" in message


def test_the_code_rules_is_reserved() -> None:
    base = BASE.read_text(encoding="utf-8")
    renamed = base.replace("so-yt", "rules")
    with pytest.raises(RulesError, match="the code 'rules' is reserved"):
        parse_rules(renamed, str(BASE))
