"""The consolidated report as a structured document: frozen attrs values, no I/O.

``report.build_report`` fills it from the database; ``render_html``, ``render_md`` and
``report.report_json`` print it. Every text in it is already in the report's language.
"""

from __future__ import annotations

import datetime as dt

import attrs

from plan161_workflow.reporting.labels import Lang, in_place_of, number, percent
from plan161_workflow.reporting.metrics import Rates


@attrs.frozen
class TaskResult:
    """One agency's task in a content area."""

    task_id: str
    """The task."""
    agency: str
    """Agency code."""
    agency_name: str
    """Agency name in the report's language."""
    state: str
    """State name in the report's language."""
    due: dt.date | None
    """Last day to report."""
    reported_on: dt.date | None
    """Day the report first arrived."""
    days_late: int | None
    """Days late on arrival."""
    summary: str | None
    """The report's summary."""
    rating: str | None
    """The evaluator's rating, by name."""
    indicators: dict[str, str | int | float] = attrs.field(factory=dict)
    """The report's indicators (name -> value), as submitted."""
    in_place_of: str | None = None
    """Name of the agency the task was first given to, when it has passed to another (its
    agency ceased, or the rules were amended); ``None`` while it is with that agency."""


@attrs.frozen
class UnitResult:
    """Results of one content area or duty."""

    id: str
    """Area or duty id."""
    title: str
    """Its title."""
    rates: Rates
    """Reporting figures of its tasks."""
    states: dict[str, int]
    """Tasks per state (state codes)."""
    tasks: tuple[TaskResult, ...]
    """Its tasks, agencies in Vietnamese order."""


@attrs.frozen
class Shortfall:
    """A report received late, or not received after its due date."""

    agency: str
    """Agency code."""
    agency_name: str
    """Agency name."""
    unit: str
    """Area or duty id."""
    unit_title: str
    """Area or duty title."""
    due: dt.date
    """Last day to report."""
    days_late: int
    """Days late on arrival, or days overdue on the report's date."""
    waived: bool = False
    """The consolidator consolidated without it."""
    in_place_of: str | None = None
    """Name of the agency the task was first given to, when it has passed to another."""


@attrs.frozen
class Remark:
    """A comment raised on a task of the year."""

    agency: str
    """Commenting agency code."""
    agency_name: str
    """Its name."""
    task_id: str
    """The task commented on."""
    unit_title: str
    """Title of the task's area or duty."""
    on: dt.date
    """Day of the comment."""
    text: str
    """What was said."""


@attrs.frozen
class AgencyRate:
    """On-time figures of one agency, for the chart."""

    agency: str
    """Agency code."""
    name: str
    """Agency name."""
    on_time: int
    """Reports on time."""
    received: int
    """Reports received, late ones included."""
    expected: int
    """Reports expected."""


@attrs.frozen
class Charts:
    """What the charts show."""

    states: tuple[str, ...]
    """Workflow states, in order (codes)."""
    state_names: tuple[str, ...]
    """Their names in the report's language."""
    by_unit: tuple[tuple[str, tuple[int, ...]], ...]
    """(area or duty id, tasks per state) for each unit."""
    on_time: tuple[AgencyRate, ...]
    """On-time figures per agency with expected reports, Vietnamese order."""
    years: tuple[int, ...]
    """Years of the grid."""
    grid: tuple[tuple[str, str, tuple[str, ...]], ...]
    """(agency code, name, status per year: a ``metrics.GRID_STATUSES`` value or ``none``)."""


@attrs.frozen
class Report:
    """A consolidated yearly report, ready to render."""

    lang: Lang
    """Language of every label: ``vi`` or ``en``."""
    year: int
    """Reporting year."""
    period: str
    """Reporting period id (a yearly period's id is the year)."""
    date: dt.date
    """Date of the report."""
    draft: bool
    """No consolidation of the year yet."""
    nation: str
    """National title."""
    motto: str
    """Motto."""
    parent_body: str
    """The issuing body's parent, upper case (may be empty)."""
    issuing_body: str
    """The issuing body, upper case: the consolidator on the report's date."""
    number: str
    """``Số: 1/BC-SLĐTBXH``."""
    place_date: str
    """``Hà Tĩnh, ngày 05 tháng 01 năm 2025``."""
    kind: str
    """``BÁO CÁO``."""
    subject: str
    """One-line subject."""
    intro: str
    """Opening sentence."""
    totals: Rates
    """Figures of the whole year."""
    no_deadline: tuple[str, ...]
    """Ids of the tasks without a due date."""
    units: tuple[UnitResult, ...]
    """Results by area, then duty."""
    late: tuple[Shortfall, ...]
    """Reports received late."""
    missing: tuple[Shortfall, ...]
    """Reports not received after their due date."""
    remarks: tuple[Remark, ...]
    """Comments raised, commenting agencies in Vietnamese order."""
    proposals: tuple[str, ...]
    """Proposals generated from the facts above."""
    recipients: tuple[str, ...]
    """Names of the recipients, then the archive line."""
    signer: str
    """Signature block title."""
    charts: Charts
    """Data of the charts."""
    text: dict[str, str]
    """Every label in the report's language."""
    own_late: tuple[Shortfall, ...] = ()
    """The issuing body's own reports received late: it accounts for them to the agency it
    reports to, and does not list itself among the agencies it urges (``late``)."""
    own_missing: tuple[Shortfall, ...] = ()
    """The issuing body's own reports not received after their due date."""
    own_heading: str = ""
    """Heading of the part on the issuing body's own tasks (empty when it has none late)."""


def agency_label(item: TaskResult | Shortfall, text: dict[str, str]) -> str:
    """The agency answering for a task, and the one it answers in place of when the task has
    passed to it: ``Sở Nội vụ (thay Ủy ban nhân dân huyện Can Lộc)``."""
    if item.in_place_of is None:
        return item.agency_name
    return f"{item.agency_name} {in_place_of(item.in_place_of, text)}"


RATE_HEADS = (
    "unit",
    "tasks",
    "expected",
    "received",
    "on_time",
    "late_n",
    "reporting_rate",
    "on_time_rate",
    "median_days_late",
)
"""Label keys of the rates table's columns; ``rate_cells`` gives the cells after ``unit``."""


def overview_sentences(report: Report) -> list[str]:
    """The overview of the results, as sentences, whatever the output format."""
    t, text, lang = report.totals, report.text, report.lang
    out = [
        text["overview_text"].format(
            expected=t.expected,
            received=t.received,
            rate=percent(t.reporting_rate, lang),
            on_time=t.on_time,
            on_time_rate=percent(t.on_time_rate, lang),
            late=t.late,
            missing=t.missing,
        )
    ]
    if t.median_days_late is not None:
        out.append(text["median_text"].format(median=number(t.median_days_late, lang)))
    if report.no_deadline:
        ids = ", ".join(report.no_deadline)
        out.append(text["no_deadline_text"].format(count=len(report.no_deadline), ids=ids))
    return out


def rate_cells(rates: Rates, lang: Lang) -> list[object]:
    """The figures of one row of the rates table, formatted for ``lang``."""
    median = number(rates.median_days_late, lang) if rates.median_days_late is not None else "—"
    return [
        rates.tasks,
        rates.expected,
        rates.received,
        rates.on_time,
        rates.late,
        percent(rates.reporting_rate, lang),
        percent(rates.on_time_rate, lang),
        median,
    ]
