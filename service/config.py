"""Configuration, read once from the environment and the command line, typed.

Every setting has an environment variable (``KIMNET_*``); command-line options
override it. Secrets are wrapped in ``Secret`` so that a printed ``Settings``
never shows them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

__all__ = ["DEFAULT_SEED", "Secret", "Settings"]

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
        settings = cls(**values)
        given = {k: v for k, v in overrides.items() if v is not None}
        if isinstance(given.get("neo4j_password"), str):
            given["neo4j_password"] = Secret(given["neo4j_password"])
        return replace(settings, **given)

    @property
    def backend(self) -> Literal["embedded", "neo4j"]:
        return "neo4j" if self.neo4j_uri else "embedded"
