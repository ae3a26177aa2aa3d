"""The engine on the Hà Tĩnh plan: consolidating a year (waivers, missing agencies) and one
transaction per change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from engine_support import (
    CONSOLIDATOR,
    EVALUATOR,
    GDDT,
    LEFT_OUT,
    REPORT,
    last_event,
    report_all_but,
    snapshot,
)

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import (
    ConsolidationError,
    NotFound,
    PayloadError,
    PermissionDenied,
    StoreError,
)
from plan161_workflow.model.records import MissingReport


# -- consolidation of a year -------------------------------------------------------------------
def test_consolidation_fails_listing_the_missing_agencies(engine: Engine) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, LEFT_OUT)
    before = engine.counts(2024)
    engine.clock.set(dt.datetime(2024, 12, 2, 9, 0))  # type: ignore[attr-defined]  # all due

    with pytest.raises(ConsolidationError) as info:
        engine.consolidate(2024, actor=CONSOLIDATOR)

    err = info.value
    assert err.year == 2024
    assert err.missing == tuple(sorted(LEFT_OUT.items()))
    assert str(err) == (
        "cannot consolidate 2024: 3 task(s) not yet reported (still assigned, in_progress), "
        "of so-gddt, ubmttq-tinh, ubnd-h-vu-quang; wait for them or pass waive=[...] naming "
        "each agency"
    )
    assert (
        engine.counts(2024)
        == before
        == {
            "assigned": 2,
            "in_progress": 1,
            "reported": 32,
            "consolidated": 0,
            "evaluated": 0,
        }
    )
    assert engine.consolidations(2024) == []

    with pytest.raises(ConsolidationError) as info:
        engine.consolidate(2024, actor=CONSOLIDATOR, waive=["so-gddt", "ubmttq-tinh"])
    assert info.value.missing == (("2024/II.1/ubnd-h-vu-quang", "ubnd-h-vu-quang"),)
    assert engine.counts(2024) == before


def test_consolidation_succeeds_when_every_missing_agency_is_waived(
    engine: Engine, clock: FakeClock
) -> None:
    engine.open_cycle(2024)
    submitted = report_all_but(engine, LEFT_OUT)
    clock.set(dt.date(2024, 12, 5))

    record = engine.consolidate(
        2024, actor=CONSOLIDATOR, waive=["ubnd-h-vu-quang", "so-gddt", "ubmttq-tinh"]
    )

    assert record.year == 2024
    assert list(record.tasks) == sorted(submitted)
    assert len(record.tasks) == 32
    assert record.missing == tuple(MissingReport(k, v) for k, v in sorted(LEFT_OUT.items()))
    assert record.waived == ("so-gddt", "ubmttq-tinh", "ubnd-h-vu-quang")
    assert record.recipients == ("ubnd-tinh", "bo-ldtbxh")
    assert engine.counts(2024) == {
        "assigned": 2,
        "in_progress": 1,
        "reported": 0,
        "consolidated": 32,
        "evaluated": 0,
    }
    (stored,) = engine.consolidations(2024)
    assert stored.actor == CONSOLIDATOR
    assert stored.at == clock()
    assert stored == record
    cycle_event = engine.history("cycle/2024")[-1]
    assert cycle_event.trigger == "consolidate_cycle"
    assert cycle_event.seq == stored.seq
    stored_json = record.to_json()
    assert cycle_event.payload == {k: stored_json[k] for k in cycle_event.payload}
    assert set(cycle_event.payload) == {
        *("year", "tasks", "missing", "waived", "recipients"),
        *("period", "label", "due"),
    }

    bulk = last_event(engine, "2024/II.2/so-ldtbxh")
    assert (bulk.trigger, bulk.actor, bulk.from_state, bulk.to_state) == (
        "consolidate",
        CONSOLIDATOR,
        "reported",
        "consolidated",
    )
    assert bulk.payload == {"bulk": True}
    assert engine.task("2024/II.5/so-gddt").state == "in_progress"
    # a bulk-consolidated task can then be evaluated
    t = engine.fire("2024/II.2/so-ldtbxh", "evaluate", actor=EVALUATOR, rating="hoan-thanh")
    assert t.state == "evaluated"


def test_consolidation_of_a_fully_reported_year_needs_no_waiver(engine: Engine) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, {})
    engine.fire("2024/II.5/so-gddt", "consolidate", actor=CONSOLIDATOR)

    record = engine.consolidate(2024, actor=CONSOLIDATOR)

    assert len(record.tasks) == 34  # the one consolidated before is not counted again
    assert "2024/II.5/so-gddt" not in record.tasks
    assert record.missing == ()
    assert record.waived == ()
    assert engine.counts(2024)["consolidated"] == 35


def test_consolidation_by_a_non_consolidator_is_denied(engine: Engine) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, {})
    before = engine.counts(2024)

    with pytest.raises(PermissionDenied) as info:
        engine.consolidate(2024, actor=EVALUATOR)

    assert (info.value.actor, info.value.trigger, info.value.task_id) == (
        EVALUATOR,
        "consolidate",
        "cycle/2024",
    )
    assert info.value.allowed == (CONSOLIDATOR,)
    assert engine.counts(2024) == before
    assert engine.consolidations(2024) == []


def test_waiving_an_agency_with_nothing_missing_is_a_payload_error(engine: Engine) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, LEFT_OUT)
    engine.clock.set(dt.datetime(2024, 12, 2, 9, 0))  # type: ignore[attr-defined]  # all due

    with pytest.raises(PayloadError) as info:
        engine.consolidate(2024, actor=CONSOLIDATOR, waive=[*LEFT_OUT.values(), "so-tp"])

    assert "nothing missing in 2024: so-tp" in str(info.value)
    assert engine.counts(2024)["consolidated"] == 0


def test_waiving_an_unknown_agency_is_not_found(engine: Engine) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, LEFT_OUT)

    with pytest.raises(NotFound) as info:
        engine.consolidate(2024, actor=CONSOLIDATOR, waive=[*LEFT_OUT.values(), "so-khong-co"])

    assert (info.value.kind, info.value.key) == ("agency", "so-khong-co")
    assert "in waive=" in str(info.value)
    assert engine.counts(2024)["consolidated"] == 0
    assert engine.history("cycle/2024")[-1].outcome == "refused"


def test_consolidating_an_unopened_year_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound) as info:
        engine.consolidate(2024, actor=CONSOLIDATOR)
    assert (info.value.kind, info.value.key) == ("cycle", 2024)


# -- transactions ------------------------------------------------------------------------------


def test_a_failing_write_leaves_the_task_unchanged(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)
    events = len(engine.history(GDDT))

    def broken(*_: Any, **__: Any) -> int:  # the event, after the task row was updated
        raise engine.store.database_error("disk I/O error")

    monkeypatch.setattr(engine.store, "append_event", broken)
    with pytest.raises(StoreError) as info:
        engine.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    monkeypatch.undo()

    assert "disk I/O error" in str(info.value)
    assert snapshot(engine, GDDT) == before
    assert len(engine.history(GDDT)) == events
    assert engine.store.conn.in_transaction is False


def test_bulk_consolidation_is_one_transaction(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, {})
    original = engine.store.append_event
    calls = []

    def fails_on_the_tenth(task_id: str, *args: Any, **kwargs: Any) -> int:
        calls.append(task_id)
        if len(calls) == 10:
            raise engine.store.database_error("disk full")
        return original(task_id, *args, **kwargs)

    monkeypatch.setattr(engine.store, "append_event", fails_on_the_tenth)
    with pytest.raises(StoreError):
        engine.consolidate(2024, actor=CONSOLIDATOR)
    monkeypatch.undo()

    assert len(calls) == 10
    assert engine.counts(2024)["reported"] == 35
    assert engine.counts(2024)["consolidated"] == 0
    assert engine.consolidations(2024) == []
    assert all(e.trigger != "consolidate" for e in engine.history(calls[0]))
