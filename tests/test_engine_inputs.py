"""Whatever a caller passes, the engine answers with a project error or a correct result.

Wrong types are refused before anything is written; text is stored as NFC; days given as
datetimes are Vietnam's days; queries follow each cycle's own rules.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plan161_workflow import (
    AgencyCeasedError,
    ConsolidationError,
    Engine,
    NotFound,
    PayloadError,
    load_rules,
)
from plan161_workflow.clock import VIETNAM, FakeClock
from plan161_workflow.model.plan import Plan, Reminder
from workflows import REORGANISED_RULES, VERIFIED

GDDT = "2024/II.1/so-gddt"
CONSOLIDATOR = "so-ldtbxh"
REPORT = {"summary": "Báo cáo"}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def event_count(engine: Engine) -> int:
    return int(engine.store.conn.execute("SELECT count(*) FROM events").fetchone()[0])


@pytest.fixture
def opened(engine: Engine) -> Engine:
    engine.open_cycle(2024)
    return engine


BAD_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("trigger None", {"task_id": GDDT, "trigger": None, "actor": "so-gddt"}),
    ("actor None", {"task_id": GDDT, "trigger": "start", "actor": None}),
    ("actor a list", {"task_id": GDDT, "trigger": "start", "actor": ["so-gddt"]}),
    ("trigger a list", {"task_id": GDDT, "trigger": ["start"], "actor": "so-gddt"}),
    ("task id a number", {"task_id": 5, "trigger": "start", "actor": "so-gddt"}),
    ("actor a surrogate", {"task_id": GDDT, "trigger": "start", "actor": "so-\ud800"}),
    ("request id a number", {"task_id": GDDT, "trigger": "start", "actor": "so-gddt",
                             "request_id": 5}),
    ("request id blank", {"task_id": GDDT, "trigger": "start", "actor": "so-gddt",
                          "request_id": " "}),
    ("version a text", {"task_id": GDDT, "trigger": "start", "actor": "so-gddt",
                        "expected_version": "1"}),
    ("version a bool", {"task_id": GDDT, "trigger": "start", "actor": "so-gddt",
                        "expected_version": True}),
    ("summary a surrogate", {"task_id": GDDT, "trigger": "submit", "actor": "so-gddt",
                             "report": {"summary": "x\ud800"}}),
    ("summary zero-width", {"task_id": GDDT, "trigger": "submit", "actor": "so-gddt",
                            "report": {"summary": "\u200b\ufeff"}}),
    ("indicator name blank", {"task_id": GDDT, "trigger": "submit", "actor": "so-gddt",
                              "report": {"summary": "x", "indicators": {" ": 1}}}),
    ("text a surrogate", {"task_id": GDDT, "trigger": "comment", "actor": "so-gddt",
                          "text": "\udfff"}),
]  # fmt: skip


@pytest.mark.parametrize("call", [c for _, c in BAD_CALLS], ids=[n for n, _ in BAD_CALLS])
def test_a_malformed_call_is_a_payload_error_and_breaks_nothing(
    opened: Engine, call: dict[str, Any]
) -> None:
    call = dict(call)  # the parameters are shared by both backends' runs: never change them
    before = (event_count(opened), opened.task(GDDT))
    # What an agency sent (a report, a text) is judged and its refusal recorded; arguments of the
    # wrong type are the caller's bug and are refused before anything is written.
    recorded = "report" in call or "text" in call
    task_id, trigger, actor = call.pop("task_id"), call.pop("trigger"), call.pop("actor")
    with pytest.raises(PayloadError):
        opened.fire(task_id, trigger, actor=actor, **call)
    assert event_count(opened) == before[0] + recorded
    if recorded:
        assert opened.history(GDDT)[-1].outcome == "refused"
    assert opened.task(GDDT) == before[1]
    assert opened.verify().ok


def test_a_refused_payload_names_its_task(opened: Engine) -> None:
    for report in ({"summary": "x", "extra": 1}, {"summary": "x", "indicators": [1]}):
        with pytest.raises(PayloadError, match=GDDT):
            opened.fire(GDDT, "submit", actor="so-gddt", report=report)
    with pytest.raises(PayloadError, match=GDDT):
        opened.fire(GDDT, "start", actor="so-gddt", text="thừa")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"actor": None}, PayloadError),
        ({"actor": CONSOLIDATOR, "waive": None}, PayloadError),
        ({"actor": CONSOLIDATOR, "waive": "so-tc"}, PayloadError),
        ({"actor": CONSOLIDATOR, "waive": [3]}, PayloadError),
        ({"actor": "so-khong-co"}, NotFound),
    ],
)
def test_a_malformed_consolidation_is_refused(
    opened: Engine, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        opened.consolidate(2024, **kwargs)
    assert opened.counts(2024)["consolidated"] == 0
    assert opened.verify().ok


@pytest.mark.parametrize("year", [2024.0, "2024", None, True])
def test_a_year_must_be_a_whole_number(engine: Engine, year: object) -> None:
    with pytest.raises(PayloadError, match="year"):
        engine.open_cycle(year)  # type: ignore[arg-type]
    with pytest.raises(PayloadError, match="year"):
        engine.counts(year)  # type: ignore[arg-type]


def test_text_is_stored_as_nfc(opened: Engine) -> None:
    report = {
        "summary": nfd("Báo cáo kết quả"),
        "indicators": {nfd("số hộ"): 3, "ghi_chu": nfd("đạt")},
        "attachments": [nfd("tệp đính kèm.pdf")],
    }
    done = opened.fire(GDDT, "submit", actor="so-gddt", report=report)
    expected = {
        "summary": "Báo cáo kết quả",
        "indicators": {"số hộ": 3, "ghi_chu": "đạt"},
        "attachments": ["tệp đính kèm.pdf"],
    }
    assert done.report == expected
    assert opened.history(GDDT)[-1].payload["report"] == expected
    opened.fire(GDDT, "comment", actor="so-gddt", text=nfd("Ý kiến"))
    assert opened.history(GDDT)[-1].payload["text"] == "Ý kiến"
    assert opened.verify().ok


# -- days ----------------------------------------------------------------------------------------

ZONES = [dt.UTC, VIETNAM, dt.timezone(dt.timedelta(hours=-10)), dt.timezone(dt.timedelta(hours=14))]


@pytest.mark.slow
@given(
    st.datetimes(min_value=dt.datetime(2024, 11, 20), max_value=dt.datetime(2024, 12, 10)),
    st.sampled_from(ZONES),
)
def test_a_datetime_is_taken_as_vietnams_day(plan: Plan, local: dt.datetime, zone: Any) -> None:
    eng = Engine(plan, clock=FakeClock(dt.date(2024, 1, 10)))
    eng.open_cycle(2024)
    instant = local.replace(tzinfo=zone)
    day = instant.astimezone(VIETNAM).date()
    assert eng.overdue(instant) == eng.overdue(day)
    assert eng.due_soon(instant, 3) == eng.due_soon(day, 3)
    assert eng.notices(instant) == eng.notices(day)
    eng.close()


def test_the_due_day_itself_is_not_overdue_at_any_hour(opened: Engine) -> None:
    assert opened.overdue(dt.datetime(2024, 11, 30, 23, 59, tzinfo=VIETNAM)) == []
    assert len(opened.overdue(dt.datetime(2024, 11, 30, 17, 0, tzinfo=dt.UTC))) == 31


@pytest.mark.parametrize(
    "as_of", ["2024-12-01", None, 20241201, dt.date(1, 1, 1), dt.date(9999, 12, 31)]
)
def test_a_day_must_be_a_date(opened: Engine, as_of: object) -> None:
    for query in (opened.overdue, opened.notices):
        with pytest.raises(PayloadError, match="as_of"):
            query(as_of)  # type: ignore[arg-type]
    with pytest.raises(PayloadError, match="as_of"):
        opened.due_soon(as_of, 3)  # type: ignore[arg-type]


def test_due_soon_needs_a_window_of_at_least_zero_days(opened: Engine) -> None:
    with pytest.raises(PayloadError, match="days"):
        opened.due_soon(dt.date(2024, 11, 1), -3)
    assert len(opened.due_soon(dt.date(2024, 11, 30), 0)) == 31


# -- each cycle's own rules ----------------------------------------------------------------------


def test_queries_follow_the_cycles_own_workflow(plan: Plan, tmp_path: Path) -> None:
    db = tmp_path / "plan.db"
    with Engine(
        attrs.evolve(plan, workflow=VERIFIED), db=db, clock=FakeClock(dt.date(2024, 11, 1))
    ) as eng:
        eng.open_cycle(2024)
        eng.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
        eng.fire(GDDT, "verify", actor=CONSOLIDATOR)
        with pytest.raises(ConsolidationError, match=r"not yet verified \(still assigned"):
            eng.consolidate(2024, actor=CONSOLIDATOR)
    with Engine(
        plan, db=db, clock=FakeClock(dt.date(2024, 11, 1))
    ) as eng:  # the default workflow now
        counts = eng.counts(2024)
        assert counts["verified"] == 1
        assert sum(counts.values()) == len(eng.tasks(year=2024))
        late = {t.id for t in eng.overdue(dt.date(2024, 12, 5))}
        assert GDDT not in late
        assert len(late) == 30


def test_a_reminder_to_participants_goes_to_the_overseers(plan: Plan) -> None:
    reminder = Reminder(days=1, to="participant", source="test")
    eng = Engine(attrs.evolve(plan, reminders=(reminder,)), clock=FakeClock(dt.date(2024, 1, 10)))
    eng.open_cycle(2024)
    notices = eng.notices(dt.date(2024, 12, 1))
    assert notices
    assert {n.to for n in notices} == set(plan.expand(plan.roles.overseers))


def test_a_task_cannot_pass_to_an_agency_that_has_ceased() -> None:
    plan = load_rules(REORGANISED_RULES)
    eng = Engine(plan, clock=FakeClock(dt.date(2025, 1, 10)))
    eng.open_cycle(2025)
    task = eng.tasks(year=2025, agency="so-gddt")[0]
    eng.clock.set(dt.datetime(2025, 4, 1, 9, tzinfo=VIETNAM))  # type: ignore[attr-defined]
    consolidator = eng.holder("consolidator", dt.date(2025, 4, 1), year=2025)
    with pytest.raises(AgencyCeasedError, match="so-khcn") as info:
        eng.fire(task.id, "reassign", actor=consolidator, agency="so-tttt")
    assert info.value.actor == "so-tttt"
    assert eng.task(task.id).agency == "so-gddt"


def test_consolidating_twice_with_nothing_new_is_refused(opened: Engine) -> None:
    def waive_all() -> list[str]:
        return sorted({t.agency for t in opened.consolidation_candidates(2024)[1]})

    opened.clock.set(dt.datetime(2024, 12, 2, 9, tzinfo=VIETNAM))  # type: ignore[attr-defined]
    opened.consolidate(2024, actor=CONSOLIDATOR, waive=waive_all())
    opened.clock.set(dt.datetime(2024, 12, 20, 9, tzinfo=VIETNAM))  # type: ignore[attr-defined]
    late = opened.tasks(year=2024)[0]
    opened.fire(late.id, "submit", actor=late.agency, report=REPORT)
    again = opened.consolidate(2024, actor=CONSOLIDATOR, waive=waive_all())
    assert again.tasks == (late.id,)
    records = len(opened.consolidations(2024))
    for task in opened.tasks(year=2024, state="assigned"):
        opened.fire(task.id, "submit", actor=task.agency, report=REPORT)
    opened.consolidate(2024, actor=CONSOLIDATOR)
    with pytest.raises(PayloadError, match="nothing to consolidate"):
        opened.consolidate(2024, actor=CONSOLIDATOR)
    assert len(opened.consolidations(2024)) == records + 1


def test_a_refused_call_on_a_year_never_opened_keeps_the_history_intact(engine: Engine) -> None:
    for call in (
        lambda: engine.close_cycle(2024, actor="ubnd-tinh"),
        lambda: engine.consolidate(2030, actor=CONSOLIDATOR),
    ):
        with pytest.raises(NotFound):
            call()
    assert [e.outcome for e in engine.history("cycle/2024")] == ["refused"]
    report = engine.verify()
    assert report.ok, report.summary()


def test_a_repeat_in_another_unicode_form_is_the_same_request(opened: Engine) -> None:
    first = opened.fire(
        GDDT, "submit", actor="so-gddt", report={"summary": "Báo cáo"}, request_id="r1"
    )
    again = opened.fire(
        GDDT, "submit", actor="so-gddt", report={"summary": nfd("Báo cáo")}, request_id="r1"
    )
    assert again == first


def test_one_indicator_named_twice_in_two_forms_is_refused(opened: Engine) -> None:
    report = {"summary": "x", "indicators": {"Số hộ": 3, nfd("Số hộ"): 4}}
    with pytest.raises(PayloadError, match="name one indicator twice"):
        opened.fire(GDDT, "submit", actor="so-gddt", report=report)
    assert opened.task(GDDT).state == "assigned"


def test_a_task_id_or_filter_of_the_wrong_type_is_a_payload_error(opened: Engine) -> None:
    with pytest.raises(PayloadError):
        opened.task([1])  # type: ignore[arg-type]
    with pytest.raises(PayloadError):
        opened.tasks(state={})  # type: ignore[arg-type]
    with pytest.raises(PayloadError):
        opened.tasks(year="2024")  # type: ignore[arg-type]


def test_history_and_consolidations_refuse_the_wrong_type(opened: Engine) -> None:
    with pytest.raises(PayloadError):
        opened.history([1])  # type: ignore[arg-type]
    with pytest.raises(PayloadError):
        opened.consolidations([1])  # type: ignore[arg-type]
    with pytest.raises(PayloadError, match="days must be at most"):
        opened.due_soon(dt.date(2024, 1, 1), 10**7)


def test_notices_of_a_reminder_years_of_working_days_long(plan: Plan) -> None:
    """The due dates a reminder falls on are found by one walk back, not by trying every day."""
    far = Reminder(days=-700, to="responsible", source="test", unit="working_days")
    eng = Engine(attrs.evolve(plan, reminders=(far,)), clock=FakeClock(dt.date(2022, 1, 3)))
    eng.open_cycle(2024)
    day = eng.calendar.add_days(dt.date(2024, 11, 30), -700, "working_days")
    assert {n.due for n in eng.notices(day)} == {dt.date(2024, 11, 30)}


def test_times_are_stored_as_vietnams_whatever_the_clocks_zone(plan: Plan) -> None:
    """A report sent at 17:30 UTC on 30/11 arrives at 00:30 on 01/12 in Vietnam: one day late,
    and every stored time reads Vietnam's day."""
    clock = FakeClock(dt.datetime(2024, 1, 10, 1, 0, tzinfo=dt.UTC))
    eng = Engine(plan, clock=clock)
    eng.open_cycle(2024)
    clock.set(dt.datetime(2024, 11, 30, 17, 30, tzinfo=dt.UTC))
    done = eng.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    assert done.reported_at is not None
    assert done.reported_at.isoformat() == "2024-12-01T00:30:00+07:00"
    assert done.days_late == 1
    row = eng.store.conn.execute(
        "SELECT reported_at, (SELECT opened_at FROM cycles WHERE year = 2024) FROM tasks "
        "WHERE id = ?",
        (GDDT,),
    ).fetchone()
    assert row[0].startswith("2024-12-01T00:30")
    assert row[1].startswith("2024-01-10T08:00")
    assert eng.verify().ok


