"""Every file in invalid/ fails with the message and line its header names; every file in
valid/ loads; several mistakes in one file are reported together."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from rules_support import INVALID, MINIMAL, VALID, expectation

from plan161_workflow import Plan, RulesError, load_rules, parse_rules


def test_there_are_enough_invalid_fixtures() -> None:
    assert len(INVALID) >= 24


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_file_fails_with_its_message_and_line(path: Path) -> None:
    line, expected = expectation(path)
    with pytest.raises(RulesError) as info:
        load_rules(path)
    problems = info.value.problems
    assert problems, "a RulesError lists at least one problem"
    matching = [p for p in problems if expected in p.message]
    assert matching, f"no problem says {expected!r}: {[p.message for p in problems]}"
    assert line in [p.line for p in matching], [str(p) for p in matching]
    assert all(p.file == str(path) for p in problems)
    assert all(p.column >= 1 for p in problems)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_file_loads(path: Path) -> None:
    assert isinstance(load_rules(path), Plan)


def test_nfd_reference_resolves_and_is_stored_nfc() -> None:
    plan = load_rules(MINIMAL.parent / "nfd-reference.yaml")
    assert plan.areas[0].deadline == plan.deadlines[0].id == "báo-cáo-hằng-năm"
    assert unicodedata.is_normalized("NFC", plan.agency("so-yt").name)
    assert plan.rating_scale[0].code == unicodedata.normalize("NFC", "đạt")


def test_verified_workflow_loads() -> None:
    plan = load_rules(MINIMAL.parent / "verified-workflow.yaml")
    wf = plan.workflow
    assert wf.states.index("reported") < wf.states.index("verified")
    assert wf.states.index("verified") < wf.states.index("consolidated")
    verify = next(t for t in wf.transitions if t.trigger == "verify")
    assert (verify.source, verify.dest, verify.role) == (("reported",), "verified", "consolidator")


MISTAKES = {
    "  first_year: 2024": "  first_year: hai nghìn",  # a type (structuring)
    "    name_en: Department of Health\n": "",  # a missing key (structuring)
    "  title_en: A test plan": "  title_en: !!binary aGk=",  # a tag (reading)
    '    day: "01/12"': '    day: "31/02"',  # a day (checks)
    "    lead: [so-yt]": "    lead: [so-ytt]",  # a reference (checks)
    "    to: responsible": "    to: resposible",  # a reminder target (checks)
    "  country: VN": "  country: XV",  # the calendar (checks)
}


def test_several_mistakes_are_reported_together() -> None:
    text = MINIMAL.read_text(encoding="utf-8")
    for old, new in MISTAKES.items():
        assert old in text
        text = text.replace(old, new, 1)
    with pytest.raises(RulesError) as info:
        parse_rules(text, "several.yaml")
    paths = [p.path for p in info.value.problems]
    assert paths == [
        "plan.title_en",
        "plan.first_year",
        "calendar.country",
        "agencies[2].name_en",
        "deadlines[0].day",
        "areas[1].lead[0]",
        "reminders[0].to",
    ]
    assert str(info.value).startswith("7 problems in rules:\nseveral.yaml:4:13: plan.title_en: ")


def test_problems_are_in_file_order() -> None:
    text = MINIMAL.read_text(encoding="utf-8")
    text = text.replace("    to: responsible", "    to: nobody").replace(
        "  source: preamble\n", "", 1
    )
    with pytest.raises(RulesError) as info:
        parse_rules(text)
    lines = [p.line for p in info.value.problems]
    assert lines == sorted(lines)
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.yaml", "no such file; check the path"),
        ("", "is a directory, not a file; give the path of a rules file (.yaml)"),
    ],
    ids=["missing", "directory"],
)
def test_an_unreadable_file_is_a_rules_error_without_a_line(
    tmp_path: Path, name: str, message: str
) -> None:
    path = tmp_path / name
    with pytest.raises(RulesError) as info:
        load_rules(path)
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.column, problem.message) == (
        str(path),
        0,
        0,
        message,
    )
    assert str(problem) == f"{path}: {message}"
    assert str(info.value) == f"1 problem in rules:\n{path}: {message}"


def test_a_missing_base_is_reported_at_the_amends_line(tmp_path: Path) -> None:
    amendment = tmp_path / "amendment.yaml"
    amendment.write_text("# the 2025 changes\namends: base.yaml\n", encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(amendment)
    [problem] = info.value.problems
    assert str(problem) == (
        f"{amendment}:2:9: amends: the base {tmp_path / 'base.yaml'}: no such file; check the path"
    )
