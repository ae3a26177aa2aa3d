"""The API's request and response bodies (they make the OpenAPI document)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from plan161_workflow.model.task import Event, Notice, Task
from plan161_workflow.store.feed import Change
from plan161_workflow.store.verify import VerifyReport

MAX_TEXT = 100_000
"""Longest summary, reason or comment the API takes (characters)."""

Json = dict[str, Any]


class TaskOut(BaseModel):
    """A task. Its ``id`` is ``PERIOD/UNIT/AGENCY`` (it contains ``/``; a yearly period's id is
    the year)."""

    id: str
    year: int
    period: str
    area: str | None
    duty: str | None
    unit: str
    agency: str
    original_agency: str
    coordinating: list[str]
    due: dt.date | None
    state: str
    version: int
    report: Json | None
    reported_at: dt.datetime | None
    days_late: int | None
    on_time: bool | None
    rating: str | None


class TaskPage(BaseModel):
    """A page of tasks, by year and id."""

    items: list[TaskOut]
    total: int
    offset: int
    limit: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last.")


class ReportIn(BaseModel):
    """A report: a summary, indicators and references to attached documents."""

    summary: str = Field(max_length=MAX_TEXT)
    indicators: dict[str, str | int | float] = Field(default_factory=dict, max_length=500)
    attachments: list[str] = Field(default_factory=list, max_length=100)


class FireIn(BaseModel):
    """A trigger and what it needs: ``report`` with ``submit``, ``reason`` with ``send_back``,
    ``rating`` with ``evaluate``, ``text`` with ``contribute``/``comment``, ``agency`` with
    ``reassign``. The acting agency is the caller's, never a field."""

    trigger: str = Field(min_length=1, max_length=64)
    report: ReportIn | None = None
    reason: str | None = Field(default=None, max_length=MAX_TEXT)
    rating: str | None = Field(default=None, max_length=200)
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    agency: str | None = Field(default=None, max_length=200)


class ConsolidateIn(BaseModel):
    """Consolidate a cycle, waiving the named agencies' missing reports."""

    waive: list[str] = Field(default_factory=list, max_length=1000)
    period: str | None = Field(
        default=None,
        max_length=64,
        description="The period consolidated (an id such as 2026S1, or a series with one "
        "period that year); may be left out when the plan has a single period.",
    )
    level: str | None = Field(
        default=None,
        max_length=64,
        description="A consolidation level of the rules: its members' reports, consolidated by "
        "its consolidator; left out: the province's consolidation of the rest.",
    )


class CycleIn(BaseModel):
    """Open the cycle of a year."""

    year: int = Field(ge=1900, le=2200)


class EventOut(BaseModel):
    """One entry of a task's history (refused attempts included)."""

    seq: int
    task_id: str
    trigger: str
    from_state: str | None
    to_state: str | None
    actor: str
    at: dt.datetime
    outcome: str
    payload: Json
    hash: str


class ChangeOut(BaseModel):
    """One committed change of the feed."""

    seq: int
    at: dt.datetime
    task_id: str
    trigger: str
    from_state: str | None
    to_state: str | None
    actor: str
    version: int | None
    payload: Json
    hash: str


class ChangesOut(BaseModel):
    """Changes after a cursor; resume with ``cursor``."""

    changes: list[ChangeOut]
    cursor: int = Field(description="The last seq returned (the request's 'after' if none).")


class VerifyOut(BaseModel):
    """The verdict of ``verify``."""

    ok: bool
    summary: str
    events: int
    tasks: int
    head: str
    first_bad_event: int | None
    chain_problem: str
    task_problems: list[str]
    record_problems: list[str]


class NoticeOut(BaseModel):
    """A reminder or escalation due on a day."""

    task_id: str
    to: str
    on: dt.date
    days: int
    due: dt.date
    agency: str
    escalation: bool


class CycleOut(BaseModel):
    """A reporting cycle."""

    year: int
    rules_hash: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None


class MeOut(BaseModel):
    """Who the credentials stand for."""

    agency: str
    name: str
    read_only: bool
    via: str
    consolidator: bool


def task_out(t: Task) -> TaskOut:
    return TaskOut(
        id=t.id,
        year=t.year,
        period=t.period,
        area=t.area,
        duty=t.duty,
        unit=t.unit,
        agency=t.agency,
        original_agency=t.original_agency,
        coordinating=list(t.coordinating),
        due=t.due,
        state=t.state,
        version=t.version,
        report=t.report,
        reported_at=t.reported_at,
        days_late=t.days_late,
        on_time=t.on_time,
        rating=t.rating,
    )


def event_out(e: Event) -> EventOut:
    return EventOut(
        seq=e.seq,
        task_id=e.task_id,
        trigger=e.trigger,
        from_state=e.from_state,
        to_state=e.to_state,
        actor=e.actor,
        at=e.at,
        outcome=e.outcome,
        payload=e.payload,
        hash=e.hash,
    )


def change_out(c: Change) -> ChangeOut:
    return ChangeOut(
        seq=c.seq,
        at=c.at,
        task_id=c.task_id,
        trigger=c.trigger,
        from_state=c.from_state,
        to_state=c.to_state,
        actor=c.actor,
        version=c.version,
        payload=c.payload,
        hash=c.hash,
    )


def verify_out(v: VerifyReport) -> VerifyOut:
    return VerifyOut(
        ok=v.ok,
        summary=v.summary(),
        events=v.events,
        tasks=v.tasks,
        head=v.head,
        first_bad_event=v.first_bad_event,
        chain_problem=v.chain_problem,
        task_problems=list(v.task_problems),
        record_problems=list(v.record_problems),
    )


def notice_out(n: Notice) -> NoticeOut:
    return NoticeOut(
        task_id=n.task_id,
        to=n.to,
        on=n.on,
        days=n.days,
        due=n.due,
        agency=n.agency,
        escalation=n.is_escalation,
    )
