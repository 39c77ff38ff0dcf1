"""A short fuzzing run in the suite: generated operations never get a 5xx or an internal error.

The long run (thousands of operations, both stores) is ``bench/fuzz.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from kimnet.schema.access import Role
from kimnet.service.app import create_app
from tests.service.fuzzing import fuzz
from tests.service.hardening import bearer, settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    config = settings(tmp_path_factory.mktemp("fuzz"), rate_limit=0.0)
    with TestClient(create_app(config), headers=bearer(Role.ADMIN, "fuzzer")) as test_client:
        yield test_client


def test_generated_operations_never_fail_on_the_server(client: TestClient) -> None:
    outcome: Counter[str] = Counter()

    def post(document: str) -> tuple[int, bytes]:
        response = client.post("/graphql", json={"query": document})
        return response.status_code, response.content

    fuzz(post, examples=300, outcome=outcome)
    assert sum(outcome.values()) >= 300
    assert outcome["answered"] > 20  # not everything was refused: the generator reaches the data
