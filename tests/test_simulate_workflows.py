"""The simulation follows the cycle's workflow, whatever its steps and trigger names: what it
fires is found by structure (``script_of``), and every workflow ends its years the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from plan161_workflow import Engine, load_rules
from plan161_workflow.clock import FakeClock, today
from plan161_workflow.errors import Plan161Error
from plan161_workflow.model.plan import Plan, Role, Workflow, WorkflowAction, WorkflowTransition
from plan161_workflow.model.task import Event
from plan161_workflow.rules.checks.workflow import workflow_checks
from plan161_workflow.simulate import PROGRESS_TEXT, SimulationParams, YearSummary, simulate
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW
from plan161_workflow.workflow.script import HELD, Step, held_roles, script_of
from workflows import REORGANISED_RULES, VERIFIED, VERIFIED_RULES

ROOT = Path(__file__).resolve().parents[1]
HA_TINH = ROOT / "rules" / "ha-tinh-161.yaml"
REORGANISED = REORGANISED_RULES


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


def in_default(*changed: WorkflowTransition) -> Workflow:
    """The default workflow with transitions of the same trigger replaced by ``changed``."""
    new = {t.trigger: t for t in changed}
    return attrs.evolve(
        DEFAULT_WORKFLOW,
        transitions=tuple(new.get(t.trigger, t) for t in DEFAULT_WORKFLOW.transitions),
    )


def with_review(role: Role) -> Workflow:
    """``VERIFIED`` with a second review route, ``endorse`` by ``role``, declared first."""
    endorse = WorkflowTransition("endorse", ("reported",), "verified", role, "text")
    return attrs.evolve(
        VERIFIED, transitions=(*VERIFIED.transitions[:2], endorse, *VERIFIED.transitions[2:])
    )


COORDINATED_REVIEW = with_review("coordinating")
"""Two routes from the reported state: only tasks with coordinating agencies can take the first."""
OVERSEEN_REVIEW = with_review("overseer")
"""Two routes from the reported state: the first only in a plan with overseers."""
SHARED_REVIEW = with_review("participant")
"""Two routes from the reported state: any agency with a role in the plan may take the first."""
SUBMIT_WITHOUT_REPORT = in_default(
    WorkflowTransition("submit", ("assigned", "in_progress"), "reported", "responsible")
)
"""The report arrives, but the engine takes none."""
START_WITH_TEXT = in_default(
    WorkflowTransition("start", ("assigned",), "in_progress", "responsible", "text"),
    WorkflowTransition("submit", ("in_progress",), "reported", "responsible", "report"),
)
"""A compulsory start, with a text."""
DRAFT_THEN_SEND = Workflow(
    states=("assigned", "drafted", "reported", "consolidated", "evaluated"),
    initial="assigned",
    final="evaluated",
    transitions=(
        WorkflowTransition("draft", ("assigned", "drafted"), "drafted", "responsible", "report"),
        WorkflowTransition("send", ("drafted",), "reported", "responsible"),
        WorkflowTransition("send_back", ("reported",), "drafted", "consolidator", "reason"),
        *DEFAULT_WORKFLOW.transitions[-2:],
    ),
    actions=DEFAULT_WORKFLOW.actions,
)
"""The report is drafted (and may be redrafted), then sent without one."""
CONSOLIDATOR_ACCEPTS = Workflow(
    states=("assigned", "accepted", "reported", "consolidated", "evaluated"),
    initial="assigned",
    final="evaluated",
    transitions=(
        WorkflowTransition("accept", ("assigned",), "accepted", "consolidator"),
        WorkflowTransition("submit", ("accepted",), "reported", "responsible", "report"),
        WorkflowTransition("send_back", ("reported",), "accepted", "consolidator", "reason"),
        *DEFAULT_WORKFLOW.transitions[-2:],
    ),
    actions=DEFAULT_WORKFLOW.actions,
)
"""The consolidator accepts each task before its agency can report."""
CONSOLIDATOR_APPROVES = Workflow(
    states=("assigned", "in_progress", "approved", "reported", "consolidated", "evaluated"),
    initial="assigned",
    final="evaluated",
    transitions=(
        DEFAULT_WORKFLOW.transitions[0],
        WorkflowTransition("approve", ("in_progress",), "approved", "consolidator"),
        WorkflowTransition("submit", ("approved",), "reported", "responsible", "report"),
        WorkflowTransition("send_back", ("reported",), "approved", "consolidator", "reason"),
        *DEFAULT_WORKFLOW.transitions[-2:],
    ),
    actions=DEFAULT_WORKFLOW.actions,
)
"""The consolidator approves the work once started, before its agency can report."""
HANDED_OVER = attrs.evolve(
    DEFAULT_WORKFLOW,
    transitions=(
        DEFAULT_WORKFLOW.transitions[0],
        WorkflowTransition("submit", ("assigned",), "reported", "responsible", "report"),
        WorkflowTransition("hand_over", ("in_progress",), "reported", "coordinating", "report"),
        WorkflowTransition("send_back", ("reported",), "in_progress", "consolidator", "reason"),
        WorkflowTransition("return", ("reported",), "assigned", "consolidator", "reason"),
        *DEFAULT_WORKFLOW.transitions[-2:],
    ),
)
"""Once started, only a coordinating agency can hand the report over (not every task has one)."""
START_THEN_FINISH = attrs.evolve(
    DEFAULT_WORKFLOW,
    transitions=(
        DEFAULT_WORKFLOW.transitions[0],
        WorkflowTransition("submit", ("assigned",), "reported", "responsible", "report"),
        WorkflowTransition("finish", ("in_progress",), "reported", "responsible"),
        WorkflowTransition("send_back", ("reported",), "in_progress", "consolidator", "reason"),
        *DEFAULT_WORKFLOW.transitions[-2:],
    ),
)
"""Once started, the task is finished without a report: only an unstarted one is reported with
one."""
REVISED_BY_COORDINATORS = Workflow(
    states=("assigned", "revising", "reported", "consolidated", "evaluated"),
    initial="assigned",
    final="evaluated",
    transitions=(
        WorkflowTransition("submit", ("assigned",), "reported", "responsible", "report"),
        WorkflowTransition("redo", ("assigned",), "revising", "coordinating"),
        WorkflowTransition("resubmit", ("revising",), "reported", "coordinating", "report"),
        WorkflowTransition("send_back", ("reported",), "revising", "consolidator", "reason"),
        *DEFAULT_WORKFLOW.transitions[-2:],
    ),
    actions=DEFAULT_WORKFLOW.actions,
)
"""Sent back, a task is revised by its coordinating agencies only (not every task has one)."""


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
            at = record.at
            done |= set(record.tasks)
            arrived = {i for i, t in tasks.items() if t.reported_at and t.reported_at < at}
            assert arrived <= done, (year.year, sorted(arrived - done))
            assert {m.task_id for m in record.missing}.isdisjoint(arrived)
            assert {m.agency for m in record.missing} <= set(record.waived)
        assert {i for i, t in tasks.items() if t.state == wf.final} == done
        last = records[-1].at
        for task in tasks.values():
            if task.state in under_review:  # only a report that came after the last one
                assert task.reported_at is not None, task.id
                assert task.reported_at > last, task.id
        assert year.evaluated == len(done) > 0
        assert year.refused == 0
    assert eng.verify().ok


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


def test_nothing_is_sent_back_where_not_every_task_can_report_again() -> None:
    script = script_of(REVISED_BY_COORDINATORS)

    assert triggers(script.submit_from("revising")) == ["resubmit"]  # coordinating agencies only
    assert script.send_back is None
    assert script.start == ()


def test_a_workflow_the_simulation_cannot_deliver_a_report_in_is_refused() -> None:
    by_agency = in_default(
        WorkflowTransition(
            "submit", ("assigned", "in_progress"), "reported", "responsible", "agency"
        )
    )
    with pytest.raises(Plan161Error) as info:
        script_of(by_agency)
    assert "cannot deliver a report" in str(info.value)
    assert "'assigned' to 'reported'" in str(info.value)


def test_a_review_every_task_can_take_is_preferred_to_one_declared_before_it() -> None:
    verify = (Step("verify", "consolidator", None, "reported"),)
    endorse = (Step("endorse", "overseer", "text", "reported"),)

    assert script_of(COORDINATED_REVIEW).review == verify
    assert script_of(OVERSEEN_REVIEW, HELD - {"overseer"}).review == verify
    assert script_of(OVERSEEN_REVIEW).review == endorse  # with overseers: the first declared
    # With no other route, the coordinating agencies' (tasks without any cannot take it).
    only = attrs.evolve(
        COORDINATED_REVIEW,
        transitions=tuple(t for t in COORDINATED_REVIEW.transitions if t.trigger != "verify"),
    )
    assert triggers(script_of(only).review) == ["endorse"]


def test_held_roles_name_overseers_only_when_the_plan_has_some(plan: Plan) -> None:
    assert held_roles(plan) == HELD
    assert held_roles(load_rules(VERIFIED_RULES)) == HELD - {"overseer"}
    assert "coordinating" not in HELD


def test_the_path_to_the_report_takes_any_steps_each_with_what_it_requires() -> None:
    submit = script_of(SUBMIT_WITHOUT_REPORT)
    assert submit.submit_from("assigned") == (Step("submit", "responsible", None, "assigned"),)

    drafted = script_of(DRAFT_THEN_SEND)
    assert drafted.start == ()  # no start without the report
    assert drafted.submit_from("assigned") == (
        Step("draft", "responsible", "report", "assigned"),
        Step("send", "responsible", None, "drafted"),
    )
    # Sent back, the report is drafted again before it is sent: a path with a report is preferred.
    assert triggers(drafted.submit_from("drafted")) == ["draft", "send"]

    text = script_of(START_WITH_TEXT)
    assert text.start == (Step("start", "responsible", "text", "assigned"),)
    assert triggers(text.submit_from("assigned")) == ["start", "submit"]

    accepted = script_of(CONSOLIDATOR_ACCEPTS)
    assert accepted.start == (Step("accept", "consolidator", None, "assigned"),)
    assert accepted.submit_from("assigned") == (
        Step("accept", "consolidator", None, "assigned"),
        Step("submit", "responsible", "report", "accepted"),
    )
    assert triggers(accepted.submit_from("accepted")) == ["submit"]

    handed = script_of(HANDED_OVER)
    assert handed.start == ()  # a task started could then only be reported by a coordinator
    assert triggers(handed.submit_from("in_progress")) == ["hand_over"]
    assert handed.send_back == Step("return", "consolidator", "reason", "reported")

    finished = script_of(START_THEN_FINISH)
    assert finished.start == ()  # a task started could then only be reported without a report
    assert triggers(finished.submit_from("assigned")) == ["submit"]
    assert triggers(finished.submit_from("in_progress")) == ["finish"]

    approved = script_of(CONSOLIDATOR_APPROVES)
    assert triggers(approved.start) == ["start", "approve"]
    assert [s.role for s in approved.submit_from("assigned")] == [
        "responsible",
        "consolidator",
        "responsible",
    ]


# -- whole simulations ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "workflow", [None, VERIFIED, VIETNAMESE], ids=["default", "verified", "vi"]
)
def test_every_workflow_ends_its_years_evaluated(plan: Plan, workflow: Workflow | None) -> None:
    declared = attrs.evolve(plan, workflow=workflow) if workflow else plan
    assert_well_run(*run(declared, SimulationParams(seed=5, send_back_share=0.3)))


def test_the_rules_file_with_a_verified_step_simulates() -> None:
    eng, years = run(load_rules(VERIFIED_RULES))

    assert_well_run(eng, years)
    fired = {e.trigger for t in eng.tasks() for e in eng.history(t.id)}
    assert {"verify", "consolidate", "evaluate"} <= fired


def acting(eng: Engine, role: str, task_id: str, day: dt.date, year: int) -> str:
    """Who plays ``role`` on the task that day: the consolidator's own tasks go to the agency it
    reports to (a consolidator is not its own subordinate)."""
    held = eng.holder(role, day, year=year)
    own = task_id.rsplit("/", 1)[1] == held or eng.task(task_id).agency == held
    return eng.holder("reports_to", day, year=year) if own else held


def each_event(eng: Engine, year: int) -> Iterator[tuple[str, str, dt.date, str]]:
    for task in eng.tasks(year=year):
        for e in eng.history(task.id):
            yield e.trigger, e.actor, today(e.at), task.id


def test_each_step_is_fired_by_the_holder_of_its_role() -> None:
    """With the 2025 reorganisation, Sở Nội vụ verifies in place of the Department of Labour."""
    eng, years = run(attrs.evolve(load_rules(REORGANISED), workflow=VERIFIED))

    assert_well_run(eng, years)
    for year in years:
        events = list(each_event(eng, year.year))
        verified = [(actor, day, i) for trigger, actor, day, i in events if trigger == "verify"]
        evaluated = [(actor, day, i) for trigger, actor, day, i in events if trigger == "evaluate"]
        assert verified
        assert evaluated
        for actor, day, i in verified:
            assert actor == acting(eng, "consolidator", i, day, year.year)
        for actor, day, i in evaluated:
            assert actor == acting(eng, "evaluator", i, day, year.year)
    verifiers = {a for t, a, _, _ in each_event(eng, 2025) if t == "verify"}
    assert verifiers == {"so-nv", "ubnd-tinh"}  # the PPC verifies Sở Nội vụ's own reports


def test_vietnamese_triggers_are_fired_and_no_default_name(plan: Plan) -> None:
    eng, years = run(attrs.evolve(plan, workflow=VIETNAMESE), SimulationParams(seed=8))

    assert_well_run(eng, years)
    fired = {t for year in years for t, _, _, _ in each_event(eng, year.year)}
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


def test_without_a_send_back_transition_nothing_is_sent_back(plan: Plan) -> None:
    params = SimulationParams(seed=5, send_back_share=1.0)
    eng, years = run(attrs.evolve(plan, workflow=NO_SEND_BACK), params)

    assert_well_run(eng, years)
    assert [y.sent_back for y in years] == [0, 0, 0]
    assert all(y.late + y.on_time > 0 for y in years)


NEW_WORKFLOWS = {
    "coordinated-review": COORDINATED_REVIEW,
    "overseen-review": OVERSEEN_REVIEW,
    "shared-review": SHARED_REVIEW,
    "submit-without-report": SUBMIT_WITHOUT_REPORT,
    "start-with-text": START_WITH_TEXT,
    "draft-then-send": DRAFT_THEN_SEND,
    "consolidator-accepts": CONSOLIDATOR_ACCEPTS,
    "consolidator-approves": CONSOLIDATOR_APPROVES,
    "handed-over": HANDED_OVER,
    "start-then-finish": START_THEN_FINISH,
    "revised-by-coordinators": REVISED_BY_COORDINATORS,
}


@pytest.mark.slow
@pytest.mark.parametrize("rules", [HA_TINH, VERIFIED_RULES], ids=["overseers", "no-overseers"])
@pytest.mark.parametrize("name", list(NEW_WORKFLOWS))
def test_each_way_to_the_report_and_through_review_is_well_run(rules: Path, name: str) -> None:
    """With or without overseers, with tasks with and without coordinating agencies."""
    plan = attrs.evolve(load_rules(rules), workflow=NEW_WORKFLOWS[name])
    assert any(u.coordinating for u in plan.units())
    assert any(not u.coordinating for u in plan.units())
    assert_well_run(*run(plan, SimulationParams(seed=5, send_back_share=0.3)))


def applied(eng: Engine, years: list[YearSummary], trigger: str) -> list[tuple[str, Event]]:
    return [
        (t.id, e)
        for year in years
        for t in eng.tasks(year=year.year)
        for e in eng.history(t.id)
        if e.trigger == trigger and e.outcome == "applied"
    ]


def test_only_the_route_every_task_can_take_is_fired(plan: Plan) -> None:
    eng, years = run(attrs.evolve(plan, workflow=COORDINATED_REVIEW))

    assert_well_run(eng, years)
    assert applied(eng, years, "verify")
    fired = {e.trigger for t in eng.tasks() for e in eng.history(t.id)}
    assert "endorse" not in fired


def test_without_overseers_the_consolidator_verifies() -> None:
    eng, years = run(attrs.evolve(load_rules(VERIFIED_RULES), workflow=OVERSEEN_REVIEW))

    assert_well_run(eng, years)
    for task_id, e in applied(eng, years, "verify"):
        assert e.actor == acting(eng, "consolidator", task_id, today(e.at), e.at.year)
    assert "so-ldtbxh" in {e.actor for _, e in applied(eng, years, "verify")}


def test_with_overseers_an_overseer_endorses(plan: Plan) -> None:
    eng, years = run(attrs.evolve(plan, workflow=OVERSEEN_REVIEW))

    assert_well_run(eng, years)
    endorsed = applied(eng, years, "endorse")
    assert endorsed
    assert {e.actor for _, e in endorsed} == {"ubmttq-tinh"}
    assert not applied(eng, years, "verify")


def test_a_submit_that_takes_no_report_is_fired_without_one(plan: Plan) -> None:
    eng, years = run(attrs.evolve(plan, workflow=SUBMIT_WITHOUT_REPORT))

    assert_well_run(eng, years)
    submitted = applied(eng, years, "submit")
    assert submitted
    assert all("report" not in e.payload for _, e in submitted)
    assert all(eng.task(task_id).report is None for task_id, _ in submitted)


def test_no_task_is_started_where_it_could_only_be_finished_without_a_report(
    plan: Plan,
) -> None:
    eng, years = run(
        attrs.evolve(plan, workflow=START_THEN_FINISH),
        SimulationParams(seed=5, send_back_share=0.3),
    )

    assert_well_run(eng, years)
    assert not applied(eng, years, "start")
    received = [t for t in eng.tasks() if t.reported_at is not None]
    assert received
    assert all(t.report is not None for t in received)
    assert all("report" in e.payload for _, e in applied(eng, years, "submit"))


def test_nothing_is_sent_back_to_a_state_only_coordinating_agencies_leave(plan: Plan) -> None:
    eng, years = run(
        attrs.evolve(plan, workflow=REVISED_BY_COORDINATORS),
        SimulationParams(seed=5, send_back_share=1.0),
    )

    assert_well_run(eng, years)  # nothing refused, every consolidated task evaluated
    assert [y.sent_back for y in years] == [0] * len(years)
    assert not applied(eng, years, "send_back")
    assert all(t.state != "revising" for t in eng.tasks())


def test_a_drafted_report_is_sent_and_redrafted_when_sent_back(plan: Plan) -> None:
    eng, years = run(
        attrs.evolve(plan, workflow=DRAFT_THEN_SEND),
        SimulationParams(seed=5, send_back_share=0.5),
    )

    assert_well_run(eng, years)
    drafts, sends = applied(eng, years, "draft"), applied(eng, years, "send")
    assert drafts
    assert sends
    assert all(e.payload["report"]["summary"] for _, e in drafts)
    assert all("report" not in e.payload for _, e in sends)
    assert sum(y.sent_back for y in years) > 0
    # One draft for each sending: after a send_back too.
    assert sorted(i for i, _ in drafts) == sorted(i for i, _ in sends)
    assert len(sends) > len({i for i, _ in sends})


def test_a_start_that_requires_a_text_is_fired_with_one(plan: Plan) -> None:
    eng, years = run(attrs.evolve(plan, workflow=START_WITH_TEXT))

    assert_well_run(eng, years)
    started = applied(eng, years, "start")
    assert started
    assert {e.payload["text"] for _, e in started} == {PROGRESS_TEXT}
    assert {i for i, _ in applied(eng, years, "submit")} <= {i for i, _ in started}


def test_the_consolidator_accepts_every_task_early_in_the_year(plan: Plan) -> None:
    eng, years = run(attrs.evolve(plan, workflow=CONSOLIDATOR_ACCEPTS))

    assert_well_run(eng, years)
    accepted = applied(eng, years, "accept")
    assert {i for i, _ in accepted} == {t.id for t in eng.tasks()}
    for task_id, e in accepted:
        assert e.actor == acting(eng, "consolidator", task_id, today(e.at), e.at.year)
        assert today(e.at) <= dt.date(e.at.year, 6, 30), task_id
    assert all(t.state != "assigned" for t in eng.tasks())


def test_a_step_of_the_consolidator_on_the_way_is_fired_by_the_consolidator(plan: Plan) -> None:
    """A task not started beforehand is started, approved and submitted when its report comes."""
    eng, years = run(attrs.evolve(plan, workflow=CONSOLIDATOR_APPROVES))

    assert_well_run(eng, years)
    approved = applied(eng, years, "approve")
    for task_id, e in approved:
        assert e.actor == acting(eng, "consolidator", task_id, today(e.at), e.at.year)
    submitted = {(i, e.at) for i, e in applied(eng, years, "submit")}
    assert {(i, e.at) for i, e in approved} & submitted  # on the way, as the report comes
    assert {(i, e.at) for i, e in approved} - submitted  # in advance, once work started


@pytest.mark.slow
def test_the_same_seed_gives_the_same_history_under_a_declared_workflow(plan: Plan) -> None:
    declared = attrs.evolve(plan, workflow=VIETNAMESE)
    histories = []
    for _ in range(2):
        eng, _years = run(declared, SimulationParams(seed=13))
        histories.append(eng.changes(after=0, limit=100_000))
    assert histories[0] == histories[1]
    assert len(histories[0]) > 300
