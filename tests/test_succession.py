"""Agencies cease and pass their duties on: split successions, chains, refused actions, roles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest

from plan161_workflow import AgencyCeasedError, Engine, PermissionDenied
from plan161_workflow.clock import FakeClock
from plan161_workflow.model.plan import Agency, Plan, Reminder, Succession, SuccessionScope

BASIS = "45/2025/NĐ-CP"
END = dt.date(2025, 2, 28)
START = dt.date(2025, 3, 1)


def _with(plan: Plan, *changed: Agency) -> Plan:
    by_code = {a.code: a for a in changed}
    agencies = tuple(by_code.pop(a.code, a) for a in plan.agencies) + tuple(by_code.values())
    return attrs.evolve(plan, agencies=agencies)


def _ceasing(plan: Plan, code: str, *successors: Succession, end: dt.date = END) -> Agency:
    return attrs.evolve(plan.agency(code), valid_to=end, successors=successors)


@pytest.fixture
def split_plan(plan: Plan) -> Plan:
    """DOLISA ends on 28/02/2025: its consolidator role and II.1, II.2 and the 2025 duties pass
    to Sở Nội vụ, II.4 to Sở Y tế (a split succession)."""
    return _with(
        plan,
        _ceasing(
            plan,
            "so-ldtbxh",
            Succession(
                "so-nv",
                START,
                BASIS,
                "test",
                SuccessionScope(
                    areas=("II.1", "II.2"),
                    duties=("V.1-final-evaluation", "V.2-summary"),
                    roles=("consolidator",),
                ),
            ),
            Succession("so-yt", START, BASIS, "test", SuccessionScope(areas=("II.4",))),
        ),
    )


def test_split_succession_moves_open_tasks_and_the_consolidator_role(split_plan: Plan) -> None:
    clock = FakeClock(dt.date(2025, 1, 2))
    eng = Engine(split_plan, clock=clock)
    eng.open_cycle(2025)
    assert {t.id for t in eng.tasks(year=2025, agency="so-ldtbxh")} == {
        "2025/II.1/so-ldtbxh",
        "2025/II.2/so-ldtbxh",
        "2025/II.4/so-ldtbxh",
        "2025/V.1-final-evaluation/so-ldtbxh",
        "2025/V.2-summary/so-ldtbxh",
    }
    eng.fire("2025/II.2/so-ldtbxh", "start", actor="so-ldtbxh")  # still in office in January
    clock.set(dt.date(2025, 3, 3))
    moved = eng.apply_succession()
    assert {(t.id, t.agency) for t in moved} == {
        ("2025/II.1/so-ldtbxh", "so-nv"),
        ("2025/II.2/so-ldtbxh", "so-nv"),
        ("2025/II.4/so-ldtbxh", "so-yt"),
        ("2025/V.1-final-evaluation/so-ldtbxh", "so-nv"),
        ("2025/V.2-summary/so-ldtbxh", "so-nv"),
    }
    assert eng.tasks(year=2025, agency="so-ldtbxh") == []
    task = eng.task("2025/II.2/so-ldtbxh")
    assert (task.agency, task.original_agency, task.state) == ("so-nv", "so-ldtbxh", "in_progress")
    last = eng.history(task.id)[-1]
    assert (last.trigger, last.actor, last.payload["previous_agency"]) == (
        "reassign",
        "rules",
        "so-ldtbxh",
    )
    assert BASIS in last.payload["reason"]
    assert eng.book.holder("consolidator", dt.date(2025, 3, 3)) == "so-nv"
    assert eng.book.holder("consolidator", END) == "so-ldtbxh"
    assert eng.verify().ok


def test_a_ceased_agency_is_refused_with_its_successor_named(split_plan: Plan) -> None:
    clock = FakeClock(dt.date(2025, 1, 2))
    eng = Engine(split_plan, clock=clock)
    eng.open_cycle(2025)
    clock.set(dt.date(2025, 3, 10))
    with pytest.raises(AgencyCeasedError) as info:
        eng.fire("2025/II.3/so-tnmt", "comment", actor="so-ldtbxh", text="ý kiến")
    assert info.value.successors == ("so-nv", "so-yt")
    assert "ceased on 2025-02-28" in str(info.value)
    assert "so-nv" in str(info.value)
    refused = eng.history("2025/II.3/so-tnmt")[-1]
    assert (refused.outcome, refused.actor, refused.payload["error"]) == (
        "refused",
        "so-ldtbxh",
        "AgencyCeasedError",
    )
    # The successor consolidates from 01/03/2025; the former consolidator may not.
    eng.fire("2025/II.3/so-tnmt", "submit", actor="so-tnmt", report={"summary": "Kết quả"})
    with pytest.raises(AgencyCeasedError):
        eng.fire("2025/II.3/so-tnmt", "send_back", actor="so-ldtbxh", reason="bổ sung")
    with pytest.raises(PermissionDenied):
        eng.fire("2025/II.3/so-tnmt", "send_back", actor="so-yt", reason="bổ sung")
    assert eng.fire("2025/II.3/so-tnmt", "send_back", actor="so-nv", reason="bổ sung").state == (
        "in_progress"
    )


def test_first_write_after_the_end_date_moves_every_task(split_plan: Plan) -> None:
    clock = FakeClock(dt.date(2025, 1, 2))
    eng = Engine(split_plan, clock=clock)
    eng.open_cycle(2025)
    clock.set(dt.date(2025, 3, 1))
    eng.fire("2025/II.3/so-tnmt", "start", actor="so-tnmt")  # an unrelated task
    assert eng.tasks(year=2025, agency="so-ldtbxh") == []


def test_chain_a_to_b_to_c(plan: Plan) -> None:
    """so-tttt ends 28/02 -> so-khcn, which ends 30/06 -> so-nv: a task follows the chain."""
    chained = _with(
        plan,
        _ceasing(plan, "so-tttt", Succession("so-khcn", START, BASIS, "test")),
        _ceasing(
            plan,
            "so-khcn",
            Succession("so-nv", dt.date(2025, 7, 1), "72/2025/QH15", "test"),
            end=dt.date(2025, 6, 30),
        ),
    )
    clock = FakeClock(dt.date(2025, 1, 2))
    eng = Engine(chained, clock=clock)
    eng.open_cycle(2025)
    clock.set(dt.date(2025, 4, 1))
    eng.apply_succession()
    assert eng.task("2025/II.5/so-tttt").agency == "so-khcn"
    clock.set(dt.date(2025, 7, 2))
    eng.apply_succession()
    assert eng.task("2025/II.5/so-tttt").agency == "so-nv"
    assert eng.task("2025/II.4/so-khcn").agency == "so-nv"
    agencies = [e.payload.get("agency") for e in eng.history("2025/II.5/so-tttt")]
    assert agencies == ["so-tttt", "so-khcn", "so-nv"]  # history keeps who held it
    # A task of a year the plan already finished is not moved: 2024 is closed.
    assert eng.verify().ok


def test_past_years_keep_the_original_agencies(split_plan: Plan) -> None:
    clock = FakeClock(dt.date(2024, 1, 2))
    eng = Engine(split_plan, clock=clock)
    eng.open_cycle(2024)
    task = eng.fire("2024/II.2/so-ldtbxh", "submit", actor="so-ldtbxh", report={"summary": "2024"})
    clock.set(dt.date(2024, 12, 2))  # every task is due: those not reported can be waived
    eng.consolidate(
        2024,
        actor="so-ldtbxh",
        waive=sorted({t.agency for t in eng.tasks(year=2024, state="assigned")}),
    )
    eng.fire(task.id, "evaluate", actor="ubnd-tinh", rating="hoan-thanh")
    eng.close_cycle(2024, actor="ubnd-tinh")
    clock.set(dt.date(2025, 3, 5))
    eng.open_cycle(2025)
    assert eng.task("2024/II.2/so-ldtbxh").agency == "so-ldtbxh"
    assert [e.actor for e in eng.history("2024/II.2/so-ldtbxh")] == [
        "rules",
        "so-ldtbxh",
        "so-ldtbxh",
        "ubnd-tinh",
    ]
    # The 2025 cycle opened after the end date: its DOLISA tasks went straight to successors.
    assert eng.tasks(year=2025, agency="so-ldtbxh") == []
    assert eng.task("2025/II.4/so-ldtbxh").agency == "so-yt"


def test_engine_holder_answers_for_roles_and_agencies() -> None:
    from plan161_workflow import load_rules

    plan = load_rules(
        Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161-sap-xep-2025.yaml"
    )
    eng = Engine(plan, clock=FakeClock(dt.date(2025, 1, 2)))
    assert eng.holder("consolidator", END) == "so-ldtbxh"
    assert eng.holder("consolidator", START) == "so-nv"
    assert eng.holder("evaluator", START) == "ubnd-tinh"
    assert eng.holder("bo-ldtbxh", START) == "bo-nv"  # the recipient role passes to the ministry
    assert eng.holder("so-ldtbxh", START, unit="II.4") == "so-yt"
    assert eng.holder("so-ldtbxh", START, unit="II.2") == "so-nv"
    assert eng.holder("so-tnmt", START) == "so-nnmt"
    assert eng.holder("ubnd-h-can-loc", dt.date(2025, 6, 30)) == "ubnd-h-can-loc"
    assert eng.holder("ubnd-h-can-loc", dt.date(2025, 7, 1)) == "so-nv"


def test_notices_to_a_role_follow_successors(split_plan: Plan) -> None:
    """A reminder to the coordinating agencies of a task reaches the successor of one that
    ceased; one to the consolidator reaches the consolidator of the day."""
    justice_ends = _ceasing(
        split_plan,
        "so-tp",
        Succession("so-nv", dt.date(2025, 7, 1), BASIS, "test"),
        end=dt.date(2025, 6, 30),
    )
    plan = attrs.evolve(
        _with(split_plan, justice_ends),
        reminders=(
            Reminder(days=-1, to="coordinating", source="test"),
            Reminder(days=1, to="consolidator", source="test"),
        ),
    )
    eng = Engine(plan, clock=FakeClock(dt.date(2025, 1, 2)))
    eng.open_cycle(2025)
    before = {(n.task_id, n.to) for n in eng.notices(dt.date(2025, 11, 29))}
    assert ("2025/V.3/so-tc", "so-nv") not in before  # V.3 has no deadline: no notice
    # II.1 is coordinated by Sở Tư pháp, which ended on 30/06/2025: its successor is told.
    assert ("2025/II.1/so-yt", "so-nv") in before
    assert not any(to == "so-tp" for _, to in before)
    after = {(n.task_id, n.to) for n in eng.notices(dt.date(2025, 12, 1))}
    assert ("2025/II.2/so-ldtbxh", "so-nv") in after  # the consolidator from 01/03/2025
    # ... except for the tasks Sở Nội vụ leads itself: those escalate to the agency it reports to
    notices = eng.notices(dt.date(2025, 12, 1))
    assert all(n.to == ("ubnd-tinh" if n.agency == "so-nv" else "so-nv") for n in notices)
    assert any(n.agency == "so-nv" for n in notices)
