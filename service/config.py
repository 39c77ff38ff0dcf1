"""Configuration, read once from the environment and the command line, typed.

Every setting has an environment variable (``KIMNET_*``); command-line options
override it. Secrets are wrapped in ``Secret`` so that a printed ``Settings``
never shows them.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from kimnet.schema.limits import Limits

__all__ = ["DEFAULT_SEED", "LIMIT_VARIABLES", "Secret", "Settings"]

#: The Coesfeld network that ships with kimnet; ``serve`` loads it into an empty store.
DEFAULT_SEED = Path(__file__).resolve().parent.parent / "seeds" / "coesfeld"


class Secret:
    """A string that does not show itself in ``repr`` or ``str``."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kimnet"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything kimnet can be configured with."""

    env: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = field(default_factory=_default_data_dir)
    seed: Path = DEFAULT_SEED
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: Secret = field(default_factory=lambda: Secret(""))
    neo4j_database: str | None = None
    log_level: str = "info"
    #: json (one object per line, for log collectors) or text (for a terminal).
    log_format: Literal["json", "text"] = "json"
    #: HS256 tokens are signed with this secret (at least 32 characters) ...
    jwt_secret: Secret = field(default_factory=lambda: Secret(""))
    #: ... or RS256 tokens are checked with this PEM public key file.
    jwt_public_key: Path | None = None
    #: The ``aud`` claim every token must carry.
    jwt_audience: str = "kimnet"
    limits: Limits = field(default_factory=Limits)
    #: Largest request body (and GET query string), in bytes.
    max_body_bytes: int = 1_000_000
    #: Requests per second per client (token subject, else address) on average; 0 turns it off.
    rate_limit: float = 50.0
    #: Requests a client may send at once above the average.
    rate_burst: int = 200
    #: Seconds after which Neo4j ends a request's transaction (and the driver stops retrying one).
    neo4j_timeout: float = 10.0
    #: Seconds a request's questions may take before they are stopped (extensions.code TIMEOUT).
    request_timeout: float = 30.0
    #: Seconds that in-flight requests get to finish after SIGTERM.
    shutdown_timeout: float = 30.0
    #: Server processes (Neo4j only: the service is stateless there; the embedded store is one process's).
    workers: int = 1
    #: Seconds a client has to send a request's headers (then 408 and the connection is closed).
    header_timeout: float = 10.0
    #: Seconds a client has to send a request's body once its headers are in (then 408).
    body_timeout: float = 30.0
    #: Connections (and requests in flight) one server process takes at once; more get 503.
    max_connections: int = 1000
    #: Addresses or networks of reverse proxies whose X-Forwarded-For and -Proto are believed; none by default.
    trusted_proxies: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``KIMNET_*`` variables, then apply ``overrides`` that are not None.

        Raises:
            ValueError: a variable has a value kimnet cannot use (the message names it).
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if "KIMNET_ENV" in env:
            if env["KIMNET_ENV"] not in ("development", "production"):
                raise ValueError(f"KIMNET_ENV must be development or production, not {env['KIMNET_ENV']!r}")
            values["env"] = env["KIMNET_ENV"]
        if "KIMNET_HOST" in env:
            values["host"] = env["KIMNET_HOST"]
        if "KIMNET_PORT" in env:
            try:
                values["port"] = int(env["KIMNET_PORT"])
            except ValueError:
                raise ValueError(f"KIMNET_PORT must be a port number, not {env['KIMNET_PORT']!r}") from None
        if env.get("KIMNET_DATA_DIR"):
            values["data_dir"] = Path(env["KIMNET_DATA_DIR"])
        if env.get("KIMNET_SEED"):
            values["seed"] = Path(env["KIMNET_SEED"])
        if env.get("KIMNET_NEO4J_URI"):
            values["neo4j_uri"] = env["KIMNET_NEO4J_URI"]
        if env.get("KIMNET_NEO4J_USER"):
            values["neo4j_user"] = env["KIMNET_NEO4J_USER"]
        if "KIMNET_NEO4J_PASSWORD" in env:
            values["neo4j_password"] = Secret(env["KIMNET_NEO4J_PASSWORD"])
        if env.get("KIMNET_NEO4J_DATABASE"):
            values["neo4j_database"] = env["KIMNET_NEO4J_DATABASE"]
        if env.get("KIMNET_LOG_LEVEL"):
            values["log_level"] = env["KIMNET_LOG_LEVEL"].lower()
        values.update(_hardening(env))
        settings = cls(**values)
        given = {k: v for k, v in overrides.items() if v is not None}
        if isinstance(given.get("neo4j_password"), str):
            given["neo4j_password"] = Secret(given["neo4j_password"])
        return replace(settings, **given)

    @property
    def backend(self) -> Literal["embedded", "neo4j"]:
        return "neo4j" if self.neo4j_uri else "embedded"

    @property
    def production(self) -> bool:
        return self.env == "production"


#: The variable of each limit in ``Limits``, with the smallest value that makes sense.
LIMIT_VARIABLES = {
    "max_depth": ("KIMNET_MAX_DEPTH", 1),
    "max_aliases": ("KIMNET_MAX_ALIASES", 0),
    "max_tokens": ("KIMNET_MAX_TOKENS", 10),
    "max_cost": ("KIMNET_MAX_COST", 1),
    "max_page_size": ("KIMNET_MAX_PAGE_SIZE", 1),
    "max_string_length": ("KIMNET_MAX_STRING_LENGTH", 1),
    "max_list_length": ("KIMNET_MAX_LIST_LENGTH", 1),
    "max_input_depth": ("KIMNET_MAX_INPUT_DEPTH", 1),
}


def _number(env: Mapping[str, str], name: str, kind: type[int] | type[float], low: float, high: float | None = None) -> Any:
    raw = env[name]
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a {'whole ' if kind is int else ''}number, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise ValueError(f"{name} must be {bound}, not {raw!r}")
    return value


def _hardening(env: Mapping[str, str]) -> dict[str, Any]:
    """Read the variables of access, limits, logs and timeouts."""
    values: dict[str, Any] = {}
    if env.get("KIMNET_LOG_FORMAT"):
        if env["KIMNET_LOG_FORMAT"] not in ("json", "text"):
            raise ValueError(f"KIMNET_LOG_FORMAT must be json or text, not {env['KIMNET_LOG_FORMAT']!r}")
        values["log_format"] = env["KIMNET_LOG_FORMAT"]
    if "KIMNET_JWT_SECRET" in env:
        values["jwt_secret"] = Secret(env["KIMNET_JWT_SECRET"])
    if env.get("KIMNET_JWT_PUBLIC_KEY_FILE"):
        values["jwt_public_key"] = Path(env["KIMNET_JWT_PUBLIC_KEY_FILE"])
    if env.get("KIMNET_JWT_AUDIENCE"):
        values["jwt_audience"] = env["KIMNET_JWT_AUDIENCE"]
    limits = {
        attr: _number(env, name, int, low, 500 if attr == "max_page_size" else None)
        for attr, (name, low) in LIMIT_VARIABLES.items()
        if env.get(name)
    }
    if limits:
        values["limits"] = replace(Limits(), **limits)
    for attr, name, kind, low in (
        ("max_body_bytes", "KIMNET_MAX_BODY_BYTES", int, 1024),
        ("rate_limit", "KIMNET_RATE_LIMIT", float, 0),
        ("rate_burst", "KIMNET_RATE_BURST", int, 1),
        ("neo4j_timeout", "KIMNET_NEO4J_TIMEOUT", float, 0.1),
        ("shutdown_timeout", "KIMNET_SHUTDOWN_TIMEOUT", float, 0),
        ("request_timeout", "KIMNET_REQUEST_TIMEOUT", float, 0.1),
        ("workers", "KIMNET_WORKERS", int, 1),
        ("header_timeout", "KIMNET_HEADER_TIMEOUT", float, 0.1),
        ("body_timeout", "KIMNET_BODY_TIMEOUT", float, 0.1),
        ("max_connections", "KIMNET_MAX_CONNECTIONS", int, 1),
    ):
        if env.get(name):
            values[attr] = _number(env, name, kind, low)
    if env.get("KIMNET_TRUSTED_PROXIES", "").strip():
        values["trusted_proxies"] = _proxies(env["KIMNET_TRUSTED_PROXIES"])
    return values


def _proxies(raw: str) -> tuple[str, ...]:
    """Read ``KIMNET_TRUSTED_PROXIES``: addresses or networks, separated by commas.

    >>> _proxies("10.0.0.5, 192.168.0.0/24")
    ('10.0.0.5', '192.168.0.0/24')
    """
    found = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ValueError(
                f"KIMNET_TRUSTED_PROXIES must list IP addresses or networks (10.0.0.5, 10.0.0.0/8), not {part[:60]!r}"
            ) from None
        found.append(part)
    return tuple(found)
