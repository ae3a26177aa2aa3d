"""Semantic checks, one mistake at a time on the minimal plan: the path and message of each, and
no noise: a wrong value does not also make every reference to its element look wrong."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_support import MINIMAL

from plan161_workflow import RulesError, parse_rules
from plan161_workflow.model.plan import Workflow, WorkflowTransition
from plan161_workflow.rules.checks.workflow import RESERVED
from plan161_workflow.workflow.definition import (
    consolidation_states,
    open_states,
    workflow_problems,
)

BASE = MINIMAL.read_text(encoding="utf-8")
SO_YT = "    name_en: Department of Health\n    kind: department\n    parent: ubnd-tinh\n"
WORKFLOW = """workflow:
  states: [assigned, reported, consolidated, evaluated]
  initial: assigned
  final: evaluated
  transitions:
    - {trigger: submit, source: [assigned], dest: reported, role: responsible, requires: report}
    - {trigger: consolidate, source: [reported], dest: consolidated, role: consolidator}
    - {trigger: evaluate, source: [consolidated], dest: evaluated, role: evaluator}
  actions:
    - {trigger: reassign, role: consolidator, requires: agency}
"""


def problems(*changes: tuple[str, str], base: str = BASE) -> list[tuple[str, str]]:
    text = base
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    with pytest.raises(RulesError) as info:
        parse_rules(text, "plan.yaml")
    return [(p.path, p.message) for p in info.value.problems]


def with_workflow(old: str = "", new: str = "") -> list[tuple[str, str]]:
    assert old in WORKFLOW
    return problems(("roles:\n", WORKFLOW.replace(old, new, 1) + "\nroles:\n"))


def test_the_workflow_used_in_these_tests_is_valid() -> None:
    plan = parse_rules(BASE.replace("roles:\n", WORKFLOW + "\nroles:\n", 1))
    assert plan.workflow.states == ("assigned", "reported", "consolidated", "evaluated")
    assert [t.trigger for t in plan.workflow.transitions] == ["submit", "consolidate", "evaluate"]


@pytest.mark.parametrize("name", RESERVED)
def test_reserved_trigger_names(name: str) -> None:
    found = with_workflow("trigger: submit", f"trigger: {name}")
    assert found == [
        (
            "workflow.transitions[0].trigger",
            f"{name!r} is an event the engine records itself; reserved: {', '.join(RESERVED)}",
        )
    ]


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            "role: consolidator}\n    - {trigger: evaluate",
            "role: evaluator}\n    - {trigger: evaluate",
            "workflow.transitions[1].role",
            "'consolidate' is fired by the consolidator",
        ),
        (
            "requires: agency",
            "requires: text",
            "workflow.actions[0].requires",
            "'reassign' hands the task to another agency and needs requires: agency",
        ),
        (
            "states: [assigned,",
            "states: [Assigned, assigned,",
            "workflow.states[0]",
            "state 'Assigned' cannot be reached",
        ),
        (
            "states: [assigned,",
            "states: [Assigned, assigned,",
            "workflow.states[0]",
            "state name 'Assigned' must be lower-case ASCII letters",
        ),
        (
            "    - {trigger: evaluate",
            "    - {trigger: submit, source: [reported], dest: assigned, role: consolidator}\n"
            "    - {trigger: evaluate",
            "workflow.transitions[2].role",
            "'submit' is declared again with another role or requirement",
        ),
        (
            "dest: evaluated",
            "dest: evalueted",
            "workflow.transitions[2].dest",
            "unknown state 'evalueted'",
        ),
        ("role: evaluator}", "role: evaluater}", "workflow.transitions[2].role", "did you mean"),
        ("requires: agency", "requires: agencies", "workflow.actions[0].requires", "one of"),
    ],
)
def test_workflow_problems(old: str, new: str, path: str, message: str) -> None:
    found = with_workflow(old, new)
    assert any(p == path and message in m for p, m in found), found


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        (
            [("    members: [ubnd-huyen-a]", "    members: [ubnd-huyen-a, ubnd-huyen-a]")],
            "groups[0].members[1]",
            "'ubnd-huyen-a' is listed twice; keep one",
        ),
        (
            [("    members: [ubnd-huyen-a]", "    members: [ubnd-cap-huyen]")],
            "groups[0].members[0]",
            "'ubnd-cap-huyen' is a group; name one agency here",
        ),
        (
            [("  - code: ubnd-cap-huyen", "  - code: so-yt")],
            "groups[0].code",
            "group code 'so-yt' is also an agency code",
        ),
        (
            [("    coordinating: [so-yt]", "    coordinating: [ubnd-cap-huyen]")],
            "areas[0].coordinating[0]",
            "ubnd-huyen-a already leads 'II.1'; an agency either leads or coordinates",
        ),
        (
            [("  - code: so-yt", "  - code: Sở Y tế")],
            "agencies[2].code",
            "agency code 'Sở Y tế' must be ASCII letters",
        ),
        (
            [("  weekend: [5, 6]", "  weekend: [0, 1, 2, 3, 4, 5, 6]")],
            "calendar.weekend",
            "every weekday is a weekend day",
        ),
        ([("  weekend: [5, 6]", "  weekend: [6, 6]")], "calendar.weekend", "listed twice"),
        (
            [("  first_year: 2024", "  first_year: 1900")],
            "plan.first_year",
            "year 1900: the holidays package covers VN from",
        ),
        ([("  last_year: 2025", "  last_year: 12025")], "plan.last_year", "not a calendar year"),
        (
            [("  last_year: 2025", "  last_year: 2023")],
            "plan.last_year",
            "last_year 2023 is before first_year 2024",
        ),
        ([("  - days: -7", "  - days: -4000")], "reminders[0].days", "at most 3660 either way"),
        (
            [('    day: "01/12"\n', '    day: "01/12"\n    date: 2025-01-01\n')],
            "deadlines[0].date",
            "'date' does not apply to a 'yearly_before' deadline; remove it",
        ),
        (
            [('kind: yearly_before\n    day: "01/12"', "kind: offset\n    after: annual-report")],
            "deadlines[0].days",
            "a 'offset' deadline needs 'days'",
        ),
        (
            [("  title_en: A test plan", "  title_en: ''")],
            "plan.title_en",
            "empty text; write something or remove the key",
        ),
    ],
)
def test_registry_calendar_and_deadline_problems(
    changes: list[tuple[str, str]], path: str, message: str
) -> None:
    found = problems(*changes)
    assert any(p == path and message in m for p, m in found), found


TO_LDTBXH = "      - {{agency: so-ldtbxh, effective: {}, basis: x, source: y}}\n"


def _succession(successor: str, valid_to: str = "    valid_to: 2024-12-31\n") -> tuple[str, str]:
    return (SO_YT, SO_YT + valid_to + "    successors:\n" + successor)


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            _succession("      - {agency: so-yt, effective: 2025-01-01, basis: x, source: y}\n"),
            "agencies[2].successors[0].agency",
            "'so-yt' cannot succeed itself",
        ),
        (
            _succession(
                "      - {agency: so-ldtbxh, effective: 2025-01-01, basis: x, source: y}\n", ""
            ),
            "agencies[2].successors[0].effective",
            "'so-yt' has successors but no valid_to",
        ),
        (
            _succession(
                "      - {agency: so-ldtbxh, effective: 2025-02-01, basis: x, source: y}\n"
            ),
            "agencies[2].successors[0].effective",
            "a successor takes over the day after 'so-yt' ends (2025-01-01), found 2025-02-01",
        ),
        (
            _succession(
                "      - {agency: so-ldtbxh, effective: 2025-01-01, basis: x, source: y,\n"
                "         scope: {areas: [II.3]}}\n"
            ),
            "agencies[2].successors[0].scope.areas[0]",
            "unknown area 'II.3'; did you mean",
        ),
        (
            _succession(
                "      - {agency: so-ldtbxh, effective: 2025-01-01, basis: x, source: y,\n"
                "         scope: {roles: [boss]}}\n"
            ),
            "agencies[2].successors[0].scope.roles[0]",
            "unknown role 'boss'; expected one of: consolidator, evaluator, overseer, recipient",
        ),
        (
            _succession(
                "      - {agency: so-ldtbxh, effective: 2025-01-01, basis: x, source: y,\n"
                "         scope: {areas: [II.2]}}\n"
            ),
            "agencies[2].successors",
            "'so-yt' ends on 2024-12-31 but nobody takes over: II.1",
        ),
    ],
)
def test_succession_problems(change: tuple[str, str], path: str, message: str) -> None:
    found = problems(change)
    assert any(p == path and message in m for p, m in found), found


def test_a_wrong_value_does_not_make_references_to_its_element_look_wrong() -> None:
    found = problems((SO_YT, SO_YT.replace("department", "departmnet")))
    assert [p for p, _ in found] == ["agencies[2].kind"]


def test_a_missing_key_does_not_hide_other_problems() -> None:
    found = problems(("    name_en: Department of Health\n", ""), ("lead: [so-yt]", "lead: [so-y]"))
    assert [p for p, _ in found] == ["agencies[2].name_en", "areas[1].lead[0]"]


def test_a_typo_is_not_also_reported_as_a_missing_key() -> None:
    found = problems(("  first_year: 2024", "  firstyear: 2024"))
    assert found == [("plan.firstyear", "unknown key 'firstyear'; did you mean 'first_year'?")]


def test_a_wrong_section_does_not_cascade() -> None:
    found = problems(("agencies:\n  - code: ubnd-tinh", "agencies: {}\nx:\n  - code: ubnd-tinh"))
    assert ("agencies", "expected a list, found a mapping") in found
    assert not [m for _, m in found if "unknown agency" in m]


def test_a_forbidden_tag_is_reported_once() -> None:
    found = problems(("  source: preamble\n", "  source: !!python/none x\n"))
    assert found == [
        (
            "plan.source",
            "YAML tag '!!python/none' is not allowed: rules files hold plain text, numbers, "
            "dates, lists and mappings only; remove the tag",
        )
    ]


def test_an_unknown_section_does_not_stop_the_other_checks() -> None:
    found = problems(("reminders:", "remarks: x\nreminders:"), ("lead: [so-yt]", "lead: [so-y]"))
    assert [p for p, _ in found] == ["areas[1].lead[0]", "remarks"]


def test_a_wrong_self_contained_section_does_not_stop_the_other_checks() -> None:
    found = problems(("reminders:\n", "reminders: 5\nx:\n"), ("lead: [so-yt]", "lead: [so-y]"))
    assert ("areas[1].lead[0]", "unknown agency or group 'so-y'; did you mean 'so-yt'?") in found
    assert ("reminders", "expected a list, found int 5") in found


# -- the workflow: order of states, reachability, misspelt states ---------------------------------

VERIFIED = (MINIMAL.parent / "verified-workflow.yaml").read_text(encoding="utf-8")
VERIFIED_STATES = "states: [assigned, in_progress, reported, verified, consolidated, evaluated]"


def verified_problems(*changes: tuple[str, str]) -> list[tuple[str, str]]:
    return problems(*changes, base=VERIFIED)


OVERDUE = "a task in a state listed before 'reported' counts as not yet reported and can be "
MISSING = (
    "a task in a state listed before 'verified' counts as missing when a cycle is consolidated"
)


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (
            "[assigned, in_progress, verified, reported, consolidated, evaluated]",
            [
                (
                    "workflow.states[2]",
                    "state 'verified' is listed before the reported state 'reported' but can only "
                    "be reached after it; move 'verified' after 'reported' in states "
                    f"({OVERDUE}shown overdue)",
                )
            ],
        ),
        (
            "[assigned, reported, in_progress, verified, consolidated, evaluated]",
            [
                (
                    "workflow.states[2]",
                    "state 'in_progress' can be reached before the reported state 'reported' but "
                    "is listed after it; move 'in_progress' before 'reported' in states "
                    f"({OVERDUE}shown overdue)",
                )
            ],
        ),
        (
            "[assigned, in_progress, reported, consolidated, verified, evaluated]",
            [
                (
                    "workflow.states[3]",
                    "state 'consolidated' is listed before 'verified', the first state "
                    "'consolidate' takes tasks from, but can only be reached after it; move "
                    f"'consolidated' after 'verified' in states ({MISSING})",
                )
            ],
        ),
    ],
)
def test_the_order_of_states_is_the_order_a_task_can_reach_them(
    states: str, expected: list[tuple[str, str]]
) -> None:
    assert verified_problems((VERIFIED_STATES, f"states: {states}")) == expected


def test_a_state_between_report_and_consolidation_is_listed_before_the_ready_state() -> None:
    rejected = (
        "    - {trigger: reject, source: [reported], dest: rejected, role: consolidator}\n"
        "    - {trigger: redo, source: [rejected], dest: in_progress, role: responsible}\n"
    )
    verify = "    - {trigger: verify, source: [reported], dest: verified, role: consolidator}\n"
    after = "[assigned, in_progress, reported, verified, rejected, consolidated, evaluated]"
    found = verified_problems((VERIFIED_STATES, f"states: {after}"), (verify, verify + rejected))
    assert found == [
        (
            "workflow.states[4]",
            "state 'rejected' can be reached before 'verified', the first state 'consolidate' "
            "takes tasks from, but is listed after it; move 'rejected' before 'verified' in "
            f"states ({MISSING})",
        )
    ]
    before = "[assigned, in_progress, reported, rejected, verified, consolidated, evaluated]"
    text = VERIFIED.replace(VERIFIED_STATES, f"states: {before}").replace(verify, verify + rejected)
    assert parse_rules(text).workflow.states[3] == "rejected"


def test_a_reported_state_later_in_the_lifecycle_is_a_valid_order() -> None:
    text = VERIFIED.replace("reported_state: reported", "reported_state: verified")
    workflow = parse_rules(text).workflow
    assert open_states(workflow) == ("assigned", "in_progress", "reported")


def test_every_consolidate_transition_gives_a_ready_state() -> None:
    consolidate = "    - {trigger: consolidate, source: [verified],"
    text = VERIFIED.replace(
        consolidate,
        "    - {trigger: consolidate, source: [reported], dest: consolidated, role: consolidator}\n"
        + consolidate,
    )
    workflow = parse_rules(text).workflow
    assert consolidation_states(workflow) == (("reported", "verified"), ("assigned", "in_progress"))


def test_an_unreachable_final_state_is_one_problem_with_its_fix() -> None:
    evaluate = (
        "    - {trigger: evaluate, source: [consolidated], dest: evaluated, role: evaluator}\n"
    )
    found = with_workflow(evaluate, "")
    assert found == [
        (
            "workflow.states[3]",
            "the final state 'evaluated' cannot be reached from the initial state 'assigned', "
            "so no task can finish; add a transition with dest: evaluated (for example from "
            "'consolidated', which no transition leaves)",
        )
    ]


def test_a_state_nothing_leads_to_or_out_of_is_one_problem_with_its_fix() -> None:
    found = with_workflow("states: [assigned,", "states: [assigned, archived,")
    assert found == [
        (
            "workflow.states[1]",
            "state 'archived' cannot be reached from the initial state 'assigned': no transition "
            "leads to it; add a transition with dest: archived and one out of it (source: "
            "[archived]), or remove 'archived' from states",
        )
    ]


def test_a_dead_end_is_one_problem_with_its_fix() -> None:
    hold = "    - {trigger: hold, source: [assigned], dest: on_hold, role: consolidator}\n"
    changes = (("states: [assigned,", "states: [assigned, on_hold,"), ("", hold))
    found = problems(("roles:\n", _workflow(*changes) + "\nroles:\n"))
    assert found == [
        (
            "workflow.states[1]",
            "no transition leads out of state 'on_hold', so a task there can never reach the "
            "final state 'evaluated'; add a transition with source: [on_hold] to a state from "
            "which 'evaluated' can be reached",
        )
    ]


def test_states_that_lead_only_to_each_other_are_one_problem() -> None:
    loop = (
        "    - {trigger: hold, source: [assigned], dest: on_hold, role: consolidator}\n"
        "    - {trigger: pause, source: [on_hold], dest: paused, role: consolidator}\n"
        "    - {trigger: resume, source: [paused], dest: on_hold, role: consolidator}\n"
    )
    changes = (("states: [assigned,", "states: [assigned, on_hold, paused,"), ("", loop))
    found = problems(("roles:\n", _workflow(*changes) + "\nroles:\n"))
    assert found == [
        (
            "workflow.states[1]",
            "the transitions out of states 'on_hold', 'paused' lead only to each other, so a "
            "task there can never reach the final state 'evaluated'; add a transition with "
            "source: [on_hold] to a state from which 'evaluated' can be reached",
        )
    ]


@pytest.mark.parametrize(
    ("old", "new", "path", "name"),
    [
        ("dest: evaluated", "dest: evalueted", "workflow.transitions[2].dest", "evalueted"),
        ("source: [reported]", "source: [reportd]", "workflow.transitions[1].source[0]", "reportd"),
    ],
)
def test_a_misspelt_state_gets_a_suggestion_and_the_declared_states(
    old: str, new: str, path: str, name: str
) -> None:
    found = with_workflow(old, new)
    meant = name.replace("reportd", "reported").replace("evalueted", "evaluated")
    assert (
        path,
        f"unknown state {name!r}; did you mean {meant!r}?; declared states: assigned, reported, "
        "consolidated, evaluated",
    ) in found


def _workflow(*changes: tuple[str, str]) -> str:
    """WORKFLOW with each change; an empty ``old`` appends ``new`` to the transitions."""
    text = WORKFLOW
    for old, new in changes:
        if old:
            assert old in text, old
            text = text.replace(old, new, 1)
        else:
            text = text.replace("  actions:\n", new + "  actions:\n", 1)
    return text


# -- reminders and once-only duties ----------------------------------------------------------------


def test_a_reminder_to_a_group_says_it_is_a_group() -> None:
    found = problems(("    to: responsible", "    to: ubnd-cap-huyen"))
    assert found == [
        (
            "reminders[0].to",
            "'ubnd-cap-huyen' is a group; name one agency here, or a role: responsible, "
            "coordinating, consolidator, evaluator, overseer, participant",
        )
    ]


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ('"2025"', "expected a whole number, found str '2025'; remove the quotes"),
        (
            "2030",
            "year 2030 is outside the plan's years 2024-2025; choose one of them, or recurrence: "
            "yearly",
        ),
    ],
)
def test_a_wrong_once_year_is_reported_at_once(year: str, message: str) -> None:
    block = f"    recurrence:\n      once: {year}"
    text = BASE.replace("    recurrence: {once: 2025}", block, 1)
    with pytest.raises(RulesError) as info:
        parse_rules(text, "plan.yaml")
    [problem] = info.value.problems
    assert (problem.path, problem.message) == ("duties[0].recurrence.once", message)
    assert text.splitlines()[problem.line - 1] == f"      once: {year}"


# -- any order of states: refused exactly when it is not the order a task can reach them in -----

SKELETON = (
    ("start", "assigned", "in_progress"),
    ("submit", "in_progress", "reported"),
    ("verify", "reported", "verified"),
    ("consolidate", "verified", "consolidated"),
    ("evaluate", "consolidated", "evaluated"),
)
"""A lifecycle every state of which is reachable and can finish, whatever is added to it."""


def _before(wf: Workflow, stop: set[str]) -> set[str]:
    """States a task can be in before it first enters one of ``stop`` (a fixed point)."""
    found = set() if wf.initial in stop else {wf.initial}
    while True:
        more = {t.dest for t in wf.transitions if set(t.source) & found} - stop - found
        if not more:
            return found
        found |= more


@st.composite
def workflows(draw: st.DrawFn) -> Workflow:
    names = [dest for _, _, dest in SKELETON]
    extra = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["jump", "consolidate"]),
                st.sampled_from(["assigned", *names[:-1]]),
                st.sampled_from(names),
            ),
            max_size=4,
        )
    )
    transitions = tuple(
        WorkflowTransition(
            trigger, (source,), "consolidated" if trigger == "consolidate" else dest, "consolidator"
        )
        for trigger, source, dest in (*SKELETON, *extra)
    )
    wf = Workflow(("assigned", *names), "assigned", "evaluated", transitions)
    if draw(st.booleans()):
        return attrs.evolve(wf, states=tuple(draw(st.permutations(wf.states))))
    early = _before(wf, {wf.reported_state})
    ready = {s for t in wf.transitions if t.trigger == "consolidate" for s in t.source}
    unready = _before(wf, ready)
    rank = {s: draw(st.integers(0, 9)) for s in wf.states}
    order = sorted(
        wf.states,
        key=lambda s: (
            s not in early,
            s != wf.reported_state,
            s not in unready,
            s not in ready,
            rank[s],
        ),
    )
    return attrs.evolve(wf, states=tuple(order))


@pytest.mark.slow
@settings(max_examples=400)
@given(workflows())
def test_an_order_of_states_is_refused_exactly_when_it_is_not_the_lifecycle_order(
    wf: Workflow,
) -> None:
    ready, missing = consolidation_states(wf)
    lifecycle = set(open_states(wf)) == _before(wf, {wf.reported_state}) and set(
        missing
    ) == _before(wf, set(ready))
    found = workflow_problems(wf)
    assert all(path.startswith("states[") for path, _ in found), found
    assert lifecycle == (not found), found


@pytest.mark.parametrize(
    ("change", "path", "says"),
    [
        (("name: Đã thẩm định,", "name: ' ',"), "workflow.labels[0].name", "a blank name"),
        (
            ("{trigger: verify, source: [reported],", "{trigger: verify, source: [],"),
            "workflow.transitions[2].source",
            "'verify' has no source state",
        ),
        (
            ("reported_state: reported", "reported_state: assigned"),
            "workflow.reported_state",
            "is also the initial state",
        ),
        (
            ("role: consolidator}\n    - {trigger: evaluate", "role: consolidator, requires: "
             "reason}\n    - {trigger: evaluate"),
            "workflow.transitions[4].requires",
            "'consolidate' is fired by Engine.consolidate",
        ),
    ],
)  # fmt: skip
def test_a_workflow_the_engine_cannot_run_is_refused(
    change: tuple[str, str], path: str, says: str
) -> None:
    found = verified_problems(change)
    assert any(p == path and says in m for p, m in found), found


def test_withdraw_is_reserved_for_amendments() -> None:
    found = verified_problems(
        (
            "    - {trigger: consolidate,",
            "    - {trigger: withdraw, source: [reported], dest: in_progress, role: responsible}\n"
            "    - {trigger: consolidate,",
        )
    )
    assert any("'withdraw' is an event the engine records itself" in m for _, m in found), found
