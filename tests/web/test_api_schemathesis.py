"""schemathesis against the served /openapi.json: every operation, valid and invalid inputs, no
5xx, responses as documented (status codes, media types, bodies)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from plan161_workflow import Engine

pytestmark = pytest.mark.slow  # a live server (and a browser): left out of the quick loop


@schemathesis.check
def negative_data_rejected(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """schemathesis' ``negative_data_rejection``, with 413 (a body over the size bound, refused
    unread) counted as a rejection too."""
    if response.status_code == 413:
        return None
    return openapi_checks.negative_data_rejection(ctx, response, case)


CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    negative_data_rejected,
]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


def test_every_operation_against_the_served_schema(
    live: tuple[str, Engine, dict[str, str]],
) -> None:
    url, engine, tokens = live
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(schema.raw_schema["paths"]) + 1  # /api/cycles: GET and POST
    headers = {"Authorization": f"Bearer {tokens['consolidator']}"}
    tried: set[tuple[str, str]] = set()
    for operation in operations:
        for mode in MODES:

            @settings(
                max_examples=6,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS, timeout=10)
                tried.add((operation.label, str(mode)))  # noqa: B023  (run at once, below)

            try:
                run()
            except Unsatisfiable:
                # No invalid input exists for an operation whose inputs are free text (a task
                # id in the path) or that has none; valid inputs always exist.
                assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
    assert {label for label, _ in tried} == {o.label for o in operations}
    assert engine.verify().ok
