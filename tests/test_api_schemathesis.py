"""Property-based contract test of the HTTP API: schemathesis reads the app's own /openapi.json,
generates requests (valid ones, and invalid ones: wrong types, unknown fields, odd Unicode, long
strings) and checks that none gets a server error and that every response is documented and
matches its schema.

Bounded (MAX_EXAMPLES per operation and mode) so the module runs in well under a minute. Run
as the anonymous demo and as a row-scoped user, whose view plans and checks every question
again. Schemathesis's own pytest plugin (`@schema.parametrize` on a fixture) does not work with
pytest 9, so its per-operation Hypothesis strategies are driven directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from assistant.core.users import hash_token, load_users, new_token
from assistant.pipeline import Pipeline
from assistant.surfaces.api import create_app

MAX_EXAMPLES = 30
TOKEN = new_token()
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
OPERATIONS = [("POST", "/v1/ask"), ("GET", "/v1/metrics"), ("GET", "/healthz"), ("GET", "/v1/alerts"),
              ("POST", "/v1/alerts"), ("DELETE", "/v1/alerts/{rule_id}"), ("POST", "/v1/alerts/{rule_id}/mute"),
              ("POST", "/v1/alerts/{rule_id}/unmute")]


@pytest.fixture(scope="module")
def schemas(pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    users: Path = tmp_path_factory.mktemp("users") / "users.toml"
    users.write_text(f'[users.li_wei]\nrole = "plant_manager"\napi_tokens = ["{hash_token(TOKEN)}"]\n'
                     '[users.li_wei.attributes]\nplant_id = "NB"\n', encoding="utf-8")
    # Alerts made from generated sentences go to a state database of this module's own.
    alerts_db = f"sqlite:///{tmp_path_factory.mktemp('alerts') / 'alerts.sqlite'}"
    return {"demo": schemathesis.openapi.from_asgi("/openapi.json", create_app(pipeline, None, alerts_db=alerts_db)),
            "scoped": schemathesis.openapi.from_asgi("/openapi.json", create_app(pipeline, load_users(users),
                                                                                 alerts_db=alerts_db))}


def test_every_operation_is_fuzzed(schemas: dict[str, Any]) -> None:
    """A new endpoint (alerts, MCP) must join OPERATIONS, or it would go unfuzzed."""
    found = {(op.method.upper(), op.path) for op in (r.ok() for r in schemas["demo"].get_all_operations())}
    assert found == set(OPERATIONS)


# /healthz takes no input at all: there is nothing to make invalid.
RUNS = [(m, p, mode) for m, p in OPERATIONS for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if p != "/healthz" or mode is GenerationMode.POSITIVE]


@pytest.mark.parametrize("who", ["demo", "scoped"])
@pytest.mark.parametrize(("method", "path", "mode"), RUNS, ids=[f"{m} {p} {g.value}" for m, p, g in RUNS])
def test_no_request_gets_a_server_error(schemas: dict[str, Any], who: str, mode: GenerationMode, method: str,
                                        path: str) -> None:
    operation = schemas[who][path][method]
    headers = {"Authorization": f"Bearer {TOKEN}"} if who == "scoped" else None

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def fuzz(case: Any) -> None:
        case.call_and_validate(checks=CHECKS, headers=headers)

    fuzz()