def test_a_ceased_agency_is_told_who_acts_on_that_task_now() -> None:
    plan = load_rules(REORGANISED_RULES)
    eng = Engine(plan, clock=FakeClock(dt.date(2025, 1, 10)))
    eng.open_cycle(2025)
    eng.clock.set(dt.datetime(2025, 4, 1, 9, tzinfo=VIETNAM))  # type: ignore[attr-defined]
    expected = {"2025/II.1/so-ldtbxh": "so-nv", "2025/II.4/so-ldtbxh": "so-yt"}
    for task_id, successor in expected.items():
        with pytest.raises(AgencyCeasedError) as info:
            eng.fire(task_id, "comment", actor="so-ldtbxh", text="ý kiến")
        assert info.value.successors == (successor,)
        assert f"its successor ({successor}) acts on task {task_id!r}" in str(info.value)


def test_every_public_method_refuses_arguments_of_the_wrong_type(
    opened: Engine, plan: Plan
) -> None:
    """Each of these used to end in TypeError, AttributeError or a sqlite3 error."""
    calls = {
        "amend as_of": lambda: opened.amend(plan, as_of="2024-12-01"),  # type: ignore[arg-type]
        "amend plan": lambda: opened.amend(None),  # type: ignore[arg-type]
        "apply_succession": lambda: opened.apply_succession("x"),  # type: ignore[arg-type]
        "candidates": lambda: opened.consolidation_candidates([2024]),  # type: ignore[arg-type]
        "backup": lambda: opened.backup(None),  # type: ignore[arg-type]
        "Engine plan": lambda: Engine(None),  # type: ignore[arg-type]
        "Engine db": lambda: Engine(plan, db=5),  # type: ignore[arg-type]
        "Engine.open": lambda: Engine.open(None),  # type: ignore[arg-type]
        "holder": lambda: opened.holder(["x"], dt.date(2024, 1, 1)),  # type: ignore[arg-type]
    }
    for name, call in calls.items():
        with pytest.raises(PayloadError):
            call()
        assert opened.verify().ok, name


def test_succession_may_be_applied_as_of_a_day() -> None:
    plan = load_rules(REORGANISED_RULES)
    eng = Engine(plan, clock=FakeClock(dt.date(2025, 1, 10)))
    eng.open_cycle(2025)
    moved = eng.apply_succession(dt.date(2025, 3, 1))
    assert {t.original_agency for t in moved} >= {"so-ldtbxh"}
