"""Access over HTTP: tokens, roles, and the two modes (development and production)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kimnet.schema.access import Role
from kimnet.service.app import create_app
from kimnet.service.auth import Authenticator, create_token
from kimnet.service.config import Secret, Settings
from kimnet.service.server import check_listen_address
from tests.service.hardening import SECRET, bearer, served, settings

READ = {"query": "{ municipalities { totalCount } }"}
CREATE = {"query": 'mutation { createNeed(input: {key: "need:via-http", name: "HTTP"}) { entity { key } errors { message } } }'}
INTROSPECT = {"query": "{ __schema { queryType { name } } }"}


async def test_development_lets_anonymous_callers_read_but_not_write(tmp_path: Path) -> None:
    async with served(settings(tmp_path)) as (client, _):
        assert (await client.post("/graphql", json=READ)).json() == {"data": {"municipalities": {"totalCount": 11}}}
        refused = await client.post("/graphql", json=CREATE)
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
        created = await client.post("/graphql", json=CREATE, headers=bearer(Role.COORDINATOR))
        assert created.json() == {"data": {"createNeed": {"entity": {"key": "need:via-http"}, "errors": []}}}
        assert "graphiql" in (await client.get("/graphql", headers={"accept": "text/html"})).text.lower()
        assert (await client.post("/graphql", json=INTROSPECT)).json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_production_needs_a_token_on_every_request(tmp_path: Path) -> None:
    async with served(settings(tmp_path, env="production")) as (client, _):
        for response in (
            await client.post("/graphql", json=READ),
            await client.get("/graphql", params=READ),
            await client.get("/metrics"),
        ):
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == 'Bearer realm="kimnet"'
            assert response.json() == {
                "errors": [
                    {
                        "message": "this server needs a token: send the header Authorization: Bearer <token>",
                        "extensions": {"code": "UNAUTHENTICATED"},
                    }
                ]
            }
        ok = await client.post("/graphql", json=READ, headers=bearer(Role.VIEWER))
        assert ok.json() == {"data": {"municipalities": {"totalCount": 11}}}
        # Orchestrators probe without tokens.
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).json() == {"status": "ready", "store": "embedded"}


async def test_production_turns_off_introspection_graphiql_and_suggestions(tmp_path: Path) -> None:
    async with served(settings(tmp_path, env="production")) as (client, _):
        viewer = bearer(Role.ADMIN)
        introspection = await client.post("/graphql", json=INTROSPECT, headers=viewer)
        assert "introspection has been disabled" in introspection.json()["errors"][0]["message"]
        page = await client.get("/graphql", headers={**viewer, "accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        typo = await client.post("/graphql", json={"query": "{ municipalitis { totalCount } }"}, headers=viewer)
        assert typo.json()["errors"][0]["message"] == "Cannot query field 'municipalitis' on type 'Query'."
        enum = await client.post(
            "/graphql", json={"query": '{ neighbourhood(id: "mun:olfen", relationships: [PART_O]) { centre } }'}, headers=viewer
        )
        assert "Did you mean" not in json.dumps(enum.json())


async def test_production_masks_internal_errors_and_store_details(tmp_path: Path) -> None:
    async with served(settings(tmp_path, env="production")) as (client, app):

        async def broken(*args: object, **kwargs: object) -> object:
            raise RuntimeError("secret detail: /var/lib/kimnet")

        app.state.store._nodes_of_kind = broken
        response = await client.post("/graphql", json=READ, headers=bearer(Role.VIEWER))
        assert response.json()["errors"][0]["message"] == "internal error; it has been logged"
        assert response.json()["errors"][0]["extensions"] == {"code": "INTERNAL"}
        assert "secret detail" not in response.text


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Basic dXNlcjpwYXNz", "the Authorization header must be 'Bearer <token>'"),
        ("Bearer not-a-jwt", "the bearer token is not a JWT"),
        (
            "Bearer "
            + jwt.encode(
                {"sub": "x", "role": "admin", "aud": "kimnet", "exp": 9999999999}, "another-secret-that-is-long-enough!!"
            ),
            "the bearer token's signature does not match",
        ),
        (
            "Bearer " + jwt.encode({"sub": "x", "role": "admin", "aud": "kimnet", "exp": 9999999999}, None, algorithm="none"),
            "tokens signed with none are not accepted here; use HS256",
        ),
        (
            "Bearer " + jwt.encode({"sub": "x", "role": "admin", "aud": "kimnet", "exp": 1}, SECRET),
            "the bearer token has expired",
        ),
        (
            "Bearer " + jwt.encode({"sub": "x", "role": "admin", "aud": "other", "exp": 9999999999}, SECRET),
            "the bearer token is not for this service (aud must be kimnet)",
        ),
        ("Bearer " + jwt.encode({"sub": "x", "role": "admin", "aud": "kimnet"}, SECRET), "the bearer token lacks the claim exp"),
        (
            "Bearer " + jwt.encode({"sub": "x", "role": "root", "aud": "kimnet", "exp": 9999999999}, SECRET),
            "the bearer token's role: 'root' is not a role",
        ),
    ],
    ids=["basic", "garbage", "wrong-key", "alg-none", "expired", "wrong-audience", "no-expiry", "unknown-role"],
)
async def test_bad_tokens_are_refused_with_a_reason(tmp_path: Path, header: str, message: str) -> None:
    async with served(settings(tmp_path)) as (client, _):
        response = await client.post("/graphql", json=READ, headers={"authorization": header})
        assert response.status_code == 401
        assert response.json()["errors"][0]["message"].startswith(message)
        assert header.split(" ", 1)[1][:20] not in response.text


async def test_rs256_tokens_are_checked_with_the_public_key(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path / "private.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public = tmp_path / "public.pem"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    config = settings(tmp_path / "data", env="production", jwt_secret=Secret(""), jwt_public_key=public)
    signed = create_token(config, Role.CASEWORKER, "rita", dt.timedelta(minutes=5), private)
    async with served(config) as (client, _):
        ok = await client.post("/graphql", json=READ, headers={"authorization": f"Bearer {signed}"})
        assert ok.status_code == 200
        # The public key must not double as an HS256 secret (algorithm confusion).
        forged = jwt.encode({"sub": "x", "role": "admin", "aud": "kimnet", "exp": 9999999999}, "x" * 40)
        refused = await client.post("/graphql", json=READ, headers={"authorization": f"Bearer {forged}"})
        assert refused.json()["errors"][0]["message"] == "tokens signed with HS256 are not accepted here; use RS256"


def test_settings_that_cannot_work_are_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="production mode needs tokens: set KIMNET_JWT_SECRET"):
        create_app(Settings(env="production", data_dir=tmp_path))
    with pytest.raises(ValueError, match="KIMNET_JWT_SECRET must be at least 32 characters long"):
        Authenticator(Settings(jwt_secret=Secret("short")))
    with pytest.raises(ValueError, match="development mode lets anyone read without a token, so it listens on loopback only"):
        check_listen_address(Settings(host="0.0.0.0"))
    check_listen_address(Settings(host="::1"))
    check_listen_address(Settings(host="0.0.0.0", env="production"))


def test_token_create_prints_a_token_with_the_role() -> None:
    env = {**os.environ, "KIMNET_JWT_SECRET": SECRET}
    result = subprocess.run(
        [sys.executable, "-m", "kimnet.service.cli", "token", "create", "--role", "caseworker", "--subject", "carla"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    claims = jwt.decode(result.stdout.strip(), SECRET, algorithms=["HS256"], audience="kimnet")
    assert (claims["sub"], claims["role"]) == ("carla", "caseworker")
    assert 7.9 * 3600 < claims["exp"] - claims["iat"] <= 8 * 3600
    missing = subprocess.run(
        [sys.executable, "-m", "kimnet.service.cli", "token", "create", "--role", "admin", "--subject", "x"],
        capture_output=True,
        text=True,
        env={k: v for k, v in env.items() if k != "KIMNET_JWT_SECRET"},
        timeout=60,
    )
    assert missing.returncode == 2
    assert "set KIMNET_JWT_SECRET (HS256), or pass --private-key FILE (RS256), to sign tokens" in missing.stderr
    bad_role = subprocess.run(
        [sys.executable, "-m", "kimnet.service.cli", "token", "create", "--role", "root", "--subject", "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad_role.returncode == 2
    assert "'root' is not a role; use one of viewer, partner, caseworker, coordinator, admin" in bad_role.stderr
