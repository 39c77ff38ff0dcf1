"""Seed files: what loads, and the clear error for every way they can be wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kimnet.graph.io.seedfile import load_seed_dir, parse_seed_files
from kimnet.graph.model.errors import SeedError

GOOD = {
    "regions.toml": """
[[Region]]
id = "reg:kreis"
name = "Kreis"
kind = "county"
""",
    "municipalities.toml": """
[[Municipality]]
id = "mun:olfen"
name = "Olfen"
ags = "05558036"
population = 12900
partOf = "reg:kreis"
""",
    "organisations.toml": """
[[Organisation]]
id = "org:a"
name = "A"
kind = "welfare"
locatedIn = "mun:olfen"
cooperatesWith = [{ id = "org:b", kind = "referral", since = 2019-03-01 }]

[[Organisation]]
id = "org:b"
name = "B"
kind = "education"
""",
    "services.toml": """
[[Service]]
id = "svc:x"
name = "X"
validFrom = 2021-05-01
validTo = 2022-12-31
residenceStatuses = ["duldung", "gestattung"]
providedBy = ["org:a", "org:b"]
availableIn = "reg:kreis"
""",
}


def _with(file: str, text: str) -> dict[str, str]:
    return {**GOOD, file: GOOD.get(file, "") + text}


def test_a_good_seed_loads_with_typed_values_and_relationships_in_both_writings() -> None:
    data = parse_seed_files(GOOD)
    assert set(data.nodes) == {"reg:kreis", "mun:olfen", "org:a", "org:b", "svc:x"}
    assert data.nodes["svc:x"].props["validTo"] == dt.date(2022, 12, 31)
    assert data.nodes["svc:x"].props["residenceStatuses"] == ("duldung", "gestattung")
    assert ("PROVIDES", "org:b", "svc:x") in data.edges  # written on the service, stored from the provider
    assert data.edges[("COOPERATES_WITH", "org:a", "org:b")].props == {"kind": "referral", "since": dt.date(2019, 3, 1)}


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        ("extra.toml", "[[Planet]]\nid = 'pla:x'\nname = 'x'\n", "extra.toml: unknown node kind 'Planet'"),
        ("extra.toml", "[[Need]]\nname = 'x'\n", "extra.toml, field id: Need number 1 has no id"),
        ("extra.toml", "[[Need]]\nid = 'need:x'\n", "extra.toml, entity need:x, field name: is required"),
        (
            "extra.toml",
            "[[Need]]\nid = 'need:x'\nname = 'x'\ncolour = 'red'\n",
            "extra.toml, entity need:x, field colour: is not a property",
        ),
        (
            "extra.toml",
            "[[Need]]\nid = 'mun:x'\nname = 'x'\n",
            "extra.toml, entity mun:x, field id: a Need id starts with 'need:'",
        ),
        (
            "extra.toml",
            "[[Region]]\nid = 'reg:kreis'\nname = 'x'\nkind = 'county'\n",
            "extra.toml, entity reg:kreis, field id: duplicate id; first defined in regions.toml",
        ),
        (
            "extra.toml",
            "[[Municipality]]\nid = 'mun:x'\nname = 'x'\nags = '123'\npopulation = 5\n",
            "entity mun:x, field ags: must be 8 digits",
        ),
        (
            "extra.toml",
            "[[Municipality]]\nid = 'mun:x'\nname = 'x'\nags = '05558000'\npopulation = 'many'\n",
            "field population: must be a whole number",
        ),
        (
            "extra.toml",
            "[[Service]]\nid = 'svc:y'\nname = 'y'\nvalidFrom = 2022-01-01\nvalidTo = 2021-12-31\n",
            "extra.toml, entity svc:y, field validTo: 2021-12-31 is before validFrom 2022-01-01",
        ),
        (
            "extra.toml",
            "[[Service]]\nid = 'svc:y'\nname = 'y'\nprovidedBy = 'org:ghost'\n",
            "extra.toml, entity svc:y, field providedBy: source org:ghost does not exist",
        ),
        (
            "extra.toml",
            "[[Service]]\nid = 'svc:y'\nname = 'y'\navailableIn = 'org:a'\n",
            "extra.toml, entity svc:y, field availableIn: AVAILABLE_IN cannot go from Service to Organisation",
        ),
        (
            "extra.toml",
            "[[Organisation]]\nid = 'org:c'\nname = 'c'\nkind = 'welfare'\nprovides = ['svc:x']\n[[Service]]\nid = 'svc:z'\nname = 'z'\nprovidedBy = ['org:c', 'org:c']\n",
            "field providedBy: PROVIDES to org:c is written twice",
        ),
        (
            "extra.toml",
            "[[Organisation]]\nid = 'org:c'\nname = 'c'\nkind = 'welfare'\nmemberOf = [{ id = 'org:a', role = 5 }]\n",
            "entity org:c, field memberOf: role must be a string",
        ),
        (
            "extra.toml",
            "[[Service]]\nid = 'svc:y'\nname = 'y'\nresidenceStatuses = ['tourist']\n",
            "residenceStatuses: may hold only",
        ),
        ("extra.toml", "[[Need]\nid = 'need:x'\n", "extra.toml: is not valid TOML"),
        (
            "services.toml",
            "\n[[Service]]\nid = 'svc:w'\nname = 'w'\navailableIn = [5]\n",
            "field availableIn: holds an id, a list of ids, or tables with an id",
        ),
    ],
)
def test_every_problem_names_file_entity_and_field(file: str, text: str, expected: str) -> None:
    with pytest.raises(SeedError) as raised:
        parse_seed_files(_with(file, text))
    assert expected in str(raised.value)
    assert "nothing was written" in str(raised.value)


def test_all_problems_are_reported_at_once() -> None:
    bad = _with("extra.toml", "[[Need]]\nid = 'need:x'\n[[Need]]\nid = 'need:y'\nname = 1\n")
    with pytest.raises(SeedError) as raised:
        parse_seed_files(bad)
    assert len(raised.value.problems) == 2


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="is not a folder with seed files"):
        load_seed_dir(tmp_path / "nowhere")
