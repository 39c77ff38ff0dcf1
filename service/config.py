"""Configuration, read once from the environment and the command line, typed.

Every setting has an environment variable (``KIMNET_*``); command-line options
override it. Secrets are wrapped in ``Secret`` so that a printed ``Settings``
never shows them.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from kimnet.schema.limits import Limits

__all__ = ["DEFAULT_SEED", "VARIABLES", "Secret", "Settings", "Variable"]

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

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


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
        """Read the ``KIMNET_*`` variables (``VARIABLES``), then apply ``overrides`` that are not None.

        A variable that is unset or empty leaves its setting at the default.

        Raises:
            ValueError: a variable has a value kimnet cannot use (the message names it and says what it takes).
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        limits: dict[str, Any] = {}
        for variable in VARIABLES:
            raw = env.get(variable.name, "")
            if not raw.strip():
                continue
            try:
                value = variable.read(raw)
            except ValueError as exc:
                raise ValueError(f"{variable.name} {exc}, not {raw[:60]!r}") from None
            section, _, name = variable.attribute.rpartition(".")
            (limits if section == "limits" else values)[name] = value
        if limits:
            values["limits"] = replace(Limits(), **limits)
        settings = cls(**values)
        given = {k: v for k, v in overrides.items() if v is not None}
        if isinstance(given.get("neo4j_password"), str):
            given["neo4j_password"] = Secret(given["neo4j_password"])
        return replace(settings, **given)

    def to_env(self) -> dict[str, str]:
        """The variables that give these settings: what a worker process reads its settings from."""
        found = {}
        for variable in VARIABLES:
            value: Any = self
            for part in variable.attribute.split("."):
                value = getattr(value, part)
            if value is not None:
                found[variable.name] = variable.write(value)
        return found

    @property
    def backend(self) -> Literal["embedded", "neo4j"]:
        return "neo4j" if self.neo4j_uri else "embedded"

    @property
    def production(self) -> bool:
        return self.env == "production"


def _number(kind: type[int] | type[float], low: float, high: float | None = None) -> Callable[[str], Any]:
    """A reader of whole (``int``) or any numbers from ``low`` up (to ``high``)."""

    def read(raw: str) -> Any:
        try:
            value = kind(raw)
        except ValueError:
            raise ValueError(f"must be a {'whole ' if kind is int else ''}number") from None
        if value < low or (high is not None and value > high):
            raise ValueError(f"must be between {low:g} and {high:g}" if high is not None else f"must be at least {low:g}")
        return value

    return read


def _choice(*allowed: str) -> Callable[[str], str]:
    def read(raw: str) -> str:
        if raw not in allowed:
            raise ValueError(f"must be {' or '.join(allowed)}")
        return raw

    return read


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
            raise ValueError(f"must list IP addresses or networks (10.0.0.5, 10.0.0.0/8); {part[:60]!r} is neither") from None
        found.append(part)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Variable:
    """One ``KIMNET_*`` variable: the setting it gives, how its text is read and how it is written back."""

    name: str
    #: The ``Settings`` attribute (``limits.max_depth`` for a limit).
    attribute: str
    #: Text to value; raises ValueError("must be ...") for text it cannot take.
    read: Callable[[str], Any] = str
    write: Callable[[Any], str] = str


def _reveal(secret: Secret) -> str:
    return secret.reveal()


#: Every variable kimnet reads, in one place; the README's Configuration section lists them.
VARIABLES: tuple[Variable, ...] = (
    Variable("KIMNET_ENV", "env", _choice("development", "production")),
    Variable("KIMNET_HOST", "host"),
    Variable("KIMNET_PORT", "port", _number(int, 0, 65535)),
    Variable("KIMNET_DATA_DIR", "data_dir", Path),
    Variable("KIMNET_SEED", "seed", Path),
    Variable("KIMNET_NEO4J_URI", "neo4j_uri"),
    Variable("KIMNET_NEO4J_USER", "neo4j_user"),
    Variable("KIMNET_NEO4J_PASSWORD", "neo4j_password", Secret, _reveal),
    Variable("KIMNET_NEO4J_DATABASE", "neo4j_database"),
    Variable("KIMNET_LOG_LEVEL", "log_level", str.lower),
    Variable("KIMNET_LOG_FORMAT", "log_format", _choice("json", "text")),
    Variable("KIMNET_JWT_SECRET", "jwt_secret", Secret, _reveal),
    Variable("KIMNET_JWT_PUBLIC_KEY_FILE", "jwt_public_key", Path),
    Variable("KIMNET_JWT_AUDIENCE", "jwt_audience"),
    Variable("KIMNET_MAX_DEPTH", "limits.max_depth", _number(int, 1)),
    Variable("KIMNET_MAX_ALIASES", "limits.max_aliases", _number(int, 0)),
    Variable("KIMNET_MAX_TOKENS", "limits.max_tokens", _number(int, 10)),
    Variable("KIMNET_MAX_COST", "limits.max_cost", _number(int, 1)),
    Variable("KIMNET_MAX_PAGE_SIZE", "limits.max_page_size", _number(int, 1, 500)),
    Variable("KIMNET_MAX_STRING_LENGTH", "limits.max_string_length", _number(int, 1)),
    Variable("KIMNET_MAX_LIST_LENGTH", "limits.max_list_length", _number(int, 1)),
    Variable("KIMNET_MAX_INPUT_DEPTH", "limits.max_input_depth", _number(int, 1)),
    Variable("KIMNET_MAX_BODY_BYTES", "max_body_bytes", _number(int, 1024)),
    Variable("KIMNET_RATE_LIMIT", "rate_limit", _number(float, 0)),
    Variable("KIMNET_RATE_BURST", "rate_burst", _number(int, 1)),
    Variable("KIMNET_NEO4J_TIMEOUT", "neo4j_timeout", _number(float, 0.1)),
    Variable("KIMNET_SHUTDOWN_TIMEOUT", "shutdown_timeout", _number(float, 0)),
    Variable("KIMNET_REQUEST_TIMEOUT", "request_timeout", _number(float, 0.1)),
    Variable("KIMNET_WORKERS", "workers", _number(int, 1)),
    Variable("KIMNET_HEADER_TIMEOUT", "header_timeout", _number(float, 0.1)),
    Variable("KIMNET_BODY_TIMEOUT", "body_timeout", _number(float, 0.1)),
    Variable("KIMNET_MAX_CONNECTIONS", "max_connections", _number(int, 1)),
    Variable("KIMNET_TRUSTED_PROXIES", "trusted_proxies", _proxies, ",".join),
)
