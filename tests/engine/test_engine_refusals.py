"""The engine on the Hà Tĩnh plan: refusals other than permissions: unknown names, wrong states,
bad payloads."""

from __future__ import annotations

from typing import Any

import pytest
from engine_support import (
    CONSOLIDATOR,
    EVALUATOR,
    GDDT,
    OVERSEER,
    REPORT,
    assert_refusal_recorded,
    bring_to,
    snapshot,
)

from plan161_workflow.engine import Engine
from plan161_workflow.errors import (
    InvalidTransition,
    NotFound,
    PayloadError,
)

# -- other refusals ----------------------------------------------------------------------------


def test_unknown_agency_is_refused_and_recorded(engine: Engine) -> None:
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)

    with pytest.raises(NotFound) as info:
        engine.fire(GDDT, "start", actor="so-khong-co")

    assert (info.value.kind, info.value.key) == ("agency", "so-khong-co")
    assert "unknown agency 'so-khong-co'" in str(info.value)
    assert_refusal_recorded(engine, GDDT, before, "start", "so-khong-co", "NotFound")


def test_unknown_task_is_not_found(engine: Engine) -> None:
    engine.open_cycle(2024)

    with pytest.raises(NotFound) as info:
        engine.fire("2024/II.9/so-gddt", "start", actor="so-gddt")
    assert (info.value.kind, info.value.key) == ("task", "2024/II.9/so-gddt")
    with pytest.raises(NotFound):
        engine.task("2024/II.9/so-gddt")
    with pytest.raises(NotFound):
        engine.history("2024/II.9/so-gddt")

    assert engine.counts(2024)["assigned"] == 35


def test_unknown_trigger_is_refused_and_recorded(engine: Engine) -> None:
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)

    with pytest.raises(NotFound) as info:
        engine.fire(GDDT, "approve", actor=CONSOLIDATOR)

    assert (info.value.kind, info.value.key) == ("trigger", "approve")
    assert_refusal_recorded(engine, GDDT, before, "approve", CONSOLIDATOR, "NotFound")


def test_trigger_not_allowed_in_state_names_state_trigger_and_allowed(engine: Engine) -> None:
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)

    with pytest.raises(InvalidTransition) as info:
        engine.fire(GDDT, "evaluate", actor=EVALUATOR, rating="hoan-thanh")

    err = info.value
    assert (err.task_id, err.state, err.trigger) == (GDDT, "assigned", "evaluate")
    assert err.allowed == ("start", "submit", "contribute", "comment", "reassign")
    assert str(err) == (
        f"cannot 'evaluate' task {GDDT!r} in state 'assigned'; "
        "allowed triggers: start, submit, contribute, comment, reassign"
    )
    assert_refusal_recorded(engine, GDDT, before, "evaluate", EVALUATOR, "InvalidTransition")


@pytest.mark.parametrize(
    ("state", "trigger", "actor", "kwargs"),
    [
        ("in_progress", "start", "so-gddt", {}),
        ("reported", "submit", "so-gddt", {"report": REPORT}),
        ("assigned", "send_back", CONSOLIDATOR, {"reason": "x"}),
        ("in_progress", "consolidate", CONSOLIDATOR, {}),
        ("reported", "evaluate", EVALUATOR, {"rating": "hoan-thanh"}),
        ("consolidated", "send_back", CONSOLIDATOR, {"reason": "x"}),
    ],
)
def test_each_trigger_out_of_its_state_is_an_invalid_transition(
    engine: Engine, state: str, trigger: str, actor: str, kwargs: dict[str, Any]
) -> None:
    engine.open_cycle(2024)
    bring_to(engine, GDDT, state)
    before = snapshot(engine, GDDT)

    with pytest.raises(InvalidTransition) as info:
        engine.fire(GDDT, trigger, actor=actor, **kwargs)

    assert (info.value.state, info.value.trigger) == (state, trigger)
    assert trigger not in info.value.allowed
    assert_refusal_recorded(engine, GDDT, before, trigger, actor, "InvalidTransition")


