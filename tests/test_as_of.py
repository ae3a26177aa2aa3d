"""Views as of a past day: the record as it stood at the end of that day in Vietnam.

Every view is checked against an oracle written here, independently of the library: each task's
history (``Engine.history``) replayed up to the end of the day, one applied event after another.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from plan161_workflow import Engine, Plan, load_rules
from plan161_workflow.calendar import reminder_date
from plan161_workflow.cli import main
from plan161_workflow.clock import VIETNAM, FakeClock, today
from plan161_workflow.model.plan import Reminder, Workflow
from plan161_workflow.model.task import Event, Task, cycle_id
from plan161_workflow.reporting import metrics
from plan161_workflow.reporting.status import status_data, status_text
from plan161_workflow.simulate import SimulationParams, simulate
from plan161_workflow.workflow.decide import Rulebook

D = dt.date
REORGANISED = Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161-sap-xep-2025.yaml"
FIELDS = ("state", "version", "agency", "due", "report", "reported_at", "days_late", "rating")
SO_YT = ("2024/II.1/so-yt", "2024/II.4/so-yt")
HONG_LINH = "2024/II.1/ubnd-tx-hong-linh"
REPORT = {"summary": "Đêm"}

View = dict[str, dict[str, Any]]
"""Task id -> the task's fields as recorded (``FIELDS``, plus ``year``)."""


# -- the oracle ----------------------------------------------------------------------------------


def replay_until(history: Sequence[Event], day: dt.date) -> dict[str, Any] | None:
    """The task after its applied events up to the end of ``day`` in Vietnam, or ``None`` if it
    did not exist then: its state, its version (one per applied change since it was created) and
    what the payloads set."""
    task: dict[str, Any] | None = None
    for event in history:
        if event.outcome != "applied" or today(event.at) > day:
            continue
        if event.trigger == "create":
            task = dict.fromkeys(FIELDS) | {"version": 0}
        elif event.trigger == "withdraw":
            task = None
        if task is None:
            continue
        task["version"] += 1
        task["state"] = event.to_state
        task |= {k: v for k, v in event.payload.items() if k in FIELDS}
    return task


def recorded(task: Task) -> dict[str, Any]:
    """A task's ``FIELDS`` as the payloads carry them (dates as ISO text)."""
    return {
        "state": task.state,
        "version": task.version,
        "agency": task.agency,
        "due": task.due and task.due.isoformat(),
        "report": task.report,
        "reported_at": task.reported_at and task.reported_at.isoformat(),
        "days_late": task.days_late,
        "rating": task.rating,
    }


def replayed_view(histories: Mapping[str, list[Event]], day: dt.date) -> View:
    out: View = {}
    for task_id, history in histories.items():
        task = replay_until(history, day)
        if task is not None:
            out[task_id] = task | {"year": int(task_id.split("/")[0])}
    return out


def holder(history: Sequence[Event], task: Mapping[str, Any], day: dt.date) -> str:
    """The agency that held a task (as recorded on ``day``) on its due date, or on ``day`` if
    that is earlier; the agency it was created for if it did not exist on its due date."""
    if task["due"] is None:
        return str(task["agency"])
    then = replay_until(history, min(D.fromisoformat(task["due"]), day))
    return str(then["agency"] if then else history[0].payload["agency"])


def current_view(engine: Engine) -> View:
    return {t.id: recorded(t) | {"year": t.year} for t in engine.tasks()}


def open_states(workflow: Workflow) -> tuple[str, ...]:
    return workflow.states[: workflow.states.index(workflow.reported_state)]


def book_on(engine: Engine, year: int, day: dt.date) -> Rulebook:
    """The rules the cycle of ``year`` followed at the end of ``day``: those its last
    ``open_cycle`` or ``amend_cycle`` event by then names."""
    named = [
        e.payload["rules"]
        for e in engine.history(cycle_id(year))
        if e.trigger in ("open_cycle", "amend_cycle") and today(e.at) <= day
    ]
    return engine.book_for(named[-1])


