"""Scoped tokens: a partner's organisations and a coordinator's region, made by the CLI, checked by the server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jwt
import pytest

from kimnet.graph.model.errors import UnauthenticatedError
from kimnet.schema.access import Role
from kimnet.service.auth import Authenticator
from kimnet.service.cli import main
from kimnet.service.config import Secret, Settings
from tests.service.hardening import SECRET, served, settings


def _create(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("KIMNET_JWT_SECRET", SECRET)
    code = main(["token", "create", *args])
    out, err = capsys.readouterr()
    return code, out.strip(), err


def _claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, SECRET, algorithms=["HS256"], audience="kimnet"))


def test_a_partner_token_names_its_organisations(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, token, _ = _create(
        monkeypatch, capsys, "--role", "partner", "--org", "org:caritas-coesfeld", "--org", "org:drk-kv-coesfeld"
    )
    assert code == 0
    claims = _claims(token)
    assert claims["role"] == "partner"
    assert claims["orgs"] == ["org:caritas-coesfeld", "org:drk-kv-coesfeld"]
    assert claims["sub"] == "partner org:caritas-coesfeld org:drk-kv-coesfeld"
    principal = Authenticator(Settings(jwt_secret=Secret(SECRET))).principal(f"Bearer {token}")
    assert principal.role is Role.PARTNER
    assert principal.orgs == frozenset({"org:caritas-coesfeld", "org:drk-kv-coesfeld"})


def test_a_coordinator_token_may_name_a_region(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, token, _ = _create(monkeypatch, capsys, "--role", "coordinator", "--subject", "ki", "--region", "reg:kreis-coesfeld")
    assert code == 0
    assert _claims(token)["region"] == "reg:kreis-coesfeld"
    principal = Authenticator(Settings(jwt_secret=Secret(SECRET))).principal(f"Bearer {token}")
    assert principal.region == "reg:kreis-coesfeld"
    assert principal.scoped


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "partner"], "--subject is needed"),
        (["--role", "partner", "--subject", "p"], "must name the organisations it speaks for"),
        (["--role", "viewer", "--subject", "v", "--org", "org:caritas-coesfeld"], "only a partner's token names organisations"),
        (["--role", "partner", "--org", "caritas"], "orgs must be a list of organisation keys"),
        (["--role", "partner", "--org", "org:a", "--region", "reg:kreis-coesfeld"], "only a coordinator's token names a region"),
        (
            ["--role", "coordinator", "--subject", "c", "--region", "Kreis Coesfeld"],
            "region must be a region or municipality key",
        ),
    ],
    ids=["partner-without-orgs", "partner-with-subject-only", "viewer-with-orgs", "bad-org-key", "partner-region", "bad-region"],
)
def test_a_scope_the_role_cannot_carry_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, token, err = _create(monkeypatch, capsys, *args)
    assert code == 2
    assert token == ""
    assert message in err


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"role": "partner"}, "must name the organisations"),
        ({"role": "partner", "orgs": "org:caritas-coesfeld"}, "orgs must be a list"),
        ({"role": "caseworker", "orgs": ["org:caritas-coesfeld"]}, "only a partner's token"),
        ({"role": "admin", "region": "reg:kreis-coesfeld"}, "only a coordinator's token names a region"),
    ],
    ids=["partner-without-orgs", "orgs-not-a-list", "caseworker-with-orgs", "admin-with-region"],
)
def test_the_server_refuses_tokens_whose_scope_does_not_fit_the_role(claims: dict[str, object], message: str) -> None:
    now = dt.datetime.now(dt.UTC)
    token = jwt.encode({"sub": "x", "aud": "kimnet", "exp": now + dt.timedelta(hours=1), **claims}, SECRET, algorithm="HS256")
    with pytest.raises(UnauthenticatedError, match=message):
        Authenticator(Settings(jwt_secret=Secret(SECRET))).principal(f"Bearer {token}")


async def test_over_http_a_partner_proposes_and_is_refused_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, token, _ = _create(monkeypatch, capsys, "--role", "partner", "--org", "org:caritas-coesfeld")
    headers = {"authorization": f"Bearer {token}"}
    own = 'mutation { updateService(id: "svc:ds-coaching-cv", version: 1, input: {fte: 0.5}) { entity { key } proposal { status } } }'
    other = 'mutation { updateService(id: "svc:ds-coaching-drk", version: 1, input: {fte: 0.5}) { entity { key } proposal { status } } }'
    async with served(settings(tmp_path, env="production")) as (client, _):
        proposed = (await client.post("/graphql", json={"query": own}, headers=headers)).json()
        assert proposed == {"data": {"updateService": {"entity": None, "proposal": {"status": "PENDING"}}}}
        refused = (await client.post("/graphql", json={"query": other}, headers=headers)).json()
        assert refused["data"] is None  # the payload is non-null, so the refusal nulls the answer
        assert refused["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
        assert "svc:ds-coaching-drk is not an offer of your organisations" in refused["errors"][0]["message"]
