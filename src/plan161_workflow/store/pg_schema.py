"""The PostgreSQL database: tables, schema version and migrations, beside SQLite's (``schema``).

The tables are those of the SQLite schema, column for column and with the same indexes: a
database moves between the backends row for row (``store.copy``) and its hash chain stays the
same. Times, days and JSON stay text as the chain hashed them. When a schema version adds a
column or a table to ``schema`` (SQLite), add it to ``DDL`` and a step to ``MIGRATIONS`` here.

The read models are written once in SQL that both backends run; the few SQLite functions they use
(``json_extract``, ``json_type``, ``instr``, ``julianday``, ``json_each`` of a list, the scalar
``min`` of two values) are defined in the database's schema as SQL functions (``FUNCTIONS``).
"""

from __future__ import annotations

from plan161_workflow.store.schema import DDL_V3_TOKENS, SCHEMA_VERSION

DDL = (
    """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rules (
    hash TEXT PRIMARY KEY, plan TEXT NOT NULL, added_at TEXT NOT NULL, ordinal INTEGER NOT NULL
);
CREATE TABLE cycles (
    year INTEGER PRIMARY KEY, rules_hash TEXT NOT NULL REFERENCES rules(hash),
    opened_at TEXT NOT NULL, closed_at TEXT
);
CREATE TABLE tasks (
    id TEXT PRIMARY KEY, year INTEGER NOT NULL, area TEXT, duty TEXT,
    agency TEXT NOT NULL, original_agency TEXT NOT NULL, coordinating TEXT NOT NULL,
    due TEXT, state TEXT NOT NULL, version INTEGER NOT NULL,
    report TEXT, reported_at TEXT, days_late INTEGER, rating TEXT, period TEXT NOT NULL
);
CREATE INDEX tasks_year_state ON tasks(year, state);
CREATE INDEX tasks_agency ON tasks(agency, year);
CREATE INDEX tasks_area ON tasks(area, year);
CREATE INDEX tasks_due ON tasks(due);
CREATE INDEX tasks_period ON tasks(period, state);
CREATE TABLE events (
    seq BIGINT PRIMARY KEY, task_id TEXT NOT NULL, trigger TEXT NOT NULL,
    from_state TEXT, to_state TEXT, actor TEXT NOT NULL, at TEXT NOT NULL,
    outcome TEXT NOT NULL, payload TEXT NOT NULL, version INTEGER,
    request_id TEXT, hash TEXT NOT NULL, request_key TEXT
);
CREATE INDEX events_task ON events(task_id, seq);
CREATE UNIQUE INDEX events_request ON events(request_id) WHERE request_id IS NOT NULL;
CREATE TABLE consolidations (
    seq BIGINT PRIMARY KEY REFERENCES events(seq), year INTEGER NOT NULL, at TEXT NOT NULL,
    actor TEXT NOT NULL, tasks TEXT NOT NULL, missing TEXT NOT NULL, waived TEXT NOT NULL,
    recipients TEXT NOT NULL, period TEXT NOT NULL
);
CREATE INDEX consolidations_year ON consolidations(year);
CREATE INDEX consolidations_period ON consolidations(period);
"""
    + DDL_V3_TOKENS
    + ";\n"
)
"""Every table and index of the current schema (``SCHEMA_VERSION``)."""

FUNCTIONS = """
CREATE OR REPLACE FUNCTION json_extract(doc TEXT, path TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT doc::jsonb #>> string_to_array(substr(path, 3), '.') $$;
CREATE OR REPLACE FUNCTION json_type(doc TEXT, path TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE jsonb_typeof(v)
        WHEN 'string' THEN 'text'
        WHEN 'number' THEN CASE WHEN v::text ~ '^-?[0-9]+$' THEN 'integer' ELSE 'real' END
        WHEN 'boolean' THEN v::text
        ELSE jsonb_typeof(v) END
    FROM (SELECT doc::jsonb #> string_to_array(substr(path, 3), '.') AS v) AS found $$;
CREATE OR REPLACE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT strpos(haystack, needle) $$;
CREATE OR REPLACE FUNCTION julianday(day TEXT) RETURNS DOUBLE PRECISION
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (substr(day, 1, 10)::date - DATE '2000-01-01') + 2451544.5 $$;
CREATE OR REPLACE FUNCTION min(a TEXT, b TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT LEAST(a, b) $$;
CREATE OR REPLACE FUNCTION json_each(list TEXT) RETURNS TABLE(value TEXT)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT json_array_elements_text(list::json) $$;
"""
"""SQLite's functions that the read models use, as SQL functions (in the database's schema)."""

FIRST_VERSION = 2
"""The schema version of the first PostgreSQL release (SQLite's version then)."""

_V4_PERIODS = """
ALTER TABLE tasks ADD COLUMN period TEXT NOT NULL DEFAULT '';
UPDATE tasks SET period = lpad(year::text, 4, '0');
ALTER TABLE tasks ALTER COLUMN period DROP DEFAULT;
CREATE INDEX tasks_period ON tasks(period, state);
ALTER TABLE consolidations ADD COLUMN period TEXT NOT NULL DEFAULT '';
UPDATE consolidations SET period = lpad(year::text, 4, '0');
ALTER TABLE consolidations ALTER COLUMN period DROP DEFAULT;
CREATE INDEX consolidations_period ON consolidations(period);
"""
"""Version 4 (as ``schema._v4_periods``): every task and consolidation of an earlier database was
yearly, and a yearly period's id is its year."""

MIGRATIONS: dict[int, str] = {3: DDL_V3_TOKENS, 4: _V4_PERIODS}
"""Version N -> statements that upgrade a version N-1 PostgreSQL database to N (one transaction).
Keep in step with ``schema.MIGRATIONS`` from ``FIRST_VERSION`` on."""

assert all(FIRST_VERSION < v <= SCHEMA_VERSION for v in MIGRATIONS)


def v4_views(schema: str) -> str:
    """Statements that read a database older than version 4 as version 4 without writing to
    it: temporary views (searched before ``schema``) add each task's and consolidation's yearly
    period, as ``schema._v4_views`` does for SQLite."""
    name = '"' + schema.replace('"', '""') + '"'
    return "".join(
        f"CREATE TEMP VIEW {table} AS SELECT *, lpad(year::text, 4, '0') AS period "
        f"FROM {name}.{table};\n"
        for table in ("tasks", "consolidations")
    )
