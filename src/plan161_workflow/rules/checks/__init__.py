"""Checks on a structured plan that types alone cannot express: blank text, references,
duplicates, dates and the calendar, cycles, the workflow's shape and the succession of agencies.
Pure: each check returns problems as ``(path, message)`` and raises nothing.
"""

from __future__ import annotations

from plan161_workflow.model.plan import Plan
from plan161_workflow.rules.checks.common import Found
from plan161_workflow.rules.checks.dates import calendar_problems, deadline_problems
from plan161_workflow.rules.checks.levels import level_problems
from plan161_workflow.rules.checks.periods import period_problems
from plan161_workflow.rules.checks.registry import (
    agency_problems,
    group_problems,
    info_problems,
    reminder_problems,
    role_problems,
    unit_problems,
)
from plan161_workflow.rules.checks.succession import succession_problems
from plan161_workflow.rules.checks.text import blank_text_problems
from plan161_workflow.rules.checks.workflow import workflow_checks

__all__ = ["Found", "check_plan"]


def check_plan(plan: Plan) -> list[Found]:
    """Every semantic problem of ``plan``."""
    return [
        *blank_text_problems(plan),
        *info_problems(plan),
        *calendar_problems(plan),
        *agency_problems(plan),
        *group_problems(plan),
        *deadline_problems(plan),
        *unit_problems(plan),
        *period_problems(plan),
        *role_problems(plan),
        *level_problems(plan),
        *reminder_problems(plan),
        *succession_problems(plan),
        *workflow_checks(plan.workflow),
    ]
