"""Reporting metrics as monitoring systems such as DHIS2 define them.

The figures are computed by the store's read models (``store.metrics``, where their SQL and
definitions live); reporting reads them through these names. Each takes the engine's store
(``Engine.store``).
"""

from plan161_workflow.store.metrics import (
    AGENCY_COLUMN,
    DIMENSIONS,
    GRID_STATUSES,
    Dimension,
    Key,
    Overdue,
    OverdueAgency,
    Rates,
    agency_year_grid,
    overdue,
    overdue_by_agency,
    rates,
    state_counts,
)

__all__ = [
    "AGENCY_COLUMN",
    "DIMENSIONS",
    "GRID_STATUSES",
    "Dimension",
    "Key",
    "Overdue",
    "OverdueAgency",
    "Rates",
    "agency_year_grid",
    "overdue",
    "overdue_by_agency",
    "rates",
    "state_counts",
]
