"""Views, metrics, reports and exports built on the engine."""
