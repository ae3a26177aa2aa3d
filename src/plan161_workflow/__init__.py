"""plan161_workflow: run the implementation of a government plan.

Read a plan from a declarative rules file, open a reporting cycle, move each task through its
lifecycle with permissions and deadlines on the Vietnamese working calendar, and keep a
tamper-evident history in SQLite.
"""

from plan161_workflow.engine import Engine
from plan161_workflow.errors import (
    AgencyCeasedError,
    ConflictError,
    ConsolidationError,
    CycleClosedError,
    InvalidTransition,
    NotFound,
    PayloadError,
    PermissionDenied,
    Plan161Error,
    Problem,
    RulesError,
    StoreError,
    WorkflowError,
)
from plan161_workflow.model import Event, Notice, Plan, Task
from plan161_workflow.rules import load_rules, parse_rules

__all__ = [
    "AgencyCeasedError",
    "ConflictError",
    "ConsolidationError",
    "CycleClosedError",
    "Engine",
    "Event",
    "InvalidTransition",
    "NotFound",
    "Notice",
    "PayloadError",
    "PermissionDenied",
    "Plan",
    "Plan161Error",
    "Problem",
    "RulesError",
    "StoreError",
    "Task",
    "WorkflowError",
    "load_rules",
    "parse_rules",
]
