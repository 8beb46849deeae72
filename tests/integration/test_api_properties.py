"""Property-based tests of the whole API from its own OpenAPI schema (schemathesis +
hypothesis): for any generated input, no 5xx, and every answer matches the schema (status
code documented, content type, body shape). On PostgreSQL (the backend that refused NUL and
other characters with 500s), the API as deployed (fast path in front), a fake gateway."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks as openapi_checks

from mongocollectibles.api import create_api, hot_paths
from mongocollectibles.api.deps import gateway
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.fakes import FakeGateway

CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


class Target:
    """The ASGI app under test, chosen per test (the schema is loaded once, at collection)."""

    def __init__(self) -> None:
        self.app = create_api(run_background_tasks=False)  # serves its schema; no database

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        await self.app(scope, receive, send)


TARGET = Target()
schema = schemathesis.openapi.from_asgi("/api/openapi.json", TARGET)
# Valid and invalid inputs alike (wrong types, missing fields, odd characters, NUL included).
schema.config.generation.update(modes=list(schemathesis.GenerationMode), allow_x00=True)


@pytest.fixture(autouse=True)
def api_on_postgres(pg_url):
    uow = UnitOfWork(pg_url)
    api = create_api(uow=uow, run_background_tasks=False)
    fake = FakeGateway()
    api.dependency_overrides[gateway] = lambda: fake
    TARGET.app = hot_paths(api, uow=uow)
    yield
    TARGET.app = create_api(run_background_tasks=False)


@pytest.mark.postgres
@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same inputs each run: a failure here is reproducible
)
def test_api_answers_every_input_within_its_schema(case):
    case.call_and_validate(checks=CHECKS)
