"""Token details: clock skew, exact roles and claim types, keys and secrets that start-up refuses."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kimnet.graph.model.errors import UnauthenticatedError
from kimnet.schema.access import Role
from kimnet.service.app import create_app
from kimnet.service.auth import LEEWAY, Authenticator, check_secret
from kimnet.service.config import Secret, Settings
from tests.service.hardening import SECRET

AUTH = Authenticator(Settings(jwt_secret=Secret(SECRET)))


def _claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"sub": "x", "role": "admin", "aud": "kimnet", "exp": int(time.time()) + 600}
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def _principal(**changes: Any) -> Any:
    return AUTH.principal("Bearer " + jwt.encode(_claims(**changes), SECRET))


def _refusal(**changes: Any) -> str:
    with pytest.raises(UnauthenticatedError) as caught:
        _principal(**changes)
    return str(caught.value)


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_a_token_from_a_clock_a_little_ahead_is_accepted(claim: str) -> None:
    now = int(time.time())
    assert _principal(**{claim: now + 1}).role is Role.ADMIN
    assert _principal(**{claim: now + LEEWAY - 5}).role is Role.ADMIN


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_a_token_from_the_future_says_so(claim: str) -> None:
    message = _refusal(**{claim: int(time.time()) + LEEWAY + 120})
    assert "not valid yet" in message
    assert "signature" not in message


def test_a_token_expired_within_the_leeway_is_accepted_and_beyond_it_refused() -> None:
    now = int(time.time())
    assert _principal(exp=now - 5).subject == "x"
    assert "has expired" in _refusal(exp=now - LEEWAY - 60)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"sub": 42}, "sub must be a string"),
        ({"sub": ["x"]}, "sub must be a string"),
        ({"sub": " "}, "sub must be a string"),
        # Far ahead: the list is made when the module is collected, maybe many minutes before the test runs.
        ({"exp": str(int(time.time()) + 10 * 365 * 86400)}, "exp must be a number"),
        ({"iat": "yesterday"}, "must be numbers"),
        ({"nbf": "1"}, "nbf must be a number"),
        ({"role": ["admin"]}, "role must be a string"),
    ],
    ids=["sub-number", "sub-list", "sub-blank", "exp-text", "iat-text", "nbf-text", "role-list"],
)
def test_a_claim_of_the_wrong_type_is_named(changes: dict[str, Any], words: str) -> None:
    message = _refusal(**changes)
    assert words in message
    assert "signature" not in message


@pytest.mark.parametrize("role", ["ADMIN", "Admin", "admin\n", " admin", "admın", "ADMİN", "admin\x00", "administrator", ""])
def test_only_the_exact_role_names_are_roles(role: str) -> None:
    assert "is not a role" in _refusal(role=role)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_name_is_accepted_as_written(role: Role) -> None:
    scope = {"orgs": ["org:geba"]} if role is Role.PARTNER else {}  # a partner speaks for organisations
    assert _principal(role=role.label, **scope).role is role


@pytest.mark.parametrize(
    "secret",
    [" " * 32, " " * 64, "a" * 31 + "b", "ab" * 16, "password" * 4, "kimnet-kimnet-kimnet-kimnet-kimn", "0" * 64],
    ids=["spaces", "many-spaces", "one-letter", "two-letters", "a-word", "name", "zeros"],
)
def test_a_secret_with_too_little_entropy_is_refused(secret: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too little entropy") as caught:
        create_app(Settings(env="production", data_dir=tmp_path, jwt_secret=Secret(secret)))
    assert secret.strip() == "" or secret not in str(caught.value)


@pytest.mark.parametrize(
    "secret",
    [SECRET, "f869387ffbe7aee5618a0c60ae0ebd4f2fa993b5fd0073a030723a701c37ebab", "7624cb770d6aa2f81b15b45137853288"],
)
def test_generated_and_test_secrets_are_accepted(secret: str) -> None:
    check_secret(secret)


@pytest.mark.parametrize(
    "content",
    [b"", b"not a key\n", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "ec"],
    ids=["empty", "text", "broken-pem", "ec-key"],
)
def test_a_public_key_file_without_an_rsa_key_stops_the_start(content: bytes | str, tmp_path: Path) -> None:
    path = tmp_path / "public.pem"
    if content == "ec":
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        content = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert isinstance(content, bytes)
    path.write_bytes(content)
    with pytest.raises(ValueError, match="KIMNET_JWT_PUBLIC_KEY_FILE"):
        create_app(Settings(env="production", data_dir=tmp_path / "data", jwt_public_key=path))


def test_a_readable_rsa_public_key_is_taken(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "public.pem"
    path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    auth = Authenticator(Settings(env="production", jwt_public_key=path))
    token = jwt.encode(_claims(role="viewer"), key, algorithm="RS256")
    assert auth.principal(f"Bearer {token}").role is Role.VIEWER


def test_a_wrong_role_is_named_shortly_with_the_roles_there_are() -> None:
    with pytest.raises(ValueError, match="is not a role") as caught:
        Role.parse("root")
    assert str(caught.value) == "'root' is not a role; use one of viewer, partner, caseworker, coordinator, admin"
    with pytest.raises(ValueError, match="is not a role") as long:
        Role.parse("r" * 50)
    assert str(long.value).startswith(repr("r" * 40) + " is not a role")
