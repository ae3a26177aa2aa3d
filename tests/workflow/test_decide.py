"""Every permission of the Hà Tĩnh plan, decided by the pure core without a database.

The tables below are written from the rules file and the default workflow as a reader of
docs/engine.md would write them (who plays which role for the task, which trigger needs which
role, from which states it may be fired and where it leads), not computed by the code they test.
``decide`` is asked every (state x trigger x actor) of them; ``decide_cycle`` every (cycle-level
change x actor x day), across the 2025 reorganisation.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import attrs
import pytest

from plan161_workflow.clock import VIETNAM
from plan161_workflow.errors import (
    AgencyCeasedError,
    CycleClosedError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from plan161_workflow.model.plan import Plan
from plan161_workflow.model.task import Task, cycle_id
from plan161_workflow.workflow.decide import Rulebook, decide, decide_cycle

STATES = ("assigned", "in_progress", "reported", "consolidated", "evaluated")
NOT_FINAL = frozenset(STATES[:-1])

# The task: Sở GD&ĐT leads area II.1 in 2024; Sở Tư pháp coordinates it.
TASK = Task(
    id="2024/II.1/so-gddt",
    year=2024,
    area="II.1",
    duty=None,
    agency="so-gddt",
    coordinating=("so-tp",),
    due=dt.date(2024, 11, 30),
    state="assigned",
    version=3,
    original_agency="so-gddt",
)
NOW = dt.datetime(2024, 6, 3, 9, 0, tzinfo=VIETNAM)

# Who plays which role for TASK in the rules file (every agency with a role is a participant).
ACTORS: dict[str, frozenset[str]] = {
    "so-gddt": frozenset({"responsible", "participant"}),
    "so-tp": frozenset({"coordinating", "participant"}),
    "so-ldtbxh": frozenset({"consolidator", "participant"}),
    "ubnd-tinh": frozenset({"evaluator", "participant"}),
    "ubmttq-tinh": frozenset({"overseer", "participant"}),
    "so-yt": frozenset({"participant"}),  # leads other areas, nothing of this task
    "ubnd-h-can-loc": frozenset({"participant"}),
}

# trigger -> (the role it needs, the states it may be fired in, the state it leads to (None:
# an action, the state stays), its arguments)
TRIGGERS: dict[str, tuple[str, frozenset[str], str | None, dict[str, Any]]] = {
    "start": ("responsible", frozenset({"assigned"}), "in_progress", {}),
    "submit": (
        "responsible",
        frozenset({"assigned", "in_progress"}),
        "reported",
        {"report": {"summary": "Đã tổ chức 3 hội nghị"}},
    ),
    "send_back": ("consolidator", frozenset({"reported"}), "in_progress", {"reason": "Thiếu"}),
    "consolidate": ("consolidator", frozenset({"reported"}), "consolidated", {}),
    "evaluate": ("evaluator", frozenset({"consolidated"}), "evaluated", {"rating": "hoan-thanh"}),
    "contribute": ("coordinating", NOT_FINAL, None, {"text": "Số liệu phối hợp"}),
    "comment": ("participant", NOT_FINAL, None, {"text": "Ý kiến"}),
    "reassign": ("consolidator", NOT_FINAL, None, {"agency": "so-vhttdl"}),
}
# Who may fire a trigger of each role on TASK, as the refusal names them.
HOLDERS = {
    "responsible": ("so-gddt",),
    "coordinating": ("so-tp",),
    "consolidator": ("so-ldtbxh",),
    "evaluator": ("ubnd-tinh",),
    "overseer": ("ubmttq-tinh",),
    "participant": ("any agency with a role in the plan",),
}
CASES = list(itertools.product(STATES, TRIGGERS, ACTORS))


@pytest.fixture(scope="module")
def book(plan: Plan) -> Rulebook:
    return Rulebook(plan)


@pytest.fixture(scope="module")
def reorganised_book(reorganised_plan: Plan) -> Rulebook:
    return Rulebook(reorganised_plan)


def test_the_table_covers_every_trigger_and_role_of_the_plan(book: Rulebook) -> None:
    assert set(TRIGGERS) == set(book.role_of)
    assert {TRIGGERS[t][0] for t in TRIGGERS} == set(HOLDERS) - {"overseer"}
    assert set(ACTORS) <= book.participants
    assert len(CASES) == 5 * 8 * 7


@pytest.mark.parametrize(("state", "trigger", "actor"), CASES)
def test_decide_by_state_trigger_and_actor(
    book: Rulebook, state: str, trigger: str, actor: str
) -> None:
    role, sources, dest, args = TRIGGERS[trigger]
    task = attrs.evolve(TASK, state=state)

    if role not in ACTORS[actor]:
        with pytest.raises(PermissionDenied) as denied:
            decide(book, task, trigger, actor, args, NOW, cycle_open=True)
        assert (denied.value.actor, denied.value.trigger, denied.value.task_id) == (
            actor,
            trigger,
            TASK.id,
        )
        assert denied.value.allowed == HOLDERS[role]
    elif state not in sources:
        with pytest.raises(InvalidTransition) as invalid:
            decide(book, task, trigger, actor, args, NOW, cycle_open=True)
        assert (invalid.value.state, invalid.value.trigger) == (state, trigger)
        assert trigger not in invalid.value.allowed
        assert set(invalid.value.allowed) == {t for t, v in TRIGGERS.items() if state in v[1]}
    else:
        outcome = decide(book, task, trigger, actor, args, NOW, cycle_open=True)
        assert outcome.to_state == (dest or state)
        assert outcome.updates["state"] == outcome.to_state


@pytest.mark.parametrize(("state", "trigger"), list(itertools.product(STATES, TRIGGERS)))
def test_nothing_changes_in_a_closed_cycle_whoever_asks(
    book: Rulebook, state: str, trigger: str
) -> None:
    for actor in ACTORS:
        with pytest.raises(CycleClosedError):
            decide(
                book,
                attrs.evolve(TASK, state=state),
                trigger,
                actor,
                TRIGGERS[trigger][3],
                NOW,
                cycle_open=False,
            )


def test_unknown_agencies_and_triggers_are_not_found(book: Rulebook) -> None:
    with pytest.raises(NotFound) as agency:
        decide(book, TASK, "start", "so-gd-dt", {}, NOW, cycle_open=True)
    with pytest.raises(NotFound) as trigger:
        decide(book, TASK, "begin", "so-gddt", {}, NOW, cycle_open=True)

    assert (agency.value.kind, agency.value.key) == ("agency", "so-gd-dt")
    assert "did you mean 'so-gddt'?" in str(agency.value)
    assert (trigger.value.kind, trigger.value.key) == ("trigger", "begin")


# The 2025 reorganisation: Sở LĐTBXH ceases on 28/02/2025 and Sở Nội vụ consolidates from
# 01/03/2025; the districts cease on 30/06/2025.
BEFORE = dt.datetime(2025, 2, 20, 9, 0, tzinfo=VIETNAM)
AFTER = dt.datetime(2025, 3, 3, 9, 0, tzinfo=VIETNAM)
TASK_2025 = attrs.evolve(TASK, id="2025/II.1/so-gddt", year=2025, state="reported")


@pytest.mark.parametrize(
    ("now", "actor", "expected"),
    [
        (BEFORE, "so-ldtbxh", "consolidated"),
        (BEFORE, "so-nv", PermissionDenied),
        (AFTER, "so-nv", "consolidated"),
        (AFTER, "so-ldtbxh", AgencyCeasedError),
        (AFTER, "so-gddt", PermissionDenied),
    ],
)
def test_the_consolidator_role_follows_the_succession(
    reorganised_book: Rulebook, now: dt.datetime, actor: str, expected: object
) -> None:
    if isinstance(expected, str):
        outcome = decide(
            reorganised_book, TASK_2025, "consolidate", actor, {}, now, cycle_open=True
        )
        assert outcome.to_state == expected
        return
    assert isinstance(expected, type)
    with pytest.raises(expected):
        decide(reorganised_book, TASK_2025, "consolidate", actor, {}, now, cycle_open=True)


# Cycle-level changes: trigger -> the roles that may make it.
CYCLE_TRIGGERS = {"consolidate": ("consolidator",), "close_cycle": ("consolidator", "evaluator")}
HOLDERS_ON = {
    BEFORE.date(): {"consolidator": "so-ldtbxh", "evaluator": "ubnd-tinh"},
    AFTER.date(): {"consolidator": "so-nv", "evaluator": "ubnd-tinh"},
}
CYCLE_ACTORS = ("so-ldtbxh", "so-nv", "ubnd-tinh", "ubmttq-tinh", "so-gddt", "so-tp")


@pytest.mark.parametrize(
    ("trigger", "day", "actor"), list(itertools.product(CYCLE_TRIGGERS, HOLDERS_ON, CYCLE_ACTORS))
)
def test_decide_cycle_by_change_day_and_actor(
    reorganised_book: Rulebook, trigger: str, day: dt.date, actor: str
) -> None:
    holders = sorted({HOLDERS_ON[day][role] for role in CYCLE_TRIGGERS[trigger]})

    if actor in holders:
        decide_cycle(reorganised_book, 2025, trigger, actor, day)
        return
    with pytest.raises(PermissionDenied) as denied:
        decide_cycle(reorganised_book, 2025, trigger, actor, day)
    assert (denied.value.actor, denied.value.trigger, denied.value.task_id) == (
        actor,
        trigger,
        cycle_id(2025),
    )
    assert denied.value.allowed == tuple(holders)


def test_an_unknown_cycle_level_change_is_not_found(book: Rulebook) -> None:
    with pytest.raises(NotFound) as info:
        decide_cycle(book, 2024, "reopen_cycle", "so-ldtbxh", NOW.date())
    assert (info.value.kind, info.value.key) == ("trigger", "reopen_cycle")
