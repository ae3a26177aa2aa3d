"""The simulation follows the cycle's workflow, whatever its steps and trigger names: what it
fires is found by structure (``script_of``), and every workflow ends its years the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from tests.test_engine import VERIFIED

from plan161_workflow import Engine, load_rules
from plan161_workflow.clock import FakeClock, today
from plan161_workflow.errors import Plan161Error
from plan161_workflow.model.plan import Plan, Workflow, WorkflowAction, WorkflowTransition
from plan161_workflow.rules.checks.workflow import workflow_checks
from plan161_workflow.simulate import SimulationParams, YearSummary, simulate
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW
from plan161_workflow.workflow.script import Step, script_of

ROOT = Path(__file__).resolve().parents[1]
HA_TINH = ROOT / "rules" / "ha-tinh-161.yaml"
REORGANISED = ROOT / "rules" / "ha-tinh-161-sap-xep-2025.yaml"
VERIFIED_RULES = ROOT / "tests" / "rules" / "valid" / "verified-workflow.yaml"


VIETNAMESE = Workflow(
    states=(
        "giao",
        "dang_thuc_hien",
        "da_bao_cao",
        "da_kiem_tra",
        "da_tong_hop",
        "da_de_xuat",
        "da_danh_gia",
    ),
    initial="giao",
    final="da_danh_gia",
    reported_state="da_bao_cao",
    consolidated_state="da_tong_hop",
    transitions=(
        WorkflowTransition("bat_dau", ("giao",), "dang_thuc_hien", "responsible"),
        # a report only once started: the simulation starts a task first when it must
        WorkflowTransition(
            "nop_bao_cao", ("dang_thuc_hien",), "da_bao_cao", "responsible", "report"
        ),
        WorkflowTransition("kiem_tra", ("da_bao_cao",), "da_kiem_tra", "consolidator", "text"),
        WorkflowTransition(
            "tra_lai", ("da_bao_cao", "da_kiem_tra"), "dang_thuc_hien", "consolidator", "reason"
        ),
        WorkflowTransition("consolidate", ("da_kiem_tra",), "da_tong_hop", "consolidator"),
        WorkflowTransition("de_xuat", ("da_tong_hop",), "da_de_xuat", "consolidator", "text"),
        WorkflowTransition("danh_gia", ("da_de_xuat",), "da_danh_gia", "evaluator", "rating"),
    ),
    actions=(
        WorkflowAction("gop_y", "coordinating", "text"),
        WorkflowAction("y_kien", "overseer", "text"),
        WorkflowAction("reassign", "consolidator", "agency"),
    ),
)
"""Vietnamese trigger and state names, a compulsory start, a review and a two-step evaluation."""

NO_SEND_BACK = attrs.evolve(
    DEFAULT_WORKFLOW,
    transitions=tuple(t for t in DEFAULT_WORKFLOW.transitions if t.trigger != "send_back"),
)
"""The default workflow without a way back for revision."""


def run(plan: Plan, params: SimulationParams | None = None) -> tuple[Engine, list[YearSummary]]:
    assert list(workflow_checks(plan.workflow)) == []
    clock = FakeClock(dt.date(plan.info.years[0], 1, 2))
    eng = Engine(plan, clock=clock)
    return eng, simulate(eng, clock, plan.info.years, params)


def assert_well_run(eng: Engine, years: list[YearSummary]) -> None:
    """Every consolidated task is evaluated; a report that arrived before a consolidation is in
    it (or in an earlier one), so only later arrivals are waived or wait; nothing was refused;
    the history is intact."""
    wf = eng.plan.workflow
    under_review = {wf.reported_state} | {s.source for s in script_of(wf).review}
    for year in years:
        tasks = {t.id: t for t in eng.tasks(year=year.year)}
        records = eng.consolidations(year.year)
        assert records, year
        done: set[str] = set()
        for record in records:
            at = dt.datetime.fromisoformat(record["at"])
            done |= set(record["tasks"])
            arrived = {i for i, t in tasks.items() if t.reported_at and t.reported_at < at}
            assert arrived <= done, (year.year, sorted(arrived - done))
            assert {m["task"] for m in record["missing"]}.isdisjoint(arrived)
            assert {m["agency"] for m in record["missing"]} <= set(record["waived"])
        assert {i for i, t in tasks.items() if t.state == wf.final} == done
        last = dt.datetime.fromisoformat(records[-1]["at"])
        for task in tasks.values():
            if task.state in under_review:  # only a report that came after the last one
                assert task.reported_at is not None, task.id
                assert task.reported_at > last, task.id
        assert year.evaluated == len(done) > 0
        assert year.refused == 0
    assert eng.verify().ok


@pytest.fixture(scope="module")
def ha_tinh() -> Plan:
    return load_rules(HA_TINH)


# -- script_of ----------------------------------------------------------------------------------


def triggers(path: tuple[Step, ...]) -> list[str]:
    return [s.trigger for s in path]


def test_the_script_of_the_default_workflow() -> None:
    script = script_of(DEFAULT_WORKFLOW)

    assert triggers(script.start) == ["start"]
    assert triggers(script.submit_from("assigned")) == ["submit"]
    assert triggers(script.submit_from("in_progress")) == ["submit"]
    assert script.submit_from("reported") == ()
    assert script.send_back == Step("send_back", "consolidator", "reason", "reported")
    assert script.review == ()
    assert script.evaluation == (Step("evaluate", "evaluator", "rating", "consolidated"),)
    assert script.contribute == Step("contribute", "coordinating", "text")
    assert script.comment == Step("comment", "participant", "text")


def test_the_script_of_a_workflow_with_a_verified_step() -> None:
    script = script_of(VERIFIED)

    assert script.review == (Step("verify", "consolidator", None, "reported"),)
    assert script == attrs.evolve(script_of(DEFAULT_WORKFLOW), review=script.review)
    assert script_of(load_rules(VERIFIED_RULES).workflow) == script


def test_the_script_is_found_by_structure_not_by_name() -> None:
    script = script_of(VIETNAMESE)

    assert triggers(script.start) == ["bat_dau"]
    assert triggers(script.submit_from("giao")) == ["bat_dau", "nop_bao_cao"]
    assert triggers(script.submit_from("dang_thuc_hien")) == ["nop_bao_cao"]
    assert script.send_back == Step("tra_lai", "consolidator", "reason", "da_bao_cao")
    assert script.review == (Step("kiem_tra", "consolidator", "text", "da_bao_cao"),)
    assert triggers(script.evaluation) == ["de_xuat", "danh_gia"]
    assert [s.role for s in script.evaluation] == ["consolidator", "evaluator"]
    assert (script.contribute, script.comment) == (
        Step("gop_y", "coordinating", "text"),
        Step("y_kien", "overseer", "text"),
    )


def test_without_a_send_back_transition_the_script_has_none() -> None:
    assert script_of(NO_SEND_BACK).send_back is None


def test_a_workflow_the_simulation_cannot_deliver_a_report_in_is_refused() -> None:
    no_report = attrs.evolve(
        DEFAULT_WORKFLOW,
        transitions=tuple(
            attrs.evolve(t, requires=None) if t.trigger == "submit" else t
            for t in DEFAULT_WORKFLOW.transitions
        ),
    )
    with pytest.raises(Plan161Error) as info:
        script_of(no_report)
    assert "cannot deliver a report" in str(info.value)
    assert "'assigned' to 'reported'" in str(info.value)


# -- whole simulations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "workflow", [None, VERIFIED, VIETNAMESE], ids=["default", "verified", "vi"]
)
def test_every_workflow_ends_its_years_evaluated(ha_tinh: Plan, workflow: Workflow | None) -> None:
    plan = attrs.evolve(ha_tinh, workflow=workflow) if workflow else ha_tinh
    assert_well_run(*run(plan, SimulationParams(seed=5, send_back_share=0.3)))


def test_the_rules_file_with_a_verified_step_simulates() -> None:
    eng, years = run(load_rules(VERIFIED_RULES))

    assert_well_run(eng, years)
    fired = {e.trigger for t in eng.tasks() for e in eng.history(t.id)}
    assert {"verify", "consolidate", "evaluate"} <= fired


def each_event(eng: Engine, year: int) -> Iterator[tuple[str, str, dt.date]]:
    for task in eng.tasks(year=year):
        for e in eng.history(task.id):
            yield e.trigger, e.actor, today(e.at)


def test_each_step_is_fired_by_the_holder_of_its_role() -> None:
    """With the 2025 reorganisation, Sở Nội vụ verifies in place of the Department of Labour."""
    eng, years = run(attrs.evolve(load_rules(REORGANISED), workflow=VERIFIED))

    assert_well_run(eng, years)
    for year in years:
        events = list(each_event(eng, year.year))
        verified = [(actor, day) for trigger, actor, day in events if trigger == "verify"]
        evaluated = [(actor, day) for trigger, actor, day in events if trigger == "evaluate"]
        assert verified
        assert evaluated
        for actor, day in verified:
            assert actor == eng.holder("consolidator", day, year=year.year)
        for actor, day in evaluated:
            assert actor == eng.holder("evaluator", day, year=year.year)
    assert {a for t, a, _ in each_event(eng, 2025) if t == "verify"} == {"so-nv"}


def test_vietnamese_triggers_are_fired_and_no_default_name(ha_tinh: Plan) -> None:
    eng, years = run(attrs.evolve(ha_tinh, workflow=VIETNAMESE), SimulationParams(seed=8))

    assert_well_run(eng, years)
    fired = {t for year in years for t, _, _ in each_event(eng, year.year)}
    engine_own = {"create", "reassign", "consolidate"}
    assert fired - engine_own == {
        "bat_dau",
        "nop_bao_cao",
        "kiem_tra",
        "tra_lai",
        "de_xuat",
        "danh_gia",
        "gop_y",
        "y_kien",
    }
    assert sum(y.sent_back for y in years) > 0


def test_without_a_send_back_transition_nothing_is_sent_back(ha_tinh: Plan) -> None:
    params = SimulationParams(seed=5, send_back_share=1.0)
    eng, years = run(attrs.evolve(ha_tinh, workflow=NO_SEND_BACK), params)

    assert_well_run(eng, years)
    assert [y.sent_back for y in years] == [0, 0, 0]
    assert all(y.late + y.on_time > 0 for y in years)


def test_the_same_seed_gives_the_same_history_under_a_declared_workflow(ha_tinh: Plan) -> None:
    plan = attrs.evolve(ha_tinh, workflow=VIETNAMESE)
    histories = []
    for _ in range(2):
        eng, _years = run(plan, SimulationParams(seed=13))
        histories.append(eng.changes(after=0, limit=100_000))
    assert histories[0] == histories[1]
    assert len(histories[0]) > 300
