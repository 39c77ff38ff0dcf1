"""The HTTP surface: health, readiness and GraphQL over HTTP as the specification says."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from kimnet.graph.stores.collector import YOUNG
from kimnet.service.app import create_app
from kimnet.service.config import Settings
from kimnet.service.graphql_http import GRAPHQL_RESPONSE

SEED = Path(__file__).resolve().parents[2] / "seeds" / "coesfeld"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), seed=SEED)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_healthz_and_readyz_answer(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "store": "embedded"}


def test_serve_seeds_an_empty_store_with_coesfeld(client: TestClient) -> None:
    body = client.post("/graphql", json={"query": "{ municipalities { totalCount } }"}).json()
    assert body == {"data": {"municipalities": {"totalCount": 11}}}


def test_typename_over_post_and_get(client: TestClient) -> None:
    assert client.post("/graphql", json={"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}
    assert client.get("/graphql", params={"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}


def test_graphql_response_media_type_is_used_when_accepted(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ __typename }"}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)


def test_a_query_that_does_not_validate_is_400_with_graphql_response(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ nope }"}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert "Cannot query field 'nope'" in response.json()["errors"][0]["message"]
    legacy = client.post("/graphql", json={"query": "{ nope }"}, headers={"accept": "application/json"})
    assert legacy.status_code == 200
    assert "data" not in legacy.json()


def test_a_field_error_keeps_data_and_status_200(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": '{ node(id: "not an id") { id } }'}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"node": None}
    assert "is neither a global id nor a key" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "not valid JSON"),
        ({"content": b"[1]", "headers": {"content-type": "application/json"}}, 400, "must be a JSON object"),
        ({"content": b"query { x }", "headers": {"content-type": "text/plain"}}, 415, "send the request as application/json"),
        ({"json": {"variables": {}}}, 400, "has no query"),
        ({"json": {"query": "{ __typename }", "variables": [1]}}, 400, "variables must be a JSON object"),
        (
            {"json": {"query": "{ __typename }"}, "headers": {"accept": "text/csv"}},
            406,
            "accept application/graphql-response+json",
        ),
        ({"content": b"\xff\xfe{", "headers": {"content-type": "application/json"}}, 400, "not valid JSON"),
    ],
)
def test_bad_requests_get_a_clear_error(client: TestClient, kwargs: dict[str, object], status: int, message: str) -> None:
    response = client.post("/graphql", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    assert message in json.dumps(response.json())


def test_mutations_over_get_are_refused(client: TestClient) -> None:
    query = 'mutation { deleteNeed(id: "need:sprache") { deletedKey } }'
    response = client.get("/graphql", params={"query": query})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert client.post("/graphql", json={"query": '{ node(id: "need:sprache") { id } }'}).json()["data"]["node"] is not None


def test_graphiql_is_served_to_browsers_in_development(client: TestClient) -> None:
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_an_error_in_a_non_null_root_field_is_200_with_null_data(client: TestClient) -> None:
    query = '{ responsibilities(municipality: "mun:nowhere") { level } }'
    response = client.post("/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert "no municipality has the id mun:nowhere" in body["errors"][0]["message"]


def test_a_started_service_has_settled_its_heap(client: TestClient) -> None:
    # collector.settle: the start frozen, a pass over the young objects every YOUNG new ones (only
    # settle sets the thresholds, so this fails when the lifespan does not call it).
    assert gc.get_threshold()[0] == YOUNG
