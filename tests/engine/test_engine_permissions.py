"""The engine on the Hà Tĩnh plan: who may fire which trigger: denials are refused and recorded."""

from __future__ import annotations

from typing import Any

import attrs
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

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import (
    PermissionDenied,
)
from plan161_workflow.model.plan import (
    Agency,
    Plan,
)

# -- permissions -------------------------------------------------------------------------------

# (trigger, wrong actor, state the task must be in, arguments, who is allowed)
WRONG_ACTORS = [
    ("start", "so-tp", "assigned", {}, ("so-gddt",)),
    ("start", CONSOLIDATOR, "assigned", {}, ("so-gddt",)),
    ("submit", "so-tp", "in_progress", {"report": REPORT}, ("so-gddt",)),
    ("submit", EVALUATOR, "assigned", {"report": REPORT}, ("so-gddt",)),
    ("contribute", "so-tttt", "in_progress", {"text": "ý kiến"}, ("so-tp",)),
    ("contribute", "so-gddt", "in_progress", {"text": "ý kiến"}, ("so-tp",)),
    ("send_back", EVALUATOR, "reported", {"reason": "thiếu"}, (CONSOLIDATOR,)),
    ("send_back", "so-gddt", "reported", {"reason": "thiếu"}, (CONSOLIDATOR,)),
    ("consolidate", EVALUATOR, "reported", {}, (CONSOLIDATOR,)),
    ("consolidate", OVERSEER, "reported", {}, (CONSOLIDATOR,)),
    ("reassign", "so-gddt", "in_progress", {"agency": "so-yt"}, (CONSOLIDATOR,)),
    ("reassign", EVALUATOR, "assigned", {"agency": "so-yt"}, (CONSOLIDATOR,)),
    ("evaluate", CONSOLIDATOR, "consolidated", {"rating": "hoan-thanh"}, (EVALUATOR,)),
    ("evaluate", OVERSEER, "consolidated", {"rating": "hoan-thanh"}, (EVALUATOR,)),
]


@pytest.mark.parametrize(
    ("trigger", "actor", "state", "kwargs", "allowed"),
    WRONG_ACTORS,
    ids=[f"{w[0]}-by-{w[1]}" for w in WRONG_ACTORS],
)
def test_a_wrong_agency_is_denied_and_the_attempt_recorded(
    engine: Engine,
    trigger: str,
    actor: str,
    state: str,
    kwargs: dict[str, Any],
    allowed: tuple[str, ...],
) -> None:
    engine.open_cycle(2024)
    bring_to(engine, GDDT, state)
    before = snapshot(engine, GDDT)

    with pytest.raises(PermissionDenied) as info:
        engine.fire(GDDT, trigger, actor=actor, **kwargs)

    err = info.value
    assert (err.actor, err.trigger, err.task_id, err.allowed) == (actor, trigger, GDDT, allowed)
    assert str(err) == (
        f"agency {actor!r} may not {trigger!r} task {GDDT!r}; allowed: {', '.join(allowed)}"
    )
    assert_refusal_recorded(engine, GDDT, before, trigger, actor, "PermissionDenied")


def test_comment_is_open_to_every_agency_with_a_role_overseer_included(engine: Engine) -> None:
    engine.open_cycle(2024)
    for actor in (OVERSEER, "bo-ldtbxh", EVALUATOR, "so-tc", "ubnd-h-vu-quang", "so-gddt"):
        engine.fire(GDDT, "comment", actor=actor, text=f"ý kiến của {actor}")

    history = engine.history(GDDT)
    assert [e.actor for e in history[1:]] == [
        OVERSEER,
        "bo-ldtbxh",
        EVALUATOR,
        "so-tc",
        "ubnd-h-vu-quang",
        "so-gddt",
    ]
    assert engine.task(GDDT).state == "assigned"
    assert engine.task(GDDT).version == 7


def test_comment_by_an_agency_without_a_role_is_denied(plan: Plan, clock: FakeClock) -> None:
    outsider = Agency(
        code="so-xd",
        name="Sở Xây dựng",
        name_en="Department of Construction",
        kind="department",
        source="added: an agency the plan gives no role",
    )
    engine = Engine(attrs.evolve(plan, agencies=(*plan.agencies, outsider)), clock=clock)
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)

    with pytest.raises(PermissionDenied) as info:
        engine.fire(GDDT, "comment", actor="so-xd", text="ý kiến")

    assert (info.value.actor, info.value.trigger, info.value.task_id) == ("so-xd", "comment", GDDT)
    assert_refusal_recorded(engine, GDDT, before, "comment", "so-xd", "PermissionDenied")


def test_overseer_can_only_comment_on_others_tasks(engine: Engine) -> None:
    engine.open_cycle(2024)

    for trigger, kwargs in [
        ("start", {}),
        ("submit", {"report": REPORT}),
        ("contribute", {"text": "x"}),
        ("reassign", {"agency": "so-yt"}),
    ]:
        with pytest.raises(PermissionDenied):
            engine.fire(GDDT, trigger, actor=OVERSEER, **kwargs)

    assert [e.outcome for e in engine.history(GDDT)] == ["applied"] + ["refused"] * 4
    assert engine.task(GDDT).version == 1