def test_nothing_is_allowed_in_the_final_state(engine: Engine) -> None:
    engine.open_cycle(2024)
    bring_to(engine, GDDT, "evaluated")
    before = snapshot(engine, GDDT)

    with pytest.raises(InvalidTransition) as info:
        engine.fire(GDDT, "comment", actor=OVERSEER, text="sau đánh giá")

    assert info.value.allowed == ()
    assert "allowed triggers: none (final state)" in str(info.value)
    assert_refusal_recorded(engine, GDDT, before, "comment", OVERSEER, "InvalidTransition")


@pytest.mark.parametrize(
    "report",
    [
        None,
        {},
        {"summary": ""},
        {"summary": "   \n"},
        {"summary": None},
        {"indicators": {"a": 1}, "attachments": ["x.pdf"]},
        "chỉ một chuỗi",
        {"summary": "ok", "unexpected": 1},
        {"summary": "ok", "indicators": {"a": True}},
        {"summary": "ok", "indicators": ["a"]},
        {"summary": "ok", "indicators": {"ty-le": float("nan")}},  # not storable as JSON
        {"summary": "ok", "indicators": {"ty-le": float("inf")}},
        {"summary": "ok", "indicators": {1: 2}},
        {"summary": "ok", "attachments": "x.pdf"},
        {"summary": "ok", "attachments": [""]},
    ],
)
def test_submit_without_a_valid_report_is_a_payload_error(engine: Engine, report: Any) -> None:
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)

    with pytest.raises(PayloadError):
        engine.fire(GDDT, "submit", actor="so-gddt", report=report)

    assert_refusal_recorded(engine, GDDT, before, "submit", "so-gddt", "PayloadError")
    assert engine.task(GDDT).report is None


def test_submit_without_summary_message_names_the_summary(engine: Engine) -> None:
    engine.open_cycle(2024)

    with pytest.raises(PayloadError) as info:
        engine.fire(GDDT, "submit", actor="so-gddt", report={"summary": ""})

    assert str(info.value) == f"'submit' on task {GDDT!r} needs a report with a non-empty summary"


@pytest.mark.parametrize("rating", [None, "", "xuat-sac", "Hoàn thành tốt nhiệm vụ", "HOAN-THANH"])
def test_evaluate_without_a_rating_from_the_scale_is_a_payload_error(
    engine: Engine, rating: str | None
) -> None:
    engine.open_cycle(2024)
    bring_to(engine, GDDT, "consolidated")
    before = snapshot(engine, GDDT)

    with pytest.raises(PayloadError) as info:
        engine.fire(GDDT, "evaluate", actor=EVALUATOR, rating=rating)

    assert "hoan-thanh-xuat-sac, hoan-thanh-tot, hoan-thanh, khong-hoan-thanh" in str(info.value)
    assert_refusal_recorded(engine, GDDT, before, "evaluate", EVALUATOR, "PayloadError")
    assert engine.task(GDDT).rating is None


@pytest.mark.parametrize(
    ("state", "trigger", "actor", "kwargs"),
    [
        ("reported", "send_back", CONSOLIDATOR, {}),
        ("reported", "send_back", CONSOLIDATOR, {"reason": "  "}),
        ("assigned", "contribute", "so-tp", {}),
        ("assigned", "comment", OVERSEER, {"text": ""}),
        ("assigned", "reassign", CONSOLIDATOR, {}),
        ("assigned", "reassign", CONSOLIDATOR, {"agency": "so-khong-co"}),
        ("assigned", "reassign", CONSOLIDATOR, {"agency": "ubnd-cap-huyen"}),  # a group
        ("assigned", "reassign", CONSOLIDATOR, {"agency": "so-gddt"}),  # already holds it
        ("assigned", "reassign", CONSOLIDATOR, {"agency": ["so-yt"]}),
        ("assigned", "start", "so-gddt", {"text": "không cần"}),
    ],
)
def test_other_missing_or_wrong_arguments_are_payload_errors(
    engine: Engine, state: str, trigger: str, actor: str, kwargs: dict[str, Any]
) -> None:
    engine.open_cycle(2024)
    bring_to(engine, GDDT, state)
    before = snapshot(engine, GDDT)

    with pytest.raises(PayloadError):
        engine.fire(GDDT, trigger, actor=actor, **kwargs)

    assert_refusal_recorded(engine, GDDT, before, trigger, actor, "PayloadError")
