"""Bearer tokens: JWTs that name a subject and a role.

A token is signed with HS256 and ``KIMNET_JWT_SECRET``, or with RS256 and a
private key whose public half is ``KIMNET_JWT_PUBLIC_KEY_FILE``. It must carry
``sub`` (who), ``role`` (viewer, caseworker, coordinator or admin), ``aud``
(``KIMNET_JWT_AUDIENCE``, default kimnet) and ``exp``. The key is chosen by
the algorithm kimnet was configured with, never by the token, so a token
cannot pick a weaker check (no ``none``, no HS256 signed with the public key).

A partner's token also carries ``orgs``, the keys of the organisations it
speaks for; a coordinator's may carry ``region``, the key of the region (or
municipality) its writes are limited to (``scope_claims``).

Checks are exact: the role is one of the names as written (``"ADMIN\n"`` or
``"admın"`` is no role), ``exp``, ``iat`` and ``nbf`` are numbers, ``sub`` is
a string. Clocks may differ by ``LEEWAY`` seconds. A secret must be long and
varied enough that it cannot be guessed offline from one token.

In production every request needs a valid token. In development (which listens
on loopback only) a request without one comes from the person at the keyboard,
who may ask every read question, the referral included, and change nothing; a
request with a token is checked all the same.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from kimnet.graph.model.errors import UnauthenticatedError
from kimnet.schema.access import KEYBOARD, Principal, Role
from kimnet.service.config import Settings

__all__ = [
    "LEEWAY",
    "MIN_SECRET_BITS",
    "MIN_SECRET_LENGTH",
    "Authenticator",
    "check_secret",
    "create_token",
    "scope_claims",
    "secret_bits",
]

#: HS256 secrets shorter than this are refused: they can be guessed offline from one token.
MIN_SECRET_LENGTH = 32
#: ... and so are secrets with less entropy than this, estimated by ``secret_bits``
#: (``openssl rand -hex 16`` gives 92 to 128 by that estimate; 32 spaces give 0).
MIN_SECRET_BITS = 80
#: ... or with fewer different characters than this (a word repeated to length).
MIN_SECRET_SYMBOLS = 8

#: Seconds by which the clocks of the token's issuer and of kimnet may differ (``exp``, ``nbf``, ``iat``).
LEEWAY = 60

_CLAIMS = ["exp", "sub", "role", "aud"]


def secret_bits(secret: str) -> float:
    """Estimate the entropy of ``secret`` in bits: its length times the Shannon entropy of its characters.

    >>> secret_bits(" " * 32), secret_bits("ab" * 16)
    (0.0, 32.0)
    """
    counts = Counter(secret)
    return sum(-n * math.log2(n / len(secret)) for n in counts.values()) + 0.0


def check_secret(secret: str) -> None:
    """Refuse an HS256 secret that could be guessed.

    Raises:
        ValueError: the secret is too short or too uniform (the message never shows it).
    """
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"KIMNET_JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters long")
    if len(set(secret)) < MIN_SECRET_SYMBOLS or secret_bits(secret) < MIN_SECRET_BITS:
        raise ValueError(
            "KIMNET_JWT_SECRET has too little entropy (too few different characters, or too many repeated); "
            "make one with: openssl rand -hex 32"
        )


def _public_key(path: Path) -> RSAPublicKey:
    """Read the RS256 public key in ``path``.

    Raises:
        ValueError: the file cannot be read or holds no RSA public key in PEM.
    """
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"KIMNET_JWT_PUBLIC_KEY_FILE {path} cannot be read: {exc.strerror}") from None
    try:
        key = load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise ValueError(f"KIMNET_JWT_PUBLIC_KEY_FILE {path} holds no PEM public key (-----BEGIN PUBLIC KEY-----)") from None
    if not isinstance(key, RSAPublicKey):
        raise ValueError(f"KIMNET_JWT_PUBLIC_KEY_FILE {path} holds a {type(key).__name__}, not an RSA public key (RS256)")
    return key


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
        self._keys: dict[str, str | RSAPublicKey] = {}
        secret = settings.jwt_secret.reveal()
        if secret:
            check_secret(secret)
            self._keys["HS256"] = secret
        if settings.jwt_public_key is not None:
            # Read and parsed here, so that a file holding no key stops the start, not every request.
            self._keys["RS256"] = _public_key(settings.jwt_public_key)
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
            claims = jwt.decode(
                token,
                key,
                algorithms=[str(algorithm)],
                audience=self.audience,
                leeway=LEEWAY,
                # sub is checked below, with a message of ours (PyJWT's check came in 2.10).
                options={"require": _CLAIMS, "verify_sub": False},
            )
        except jwt.ExpiredSignatureError:
            raise UnauthenticatedError("the bearer token has expired; get a new one (kimnet token create)") from None
        except jwt.ImmatureSignatureError:
            raise UnauthenticatedError(
                f"the bearer token is not valid yet: its nbf or iat is more than {LEEWAY} s ahead of this server's clock"
            ) from None
        except jwt.InvalidAudienceError:
            raise UnauthenticatedError(f"the bearer token is not for this service (aud must be {self.audience})") from None
        except jwt.MissingRequiredClaimError as exc:
            raise UnauthenticatedError(f"the bearer token lacks the claim {exc.claim}") from None
        except jwt.InvalidSignatureError:
            raise UnauthenticatedError(
                "the bearer token's signature does not match; get a token signed with this server's key"
            ) from None
        except (jwt.InvalidIssuedAtError, jwt.DecodeError):
            # A time claim that is no number, or a payload that is no JSON object: the issuer's mistake.
            raise UnauthenticatedError(
                "the bearer token's claims are malformed: exp, iat and nbf must be numbers (seconds since 1970)"
            ) from None
        except jwt.InvalidTokenError as exc:
            raise UnauthenticatedError(f"the bearer token is not valid here ({type(exc).__name__})") from None
        subject, role = _subject_and_role(claims)
        try:
            orgs, region = scope_claims(role, claims.get("orgs"), claims.get("region"))
        except ValueError as exc:
            raise UnauthenticatedError(f"the bearer token's scope: {exc}") from None
        return Principal(subject, role, orgs=orgs, region=region)


def _subject_and_role(claims: dict[str, object]) -> tuple[str, Role]:
    """Check the claims PyJWT reads loosely or not at all; return the subject and the role.

    Raises:
        UnauthenticatedError: the message names the claim and what it must be.
    """
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name)
        # PyJWT reads "exp": "99999999999" as a number; a token is exact or it is refused.
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise UnauthenticatedError(f"the bearer token's {name} must be a number (seconds since 1970), not text")
    subject, role = claims.get("sub"), claims.get("role")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 200:
        raise UnauthenticatedError("the bearer token's sub must be a string: a name of 1 to 200 characters")
    if not isinstance(role, str):
        raise UnauthenticatedError("the bearer token's role must be a string: viewer, partner, caseworker, coordinator or admin")
    try:
        return subject, Role.parse(role)
    except ValueError as exc:
        raise UnauthenticatedError(f"the bearer token's role: {exc}") from None


def create_token(
    settings: Settings,
    role: Role,
    subject: str,
    ttl: dt.timedelta,
    private_key: Path | None = None,
    orgs: Sequence[str] = (),
    region: str | None = None,
) -> str:
    """Return a token for ``subject`` with ``role``, valid for ``ttl``.

    Signed with RS256 and ``private_key`` if given, else with HS256 and the
    configured secret. A partner's token names its organisations (``orgs``),
    a coordinator's may name a ``region``.

    Raises:
        ValueError: no key to sign with, a short secret, an unreadable key file,
            or a scope the role cannot carry.
    """
    if not subject.strip() or len(subject) > 200:
        raise ValueError("--subject must be a name of 1 to 200 characters")
    scope_claims(role, list(orgs) if orgs else None, region)
    now = dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {"sub": subject, "role": role.label, "aud": settings.jwt_audience, "iat": now, "exp": now + ttl}
    if orgs:
        claims["orgs"] = sorted(set(orgs))
    if region is not None:
        claims["region"] = region
    if private_key is not None:
        try:
            pem = private_key.read_bytes()
        except OSError as exc:
            raise ValueError(f"--private-key {private_key} cannot be read: {exc.strerror}") from None
        return jwt.encode(claims, pem, algorithm="RS256")
    secret = settings.jwt_secret.reveal()
    if not secret:
        raise ValueError("set KIMNET_JWT_SECRET (HS256), or pass --private-key FILE (RS256), to sign tokens")
    check_secret(secret)
    return jwt.encode(claims, secret, algorithm="HS256")


# -- scoped tokens: a partner's organisations, a coordinator's region ---------------

#: Most organisations one partner token may speak for (an umbrella body and its members).
MAX_ORGS = 50

_ORG_KEY = re.compile(r"org:[a-z0-9][a-z0-9-]{0,99}")
_PLACE_KEY = re.compile(r"(reg|mun):[a-z0-9][a-z0-9-]{0,99}")


def scope_claims(role: Role, orgs: object, region: object) -> tuple[frozenset[str], str | None]:
    """Check a token's ``orgs`` and ``region`` claims against its role; return them.

    A partner must name 1 to 50 organisation keys and no region; a coordinator
    may name one region or municipality key and no organisations; other roles
    name neither (a scope they cannot use would look like a limit that is not there).

    Raises:
        ValueError: the message says which claim is wrong and how.
    """
    if orgs is not None:
        if role != Role.PARTNER:
            raise ValueError(f"only a partner's token names organisations (orgs), not a {role.label}'s")
        if not isinstance(orgs, list) or not all(isinstance(o, str) and _ORG_KEY.fullmatch(o) for o in orgs):
            raise ValueError("orgs must be a list of organisation keys such as org:caritas-coesfeld")
        if not 0 < len(orgs) <= MAX_ORGS:
            raise ValueError(f"orgs must name 1 to {MAX_ORGS} organisations")
    elif role == Role.PARTNER:
        raise ValueError("a partner's token must name the organisations it speaks for (orgs)")
    if region is not None:
        if role != Role.COORDINATOR:
            raise ValueError(f"only a coordinator's token names a region, not a {role.label}'s")
        if not isinstance(region, str) or not _PLACE_KEY.fullmatch(region):
            raise ValueError("region must be a region or municipality key such as reg:kreis-coesfeld")
    return frozenset(orgs or ()), region if isinstance(region, str) else None
