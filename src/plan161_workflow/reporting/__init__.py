"""Views, metrics, reports and exports built on the engine.

* ``metrics``: reporting figures as SQL aggregations (rates, medians, states, overdue, grid).
* ``status``: a cycle at a glance, as JSON-ready data and text tables.
* ``report`` / ``document``: the consolidated report as a structured document;
  ``render_html`` (self-contained, with ``charts``) and ``render_md`` print it.
* ``ical``: an agency's deadlines as iCalendar; ``diagram``: the workflow as Mermaid or SVG.
* ``collation``: Vietnamese alphabetical order; ``labels``: Vietnamese and English words and forms.
* ``plan_view``: the plan as text and resolved JSON.
"""
