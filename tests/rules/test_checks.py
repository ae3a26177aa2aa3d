"""Semantic checks, one mistake at a time on the minimal plan: the path and message of each, and
no noise: a wrong value does not also make every reference to its element look wrong."""

from __future__ import annotations

import pytest
from rules_support import MINIMAL

from plan161_workflow import RulesError, parse_rules
from plan161_workflow.rules.checks.workflow import RESERVED

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


def problems(*changes: tuple[str, str]) -> list[tuple[str, str]]:
    text = BASE
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
            "workflow.states",
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