def overdue_in(view: View, engine: Engine, day: dt.date) -> set[str]:
    return {
        task_id
        for task_id, t in view.items()
        if t["due"] is not None
        and t["due"] < day.isoformat()
        and t["state"] in open_states(book_on(engine, t["year"], day).plan.workflow)
    }


def notices_in(view: View, engine: Engine, day: dt.date) -> set[tuple[str, int, str]]:
    """(task, reminder days, agency) of every reminder due on ``day`` for a task open in
    ``view`` under the rules its cycle followed then."""
    out = set()
    for task_id, t in view.items():
        book = book_on(engine, t["year"], day)
        if t["due"] is None or t["state"] not in open_states(book.plan.workflow):
            continue
        for reminder in book.plan.reminders:
            if reminder_date(D.fromisoformat(t["due"]), reminder, book.calendar) == day:
                out.add((task_id, reminder.days, t["agency"]))
    return out


# -- a simulated database ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database of ``plan161 simulate rules/ha-tinh-161-sap-xep-2025.yaml --years 2023-2025
    --seed 161`` (the same events, through the Python API)."""
    db = tmp_path_factory.mktemp("as-of") / "ha-tinh.db"
    clock = FakeClock(D(2023, 1, 2))
    with Engine(load_rules(REORGANISED), db=db, clock=clock) as engine:
        simulate(engine, clock, range(2023, 2026), SimulationParams(seed=161))
    return db


@pytest.fixture(scope="module")
def simulated_engine(simulated: Path) -> Iterator[Engine]:
    with Engine.open(simulated, read_only=True) as eng:
        yield eng


class Record:
    """The simulated database and the history of each of its tasks (a short repr, for
    Hypothesis to print)."""

    def __init__(self, engine: Engine, histories: dict[str, list[Event]]) -> None:
        self.engine = engine
        self.histories = histories

    def __repr__(self) -> str:
        return f"Record({self.engine.store.path})"


@pytest.fixture(scope="module")
def record(simulated_engine: Engine) -> Record:
    return Record(
        simulated_engine, {t.id: simulated_engine.history(t.id) for t in simulated_engine.tasks()}
    )


def _last_event_day(engine: Engine) -> dt.date:
    """The day of the last event, of a task or of a cycle."""
    (last,) = engine.store.conn.execute("SELECT max(substr(at, 1, 10)) FROM events").fetchone()
    return D.fromisoformat(last)


DAYS = st.dates(D(2022, 12, 1), D(2026, 3, 1))


# -- properties ----------------------------------------------------------------------------------


@settings(max_examples=40)
@given(day=DAYS)
def test_tasks_as_of_a_day_replay_their_history_up_to_its_end(record: Record, day: dt.date) -> None:
    engine, histories = record.engine, record.histories
    view = replayed_view(histories, day)
    ours = {t.id: recorded(t) for t in engine.tasks_as_of(day)}
    assert ours == {k: {f: v[f] for f in FIELDS} for k, v in view.items()}
    for year in (2023, 2024, 2025):
        assert [t.id for t in engine.tasks_as_of(day, year)] == sorted(
            k for k, t in view.items() if t["year"] == year
        )


@pytest.mark.slow
@settings(max_examples=40)
@given(day=DAYS, days=st.integers(0, 20))
@example(day=D(2024, 12, 5), days=10)
@example(day=D(2024, 11, 23), days=7)
def test_overdue_due_soon_and_notices_are_those_of_that_day(
    record: Record, day: dt.date, days: int
) -> None:
    engine, histories = record.engine, record.histories
    view = replayed_view(histories, day)
    overdue = engine.overdue(day)
    assert {t.id for t in overdue} == overdue_in(view, engine, day)
    for task in overdue:  # each task as it was then
        assert recorded(task) == {f: view[task.id][f] for f in FIELDS}
    last = (day + dt.timedelta(days=days)).isoformat()
    assert {t.id for t in engine.due_soon(day, days)} == {
        k
        for k, t in view.items()
        if t["due"] is not None
        and day.isoformat() <= t["due"] <= last
        and t["state"] in open_states(book_on(engine, t["year"], day).plan.workflow)
    }
    assert {(n.task_id, n.days, n.agency) for n in engine.notices(day)} == notices_in(
        view, engine, day
    )


@settings(max_examples=25)
@given(day=DAYS, year=st.sampled_from([2023, 2024, 2025]))
@example(day=D(2024, 12, 5), year=2024)
@example(day=D(2025, 5, 1), year=2025)  # between two successions, before the due date
def test_status_counts_rates_and_overdue_are_those_of_that_day(
    record: Record, day: dt.date, year: int
) -> None:
    engine, histories = record.engine, record.histories
    view = {k: t for k, t in replayed_view(histories, day).items() if t["year"] == year}
    data = status_data(engine, year, day)
    workflow = engine.cycle_book(year).plan.workflow
    assert data["states"] == {
        s: sum(t["state"] == s for t in view.values()) for s in workflow.states
    }
    dated = [t for t in view.values() if t["due"] is not None]
    # expected: due by that day, or reported by then; the others were not due yet
    waiting = [t for t in dated if t["due"] > day.isoformat() and t["reported_at"] is None]
    expected = [t for t in dated if t not in waiting]
    received = [t for t in expected if t["reported_at"] is not None]
    totals = data["totals"]
    assert (totals["tasks"], totals["expected"], totals["received"], totals["not_due"]) == (
        len(view),
        len(expected),
        len(received),
        len(waiting),
    )
    assert (totals["on_time"], totals["late"]) == (
        sum(t["days_late"] == 0 for t in received),
        sum(t["days_late"] > 0 for t in received),
    )
    assert data["no_deadline"] == sorted(k for k, t in view.items() if t["due"] is None)
    shown = {(a["agency"], i["task"]) for a in data["overdue"] for i in a["items"]}
    assert shown == {(view[k]["agency"], k) for k in overdue_in(view, engine, day)}
    assert all(a["tasks"] == len(a["items"]) for a in data["overdue"])
    # Per agency a task counts for the agency holding it on its due date, or on the day if the
    # due date is later; per area, under its area (or duty).
    holders = {k: holder(histories[k], t, day) for k, t in view.items()}
    for group, key in (("agencies", "agency"), ("areas", "area")):
        tally: dict[str, list[int]] = {}
        for k, t in view.items():
            counts = tally.setdefault(holders[k] if key == "agency" else k.split("/")[1], [0, 0, 0])
            counts[0] += 1
            counts[1] += t in expected
            counts[2] += t in received
        assert {g[key]: [g["tasks"], g["expected"], g["received"]] for g in data[group]} == tally
    now = metrics.rates(engine.store, years=[year], by=("agency_now",), as_of=day)
    held = [t["agency"] for t in view.values()]
    assert {r.key[0]: r.tasks for r in now} == {a: held.count(a) for a in held}


def test_after_the_last_event_a_view_is_the_current_state(simulated_engine: Engine) -> None:
    last = _last_event_day(simulated_engine)
    now = current_view(simulated_engine)
    conn = simulated_engine.store
    for day in (last, last + dt.timedelta(days=1), last + dt.timedelta(days=1000)):
        assert simulated_engine.tasks_as_of(day) == simulated_engine.tasks()
        assert {t.id for t in simulated_engine.overdue(day)} == overdue_in(
            now, simulated_engine, day
        )
        assert [t.id for t in simulated_engine.overdue(day)] == sorted(
            overdue_in(now, simulated_engine, day), key=lambda k: (now[k]["year"], k)
        )
        assert {(n.task_id, n.days, n.agency) for n in simulated_engine.notices(day)} == notices_in(
            now, simulated_engine, day
        )
        for by in ((), ("year",), ("agency",), ("agency_now", "year"), ("area", "year")):
            assert metrics.rates(conn, by=by, as_of=day) == metrics.rates(conn, by=by)
            for year in (2023, 2024, 2025):
                workflow = simulated_engine.cycle_book(year).plan.workflow
                assert metrics.state_counts(
                    conn, workflow, years=[year], by=by, as_of=day
                ) == metrics.state_counts(conn, workflow, years=[year], by=by)
        for year in (2023, 2024, 2025):
            data = status_data(simulated_engine, year, day)
            assert data["states"] == simulated_engine.counts(year)
            assert data["cycle"] == {
                **{k: v for k, v in simulated_engine.store.cycle(year).items() if k != "year"},
                "consolidations": len(simulated_engine.consolidations(year)),
            }


def test_a_day_before_a_cycle_opened_shows_nothing_of_it(simulated_engine: Engine) -> None:
    opened = D.fromisoformat(simulated_engine.store.cycle(2024)["opened_at"][:10])
    before = opened - dt.timedelta(days=1)
    assert simulated_engine.cycle_as_of(2024, before) is None
    assert simulated_engine.cycle_as_of(2024, opened) is not None
    assert simulated_engine.tasks_as_of(before, 2024) == []
    assert not [t for t in simulated_engine.tasks_as_of(opened, 2024) if t.state != "assigned"]
    assert not [t for t in simulated_engine.overdue(before) if t.year == 2024]
    assert not [n for n in simulated_engine.notices(before) if n.task_id.startswith("2024/")]
    data = status_data(simulated_engine, 2024, before)
    assert data["totals"]["tasks"] == 0
    assert set(data["states"].values()) == {0}
    assert data["overdue"] == data["agencies"] == data["areas"] == data["no_deadline"] == []
    assert data["cycle"] == {
        "rules_hash": None,
        "opened_at": None,
        "closed_at": None,
        "consolidations": 0,
    }
    assert "not opened yet" in status_text(data).splitlines()[0]
    first = D(2023, 1, 1)  # before the first cycle
    assert (
        simulated_engine.tasks_as_of(first)
        == simulated_engine.overdue(first)
        == simulated_engine.due_soon(first, 30)
        == []
    )
    assert simulated_engine.notices(first) == []


# -- the defect as reported ----------------------------------------------------------------------


def test_status_on_2024_12_05_leaves_out_what_arrived_later(
    simulated_engine: Engine, simulated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day = D(2024, 12, 5)
    arrived = {
        t.id: t.reported_at for t in simulated_engine.tasks(year=2024) if t.due and t.reported_at
    }
    later = {k: str(today(at)) for k, at in arrived.items() if today(at) > day}
    assert later == {  # the premise: three reports arrived after the day
        HONG_LINH: "2024-12-17",
        "2024/II.4/so-yt": "2024-12-17",
        "2024/II.1/so-yt": "2024-12-23",
    }
    data = status_data(simulated_engine, 2024, day)
    totals = data["totals"]
    assert (totals["received"], totals["expected"]) == (len(arrived) - len(later), 31)
    assert (totals["received"], data["states"]["evaluated"]) == (25, 0)  # not 28/31 and 32
    overdue = {a["agency"]: a for a in data["overdue"]}
    assert overdue["so-yt"]["tasks"] == 2
    assert {i["task"] for i in overdue["so-yt"]["items"]} == set(SO_YT)
    assert [i["task"] for i in overdue["ubnd-tx-hong-linh"]["items"]] == [HONG_LINH]
    so_yt = next(a for a in data["agencies"] if a["agency"] == "so-yt")
    assert (so_yt["received"], so_yt["expected"]) == (0, 2)

    assert main(["status", "--db", str(simulated), "--year", "2024", "--as-of", "2024-12-05"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].startswith(
        "Năm / year 2024, theo ghi nhận đến hết ngày / as recorded at the end of 2024-12-05"
    )
    assert "reporting rate: 80.6% (25/31)" in text
    assert "Sở Y tế" in text.split("Quá hạn / overdue on 2024-12-05")[1]
    args = ["status", "--db", str(simulated), "--year", "2024", "--as-of", "2024-12-05", "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(data))


@pytest.mark.slow
def test_notices_on_2024_11_23_include_tasks_not_reported_by_then(
    record: Record, simulated: Path
) -> None:
    engine, histories = record.engine, record.histories
    day = D(2024, 11, 23)
    found = engine.notices(day)
    assert {(n.task_id, n.days, n.agency) for n in found} == notices_in(
        replayed_view(histories, day), engine, day
    )
    seven_days_before = {n.task_id: n for n in found if n.days == -7}
    for task_id in (*SO_YT, HONG_LINH):
        reported = engine.task(task_id).reported_at
        assert reported is not None
        assert today(reported) > day  # the premise: reported after that day
        assert seven_days_before[task_id].to == seven_days_before[task_id].agency
    assert len(found) == 17  # 3 counting only the tasks that are still open today
    out = [
        json.loads(line)
        for line in _cli(simulated, "notices", "--as-of", "2024-11-23", "--json").splitlines()
    ]
    assert {(n["task_id"], n["days"]) for n in out} == {(n.task_id, n.days) for n in found}


def _cli(db: Path, *args: str) -> str:
    """The standard output of ``plan161 COMMAND --db DB ARGS...`` run in a new process."""
    done = subprocess.run(
        [sys.executable, "-m", "plan161_workflow.cli", args[0], "--db", str(db), *args[1:]],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


# -- amendments, a report sent back, a clock in another time zone --------------------------------


@pytest.fixture(scope="module")
def amended(plan: Plan) -> Iterator[Engine]:
    """2024: so-gddt reports II.5, is sent back, the task is withdrawn (its lead dropped), then
    created again; the deadline moves; so-tttt reports near midnight on a clock in UTC, with
    indicators named like task fields, and is sent back on 14/11; 2024/II.3/so-tnmt is withdrawn
    for good; on 14/11 the rules add a reminder 6 days before the due date."""
    clock = FakeClock(D(2024, 11, 1))
    eng = Engine(plan, clock=clock)
    eng.open_cycle(2024)
    clock.set(D(2024, 11, 2))
    eng.fire("2024/II.5/so-gddt", "submit", actor="so-gddt", report={"summary": "Lần 1"})
    clock.set(D(2024, 11, 3))
    eng.fire("2024/II.5/so-gddt", "send_back", actor="so-ldtbxh", reason="Thiếu số liệu")

    def leads(ii5: tuple[str, ...], ii3: tuple[str, ...]) -> Plan:
        areas = tuple(
            attrs.evolve(a, lead=ii5)
            if a.id == "II.5"
            else attrs.evolve(a, lead=ii3)
            if a.id == "II.3"
            else a
            for a in plan.areas
        )
        return attrs.evolve(plan, areas=areas)

    clock.set(D(2024, 11, 4))
    eng.amend(leads(("so-tttt",), ()), dry_run=False)
    clock.set(D(2024, 11, 6))
    eng.amend(leads(("so-tttt", "so-gddt"), ()), dry_run=False)
    clock.set(D(2024, 11, 8))
    deadlines = tuple(
        attrs.evolve(d, day="20/11") if d.id == "annual-report" else d for d in plan.deadlines
    )
    eng.amend(attrs.evolve(leads(("so-tttt", "so-gddt"), ()), deadlines=deadlines), dry_run=False)
    clock.set(dt.datetime(2024, 11, 9, 20, 30, tzinfo=dt.UTC))  # 10/11 03:30 in Vietnam
    nested = {"agency": 1, "due": 2, "rating": 3}  # not the task's: not at the payload's top
    eng.fire("2024/II.5/so-tttt", "submit", actor="so-tttt", report=REPORT | {"indicators": nested})
    clock.set(D(2024, 11, 12))
    eng.fire("2024/II.5/so-gddt", "submit", actor="so-gddt", report={"summary": "Lần 2"})
    clock.set(D(2024, 11, 14))
    eng.fire("2024/II.5/so-tttt", "send_back", actor="so-ldtbxh", reason="Thiếu số liệu")
    earlier = (*plan.reminders, Reminder(days=-6, to="responsible", source="test"))
    rules = attrs.evolve(leads(("so-tttt", "so-gddt"), ()), deadlines=deadlines, reminders=earlier)
    eng.amend(rules, dry_run=False)
    assert eng.verify().ok
    yield eng
    eng.close()


def book_hash(engine: Engine, trigger: str, which: int = 0) -> str:
    """The rules named by an event of the 2024 cycle (``which``: its index among them)."""
    named = [e.payload["rules"] for e in engine.history("cycle/2024") if e.trigger == trigger]
    return str(named[which])


@pytest.mark.parametrize("day", [D(2024, 11, 1) + dt.timedelta(days=n) for n in range(-1, 30)])
def test_amended_withdrawn_and_created_again(amended: Engine, day: dt.date) -> None:
    histories = {t.id: amended.history(t.id) for t in amended.tasks()}
    view = replayed_view(histories, day)
    assert {t.id: recorded(t) for t in amended.tasks_as_of(day)} == {
        k: {f: v[f] for f in FIELDS} for k, v in view.items()
    }
    assert {t.id for t in amended.overdue(day)} == overdue_in(view, amended, day)
    assert {(n.task_id, n.days, n.agency) for n in amended.notices(day)} == notices_in(
        view, amended, day
    )


def test_the_amended_example_day_by_day(amended: Engine) -> None:
    def gddt(day: dt.date) -> Task | None:
        found = [t for t in amended.tasks_as_of(day, 2024) if t.id == "2024/II.5/so-gddt"]
        return found[0] if found else None

    sent_back = gddt(D(2024, 11, 3))
    assert sent_back is not None
    assert sent_back.state == "in_progress"
    assert sent_back.report is not None
    assert sent_back.report["summary"] == "Lần 1"
    assert sent_back.reported_at is not None  # received, though open again
    assert gddt(D(2024, 11, 4)) is None  # withdrawn then
    assert gddt(D(2024, 11, 5)) is None
    again = gddt(D(2024, 11, 6))
    assert again is not None  # created afresh: nothing of the first one
    assert (again.version, again.state, again.report) == (1, "assigned", None)
    assert again.reported_at is None
    assert again.due == D(2024, 11, 30)
    moved = gddt(D(2024, 11, 8))
    assert moved is not None
    assert moved.due == amended.task(moved.id).due == D(2024, 11, 19)  # moved by the amendment
    tttt = {
        d: next(t for t in amended.tasks_as_of(d) if t.id == "2024/II.5/so-tttt")
        for d in (D(2024, 11, 9), D(2024, 11, 10))
    }
    assert tttt[D(2024, 11, 9)].reported_at is None  # 20:30 UTC is the next day in Vietnam
    arrived = tttt[D(2024, 11, 10)].reported_at
    assert arrived is not None
    assert arrived.astimezone(VIETNAM).date() == D(2024, 11, 10)
    hashes = [amended.cycle_as_of(2024, D(2024, 11, d)) for d in (3, 13, 14)]
    assert [h and h.rules_hash for h in hashes] == [
        book_hash(amended, "open_cycle"),
        book_hash(amended, "amend_cycle", -2),
        amended.rules_hash,
    ]
    # A task withdrawn for good has no row any more: not in a view of a day before (documented).
    assert "2024/II.3/so-tnmt" not in {t.id for t in amended.tasks_as_of(D(2024, 11, 2))}
