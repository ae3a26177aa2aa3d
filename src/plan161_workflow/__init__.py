"""plan161_workflow: run the implementation of a government plan.

Read a plan from a declarative rules file, open a reporting cycle, move each task through its
lifecycle with permissions and deadlines on the Vietnamese working calendar, and keep a
tamper-evident history in SQLite (embedded) or PostgreSQL.

The public API is exactly the names in ``plan161_workflow.__all__``, imported from here:
``from plan161_workflow import Engine, load_rules``. Every submodule (``plan161_workflow.engine``,
``.store``, ``.workflow``, ``.rules``, ``.reporting``, ...) and every attribute of an object
whose name is not documented (``Engine.store`` among them) is internal and may change in any
release. Everything a public method takes or returns is importable from here.
"""

from importlib import metadata as _metadata

from plan161_workflow.amendment import Amendment, TaskChange
from plan161_workflow.calendar import WorkingCalendar
from plan161_workflow.clock import Clock, FakeClock, system_clock
from plan161_workflow.engine import Engine
from plan161_workflow.engine.transfer import copy_database
from plan161_workflow.errors import (
    AgencyCeasedError,
    AgencyNotYetError,
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
    UnfireableStepError,
    WorkflowError,
)
from plan161_workflow.inputs import FIRST_YEAR, LAST_YEAR, SQLITE_MAX
from plan161_workflow.model import (
    Agency,
    AgencyGroup,
    Area,
    CalendarSettings,
    Deadline,
    Duty,
    Event,
    LegalDocument,
    Level,
    Notice,
    Period,
    PeriodInstance,
    Plan,
    PlanInfo,
    QuarterOfYear,
    Rating,
    Recurrence,
    Reminder,
    Roles,
    Signer,
    Succession,
    SuccessionScope,
    Task,
    Workflow,
    WorkflowAction,
    WorkflowTransition,
)
from plan161_workflow.model.plan import StateLabel
from plan161_workflow.model.records import Consolidation, Cycle, MissingReport
from plan161_workflow.rules import load_rules, parse_rules
from plan161_workflow.store.anchor import Anchor
from plan161_workflow.store.copy import CopyReport
from plan161_workflow.store.feed import Change
from plan161_workflow.store.schema import (
    check_replaceable,
    discard_files,
    is_sqlite_file,
    remove_database,
)
from plan161_workflow.store.tokens import TokenInfo
from plan161_workflow.store.verdict import database_head, verify_database
from plan161_workflow.store.verify import VerifyReport
from plan161_workflow.workflow.cycle_plan import plan_tasks
from plan161_workflow.workflow.decide import Rulebook
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW

try:
    __version__: str = _metadata.version("plan161-workflow")
    """The installed version of plan161-workflow (from the package's metadata)."""
except _metadata.PackageNotFoundError:  # pragma: no cover  (run from a source tree never installed)
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_WORKFLOW",
    "FIRST_YEAR",
    "LAST_YEAR",
    "SQLITE_MAX",
    "Agency",
    "AgencyCeasedError",
    "AgencyGroup",
    "AgencyNotYetError",
    "Amendment",
    "Anchor",
    "Area",
    "CalendarSettings",
    "Change",
    "Clock",
    "ConflictError",
    "Consolidation",
    "ConsolidationError",
    "CopyReport",
    "Cycle",
    "CycleClosedError",
    "Deadline",
    "Duty",
    "Engine",
    "Event",
    "FakeClock",
    "InvalidTransition",
    "LegalDocument",
    "Level",
    "MissingReport",
    "NotFound",
    "Notice",
    "PayloadError",
    "Period",
    "PeriodInstance",
    "PermissionDenied",
    "Plan",
    "Plan161Error",
    "PlanInfo",
    "Problem",
    "QuarterOfYear",
    "Rating",
    "Recurrence",
    "Reminder",
    "Roles",
    "Rulebook",
    "RulesError",
    "Signer",
    "StateLabel",
    "StoreError",
    "Succession",
    "SuccessionScope",
    "Task",
    "TaskChange",
    "TokenInfo",
    "UnfireableStepError",
    "VerifyReport",
    "Workflow",
    "WorkflowAction",
    "WorkflowError",
    "WorkflowTransition",
    "WorkingCalendar",
    "__version__",
    "check_replaceable",
    "copy_database",
    "database_head",
    "discard_files",
    "is_sqlite_file",
    "load_rules",
    "parse_rules",
    "plan_tasks",
    "remove_database",
    "system_clock",
    "verify_database",
]
