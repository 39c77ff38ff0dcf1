"""Bearer tokens: JWTs that name a subject and a role.

A token is signed with HS256 and ``KIMNET_JWT_SECRET``, or with RS256 and a
private key whose public half is ``KIMNET_JWT_PUBLIC_KEY_FILE``. It must carry
``sub`` (who), ``role`` (viewer, caseworker, coordinator or admin), ``aud``
(``KIMNET_JWT_AUDIENCE``, default kimnet) and ``exp``. The key is chosen by
the algorithm kimnet was configured with, never by the token, so a token
cannot pick a weaker check (no ``none``, no HS256 signed with the public key).

In production every request needs a valid token. In development (which listens
on loopback only) a request without one comes from the person at the keyboard,
who may ask every read question, the referral included, and change nothing; a
request with a token is checked all the same.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jwt

from kimnet.graph.errors import UnauthenticatedError
from kimnet.schema.access import KEYBOARD, Principal, Role
from kimnet.service.config import Settings

__all__ = ["MIN_SECRET_LENGTH", "Authenticator", "create_token"]

#: HS256 secrets shorter than this are refused: they can be guessed offline from one token.
MIN_SECRET_LENGTH = 32

_CLAIMS = ["exp", "sub", "role", "aud"]


class Authenticator:
    """Turns an ``Authorization`` header into the request's principal."""

    def __init__(self, settings: Settings) -> None:
        """Read the keys from ``settings``.

        Raises:
            ValueError: a secret that is too short, a public key file that cannot be read,
                or production mode without any key.
        """
        self.production = settings.production
        self.audience = settings.jwt_audience
        self._keys: dict[str, str | bytes] = {}
        secret = settings.jwt_secret.reveal()
        if secret:
            if len(secret) < MIN_SECRET_LENGTH:
                raise ValueError(f"KIMNET_JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters long")
            self._keys["HS256"] = secret
        if settings.jwt_public_key is not None:
            try:
                self._keys["RS256"] = settings.jwt_public_key.read_bytes()
            except OSError as exc:
                raise ValueError(f"KIMNET_JWT_PUBLIC_KEY_FILE {settings.jwt_public_key} cannot be read: {exc.strerror}") from None
        if self.production and not self._keys:
            raise ValueError("production mode needs tokens: set KIMNET_JWT_SECRET (HS256) or KIMNET_JWT_PUBLIC_KEY_FILE (RS256)")

    def principal(self, authorization: str | None) -> Principal:
        """Return who sends a request with this ``Authorization`` header.

        Raises:
            UnauthenticatedError: no token in production, or a token that is not valid here
                (the message says why, never echoing the token).
        """
        if not authorization:
            if self.production:
                raise UnauthenticatedError("this server needs a token: send the header Authorization: Bearer <token>")
            return KEYBOARD
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthenticatedError("the Authorization header must be 'Bearer <token>'")
        if not self._keys:
            raise UnauthenticatedError(
                "this server has no key to check tokens; set KIMNET_JWT_SECRET or KIMNET_JWT_PUBLIC_KEY_FILE"
            )
        token = token.strip()
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.InvalidTokenError:
            raise UnauthenticatedError("the bearer token is not a JWT") from None
        key = self._keys.get(str(algorithm))
        if key is None:
            accepted = " or ".join(sorted(self._keys))
            raise UnauthenticatedError(f"tokens signed with {str(algorithm)[:20]} are not accepted here; use {accepted}")
        try:
            claims = jwt.decode(token, key, algorithms=[str(algorithm)], audience=self.audience, options={"require": _CLAIMS})
        except jwt.ExpiredSignatureError:
            raise UnauthenticatedError("the bearer token has expired; get a new one (kimnet token create)") from None
        except jwt.InvalidAudienceError:
            raise UnauthenticatedError(f"the bearer token is not for this service (aud must be {self.audience})") from None
        except jwt.MissingRequiredClaimError as exc:
            raise UnauthenticatedError(f"the bearer token lacks the claim {exc.claim}") from None
        except jwt.InvalidTokenError:
            raise UnauthenticatedError(
                "the bearer token's signature does not match; get a token signed with this server's key"
            ) from None
        subject, role = claims.get("sub"), claims.get("role")
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 200:
            raise UnauthenticatedError("the bearer token's sub must be a name of at most 200 characters")
        try:
            return Principal(subject, Role.parse(str(role)))
        except ValueError as exc:
            raise UnauthenticatedError(f"the bearer token's role: {exc}") from None


def create_token(settings: Settings, role: Role, subject: str, ttl: dt.timedelta, private_key: Path | None = None) -> str:
    """Return a token for ``subject`` with ``role``, valid for ``ttl``.

    Signed with RS256 and ``private_key`` if given, else with HS256 and the
    configured secret.

    Raises:
        ValueError: no key to sign with, a short secret, or an unreadable key file.
    """
    if not subject.strip() or len(subject) > 200:
        raise ValueError("--subject must be a name of 1 to 200 characters")
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": subject, "role": role.label, "aud": settings.jwt_audience, "iat": now, "exp": now + ttl}
    if private_key is not None:
        try:
            pem = private_key.read_bytes()
        except OSError as exc:
            raise ValueError(f"--private-key {private_key} cannot be read: {exc.strerror}") from None
        return jwt.encode(claims, pem, algorithm="RS256")
    secret = settings.jwt_secret.reveal()
    if not secret:
        raise ValueError("set KIMNET_JWT_SECRET (HS256), or pass --private-key FILE (RS256), to sign tokens")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"KIMNET_JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters long")
    return jwt.encode(claims, secret, algorithm="HS256")
