"""Operations: request limits over HTTP, metrics, structured logs with request ids, readiness."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path

import pytest

from kimnet.graph.model.errors import StoreUnavailableError
from kimnet.schema.access import Role
from kimnet.service.logs import JsonFormatter
from tests.service.hardening import bearer, served, settings

READ = {"query": "{ municipalities { totalCount } }"}


async def test_a_body_over_the_limit_is_413_before_it_is_read(tmp_path: Path) -> None:
    async with served(settings(tmp_path, max_body_bytes=2048)) as (client, _):
        big = {"query": "{ __typename }", "variables": {"pad": "x" * 4000}}
        response = await client.post("/graphql", json=big)
        assert response.status_code == 413
        assert response.json() == {
            "errors": [
                {
                    "message": "the request body is larger than 2048 bytes (KIMNET_MAX_BODY_BYTES)",
                    "extensions": {"code": "BODY_TOO_LARGE"},
                }
            ]
        }

        async def chunks():  # no Content-Length: the limit counts what arrives
            for _ in range(10):
                yield b" " * 512

        streamed = await client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        long_get = await client.get("/graphql", params={"query": "{ __typename }" + " " * 3000})
        assert long_get.status_code == 414
        assert (await client.post("/graphql", json=READ)).status_code == 200


async def test_the_rate_limit_is_per_client_with_retry_after(tmp_path: Path) -> None:
    async with served(settings(tmp_path, rate_limit=1.0, rate_burst=3)) as (client, _):
        answers = [await client.post("/graphql", json=READ) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[-1].headers["retry-after"] == "1"
        assert answers[-1].json()["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
        assert answers[-1].json()["errors"][0]["message"].startswith("too many requests: at most 1 per second on average")
        # Another client (a token's subject) has its own bucket; health checks are never limited.
        assert (await client.post("/graphql", json=READ, headers=bearer(Role.VIEWER, "someone-else"))).status_code == 200
        assert (await client.get("/healthz")).status_code == 200


async def test_guessing_tokens_is_rate_limited_by_address(tmp_path: Path) -> None:
    async with served(settings(tmp_path, rate_limit=1.0, rate_burst=2)) as (client, _):
        guesses = [await client.post("/graphql", json=READ, headers={"authorization": "Bearer guess"}) for _ in range(3)]
        assert [g.status_code for g in guesses] == [401, 401, 429]


async def test_metrics_are_in_prometheus_format(tmp_path: Path) -> None:
    async with served(settings(tmp_path)) as (client, _):
        await client.post("/graphql", json=READ)
        await client.post("/graphql", json={"query": 'mutation { deleteNeed(id: "need:sprache") { deletedKey } }'})
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        text = response.text
        for line in (
            'kimnet_http_requests_total{method="POST",route="/graphql",status="200"} 1.0',
            'kimnet_http_requests_total{method="POST",route="/graphql",status="403"} 1.0',
            'kimnet_graphql_errors_total{code="FORBIDDEN"} 1.0',
            "kimnet_store_ready 1.0",
        ):
            assert line in text
        assert 'kimnet_http_request_duration_seconds_bucket{le="0.25",route="/graphql"}' in text
        assert 'kimnet_store_round_trips_total{store="embedded"}' in text
        assert "process_resident_memory_bytes" in text


async def test_metrics_count_how_the_read_index_was_made(tmp_path: Path) -> None:
    gaps = {"query": '{ coverageGaps(asOf: "2021-07-01") { need { key } } }'}
    rename = {
        "query": 'mutation { updateNeed(id: "need:sprache", version: 1, input: {name: "Sprache (neu)"}) { errors { code } } }'
    }
    async with served(settings(tmp_path)) as (client, _):
        assert (await client.post("/graphql", json=gaps)).status_code == 200  # read from the store
        answer = await client.post("/graphql", json=rename, headers=bearer(Role.ADMIN, "ada"))
        assert answer.json() == {"data": {"updateNeed": {"errors": []}}}
        assert (await client.post("/graphql", json=gaps)).status_code == 200  # the write followed
        text = (await client.get("/metrics")).text
    for line in (
        'kimnet_index_generations_total{how="read"} 1.0',
        'kimnet_index_generations_total{how="followed"} 1.0',
        'kimnet_index_generations_total{how="discarded"} 0.0',
        "kimnet_index_outside_writes_total 0.0",
    ):
        assert line in text


async def test_production_does_not_name_the_process_that_answered(tmp_path: Path) -> None:
    async with served(settings(tmp_path, env="production")) as (client, _):
        response = await client.post("/graphql", json=READ, headers=bearer(Role.VIEWER))
        assert response.status_code == 200
        assert "x-kimnet-worker" not in response.headers
        assert response.headers["x-request-id"]


async def test_every_log_line_is_json_with_the_request_id(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with served(settings(tmp_path)) as (client, _):
        response = await client.post("/graphql?secret=x", json=READ, headers={"x-request-id": "trace-42"})
        assert response.headers["x-request-id"] == "trace-42"
        assert response.headers["x-kimnet-worker"] == str(os.getpid())  # the process that answered
        generated = await client.post("/graphql", json=READ, headers={"x-request-id": "not ok!\n"})
        assert len(generated.headers["x-request-id"]) == 32
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "kimnet.http"]
    traced = next(line for line in lines if line.get("request_id") == "trace-42")
    assert traced["message"] == "POST /graphql 200"
    assert (traced["method"], traced["route"], traced["status"], traced["client"]) == ("POST", "/graphql", 200, "127.0.0.1")
    assert traced["duration_ms"] >= 0
    assert not any("secret=x" in json.dumps(line) for line in lines)  # query strings are never logged


async def test_a_store_that_stops_answering_is_503_and_retriable_then_recovers(tmp_path: Path) -> None:
    async with served(settings(tmp_path)) as (client, app):
        store = app.state.store
        healthy_ping = store.ping

        async def down(*args: object, **kwargs: object) -> object:
            raise StoreUnavailableError("Neo4j is unavailable (test)")

        store._nodes_of_kind, store.ping = down, down
        failed = await client.post("/graphql", json=READ)
        assert failed.status_code == 503
        assert failed.headers["retry-after"] == "2"
        error = failed.json()["errors"][0]
        assert error["message"].startswith("database unavailable: the store does not answer; retry in a few seconds")
        assert error["extensions"] == {"code": "DATABASE_UNAVAILABLE", "retriable": True}
        assert (await client.get("/readyz")).status_code == 503
        fast = await client.post("/graphql", json=READ)  # not ready: refused at once
        assert fast.status_code == 503
        del store._nodes_of_kind
        store.ping = healthy_ping
        readiness = app.state.readiness
        for _ in range(100):
            if readiness.ready:
                break
            await asyncio.sleep(0.05)
        assert (await client.get("/readyz")).json() == {"status": "ready", "store": "embedded"}
        assert (await client.post("/graphql", json=READ)).status_code == 200
