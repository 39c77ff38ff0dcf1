"""Configuration is read one way: every KIMNET_* variable through the one table, and written back the same way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kimnet.schema.limits import Limits
from kimnet.service.config import VARIABLES, Settings

ROOT = Path(__file__).resolve().parents[2]

#: A value each variable takes, other than its default.
GIVEN = {
    "KIMNET_ENV": "production",
    "KIMNET_HOST": "0.0.0.0",
    "KIMNET_PORT": "8123",
    "KIMNET_DATA_DIR": "/srv/kimnet",
    "KIMNET_SEED": "/srv/seed",
    "KIMNET_NEO4J_URI": "bolt://db:7687",
    "KIMNET_NEO4J_USER": "reader",
    "KIMNET_NEO4J_PASSWORD": "geheim",
    "KIMNET_NEO4J_DATABASE": "kim",
    "KIMNET_LOG_LEVEL": "warning",
    "KIMNET_LOG_FORMAT": "text",
    "KIMNET_JWT_SECRET": "x" * 40,
    "KIMNET_JWT_PUBLIC_KEY_FILE": "/srv/key.pem",
    "KIMNET_JWT_AUDIENCE": "kreis",
    "KIMNET_MAX_DEPTH": "9",
    "KIMNET_MAX_ALIASES": "7",
    "KIMNET_MAX_TOKENS": "900",
    "KIMNET_MAX_COST": "1234",
    "KIMNET_MAX_PAGE_SIZE": "77",
    "KIMNET_MAX_STRING_LENGTH": "300",
    "KIMNET_MAX_LIST_LENGTH": "40",
    "KIMNET_MAX_INPUT_DEPTH": "4",
    "KIMNET_MAX_BODY_BYTES": "4096",
    "KIMNET_RATE_LIMIT": "2.5",
    "KIMNET_RATE_BURST": "9",
    "KIMNET_NEO4J_TIMEOUT": "3",
    "KIMNET_SHUTDOWN_TIMEOUT": "4",
    "KIMNET_REQUEST_TIMEOUT": "5",
    "KIMNET_WORKERS": "3",
    "KIMNET_HEADER_TIMEOUT": "6",
    "KIMNET_BODY_TIMEOUT": "7",
    "KIMNET_MAX_CONNECTIONS": "8",
    "KIMNET_TRUSTED_PROXIES": "10.0.0.5,192.168.0.0/24",
}


def test_every_variable_has_an_example_here() -> None:
    assert sorted(v.name for v in VARIABLES) == sorted(GIVEN)


@pytest.mark.parametrize("name", sorted(GIVEN))
def test_each_variable_changes_its_setting(name: str) -> None:
    assert Settings.from_env({name: GIVEN[name]}) != Settings.from_env({})


def test_what_is_read_is_what_a_worker_is_given() -> None:
    settings = Settings.from_env(GIVEN)
    assert settings.limits == Limits(
        max_depth=9,
        max_aliases=7,
        max_tokens=900,
        max_cost=1234,
        max_page_size=77,
        max_string_length=300,
        max_list_length=40,
        max_input_depth=4,
    )
    assert settings.trusted_proxies == ("10.0.0.5", "192.168.0.0/24")
    assert settings.neo4j_password.reveal() == "geheim"
    assert Settings.from_env(settings.to_env()) == settings


def test_options_of_the_command_line_reach_the_workers_too() -> None:
    settings = Settings.from_env({}, neo4j_uri="bolt://db:7687", port=9000, workers=2)
    env = settings.to_env()
    assert (env["KIMNET_NEO4J_URI"], env["KIMNET_PORT"], env["KIMNET_WORKERS"]) == ("bolt://db:7687", "9000", "2")


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("KIMNET_ENV", "staging", "KIMNET_ENV must be development or production, not 'staging'"),
        ("KIMNET_PORT", "acht", "KIMNET_PORT must be a whole number, not 'acht'"),
        ("KIMNET_PORT", "70000", "KIMNET_PORT must be between 0 and 65535, not '70000'"),
        ("KIMNET_MAX_PAGE_SIZE", "501", "KIMNET_MAX_PAGE_SIZE must be between 1 and 500, not '501'"),
        ("KIMNET_RATE_LIMIT", "-1", "KIMNET_RATE_LIMIT must be at least 0, not '-1'"),
        ("KIMNET_LOG_FORMAT", "xml", "KIMNET_LOG_FORMAT must be json or text, not 'xml'"),
        ("KIMNET_TRUSTED_PROXIES", "10.0.0.5, proxy", "KIMNET_TRUSTED_PROXIES must list IP addresses or networks"),
    ],
)
def test_a_value_kimnet_cannot_use_is_named_with_what_it_takes(name: str, raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Settings.from_env({name: raw})


def test_an_empty_variable_leaves_the_default() -> None:
    assert Settings.from_env(dict.fromkeys(GIVEN, "")) == Settings.from_env({})


def test_no_other_module_reads_the_environment() -> None:
    readers = []
    for folder in ("graph", "schema", "service"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if path.name != "config.py" and re.search(r"os\.environ\.get|os\.getenv|environ\[\"KIMNET", text):
                readers.append(str(path.relative_to(ROOT)))
    assert readers == []
