"""The engine on the Hà Tĩnh plan: a task's whole lifecycle on the default workflow, and
reassignment."""

from __future__ import annotations

import datetime as dt

import pytest
from engine_support import (
    CONSOLIDATOR,
    EVALUATOR,
    GDDT,
    OVERSEER,
    REPORT,
    assert_refusal_recorded,
    last_event,
    snapshot,
)

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import (
    PermissionDenied,
)
from plan161_workflow.model.plan import (
    Plan,
)

# -- the lifecycle -----------------------------------------------------------------------------

# area -> (task, responsible, a coordinating agency)
WALK = {
    "II.1": ("2024/II.1/so-gddt", "so-gddt", "so-tp"),
    "II.2": ("2024/II.2/so-ldtbxh", "so-ldtbxh", "ubnd-h-can-loc"),
    "II.3": ("2024/II.3/so-tnmt", "so-tnmt", "ubnd-tp-ha-tinh"),
    "II.4": ("2024/II.4/so-yt", "so-yt", "ubnd-h-vu-quang"),
    "II.5": ("2024/II.5/so-tttt", "so-tttt", "ubnd-tx-hong-linh"),
}


def test_walk_covers_every_area(plan: Plan) -> None:
    assert set(WALK) == {a.id for a in plan.areas}


def test_one_task_of_every_area_walks_the_whole_lifecycle(engine: Engine, clock: FakeClock) -> None:
    engine.open_cycle(2024)
    for area, (tid, responsible, coordinator) in WALK.items():
        clock.set(dt.date(2024, 3, 1))
        t = engine.fire(tid, "start", actor=responsible)
        assert (t.state, t.version) == ("in_progress", 2)

        t = engine.fire(tid, "contribute", actor=coordinator, text=f"Số liệu phối hợp {area}")
        assert (t.state, t.version) == ("in_progress", 3)

        t = engine.fire(tid, "comment", actor=OVERSEER, text="Đề nghị bổ sung số liệu")
        assert (t.state, t.version) == ("in_progress", 4)

        clock.set(dt.date(2024, 11, 15))
        t = engine.fire(tid, "submit", actor=responsible, report=REPORT)
        assert (t.state, t.version) == ("reported", 5)
        assert t.report == REPORT
        assert t.reported_at == clock()
        assert (t.days_late, t.on_time) == (0, True)

        # the consolidator's own report goes back from the agency it reports to
        back = "ubnd-tinh" if responsible == CONSOLIDATOR else CONSOLIDATOR
        t = engine.fire(tid, "send_back", actor=back, reason="Thiếu phụ lục")
        assert (t.state, t.version) == ("in_progress", 6)

        revised = {"summary": "Bản sửa", "indicators": {"hoi-nghi": 4}}
        t = engine.fire(tid, "submit", actor=responsible, report=revised)
        assert (t.state, t.version) == ("reported", 7)
        assert t.report == {"summary": "Bản sửa", "indicators": {"hoi-nghi": 4}, "attachments": []}

        t = engine.fire(tid, "consolidate", actor=back)
        assert (t.state, t.version) == ("consolidated", 8)

        t = engine.fire(tid, "evaluate", actor=EVALUATOR, rating="hoan-thanh-tot")
        assert (t.state, t.version, t.rating) == ("evaluated", 9, "hoan-thanh-tot")

        history = engine.history(tid)
        assert [e.trigger for e in history] == [
            "create",
            "start",
            "contribute",
            "comment",
            "submit",
            "send_back",
            "submit",
            "consolidate",
            "evaluate",
        ]
        assert [e.actor for e in history] == [
            "rules",
            responsible,
            coordinator,
            OVERSEER,
            responsible,
            back,
            responsible,
            back,
            EVALUATOR,
        ]
        assert [e.to_state for e in history] == [
            "assigned",
            "in_progress",
            "in_progress",
            "in_progress",
            "reported",
            "in_progress",
            "reported",
            "consolidated",
            "evaluated",
        ]
        assert {e.outcome for e in history} == {"applied"}
        assert history[2].payload == {"text": f"Số liệu phối hợp {area}"}
        assert history[5].payload == {"reason": "Thiếu phụ lục"}
        assert history[8].payload == {"rating": "hoan-thanh-tot"}

    counts = engine.counts(2024)
    assert counts == {
        "assigned": 30,
        "in_progress": 0,
        "reported": 0,
        "consolidated": 0,
        "evaluated": 5,
    }


def test_submit_straight_from_assigned(engine: Engine) -> None:
    engine.open_cycle(2024)

    t = engine.fire("2024/V.6/ubmttq-tinh", "submit", actor=OVERSEER, report={"summary": "Đã"})

    assert t.state == "reported"
    assert t.report == {"summary": "Đã", "indicators": {}, "attachments": []}
    assert t.days_late == 0  # a duty without a deadline is never late
    assert t.on_time is True


# -- reassignment ------------------------------------------------------------------------------


def test_reassign_moves_the_task_and_keeps_who_held_it(engine: Engine, clock: FakeClock) -> None:
    engine.open_cycle(2024)
    engine.fire(GDDT, "start", actor="so-gddt")
    clock.advance(days=2)

    t = engine.fire(GDDT, "reassign", actor=CONSOLIDATOR, agency="so-vhttdl")

    assert (t.id, t.agency, t.original_agency, t.state, t.version) == (
        GDDT,
        "so-vhttdl",
        "so-gddt",
        "in_progress",
        3,
    )
    event = last_event(engine, GDDT)
    assert (event.trigger, event.actor, event.from_state, event.to_state) == (
        "reassign",
        CONSOLIDATOR,
        "in_progress",
        "in_progress",
    )
    assert event.payload == {"agency": "so-vhttdl", "previous_agency": "so-gddt"}
    assert [x.id for x in engine.tasks(year=2024, agency="so-vhttdl")] == [
        GDDT,
        "2024/II.1/so-vhttdl",
    ]
    assert [x.id for x in engine.tasks(year=2024, agency="so-gddt")] == ["2024/II.5/so-gddt"]

    before = snapshot(engine, GDDT)
    with pytest.raises(PermissionDenied) as info:
        engine.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    assert info.value.allowed == ("so-vhttdl",)
    assert_refusal_recorded(engine, GDDT, before, "submit", "so-gddt", "PermissionDenied")

    t = engine.fire(GDDT, "submit", actor="so-vhttdl", report=REPORT)
    assert (t.state, t.agency, t.original_agency) == ("reported", "so-vhttdl", "so-gddt")
    assert last_event(engine, GDDT).actor == "so-vhttdl"
