"""What a committed write did, step by step, and the keys it names: the pure helpers of graph/model/changes.py."""

from __future__ import annotations

import dataclasses

import pytest

from kimnet.graph.model.changes import Change, CreateNode, DeleteNode, Link, Step, Unlink, UpdateNode, keys_of, steps
from kimnet.graph.model.kinds import Edge, Node

KURS = Node("Service", "svc:kurs", {"name": "Kurs"})
BERATUNG = Node("Service", "svc:beratung", {"name": "Beratung"})
PROVIDES = Edge("PROVIDES", "org:vhs", "svc:kurs")
AVAILABLE = Edge("AVAILABLE_IN", "svc:kurs", "mun:olfen")


def test_creates_updates_and_links_put_deletes_and_unlinks_remove() -> None:
    changes: list[Change] = [
        CreateNode(KURS),
        UpdateNode("svc:beratung", 1, {"name": "Beratung"}),
        Link(PROVIDES),
        DeleteNode("svc:beratung"),
        Unlink("AVAILABLE_IN", "svc:kurs", "mun:olfen"),
    ]
    results = [KURS, BERATUNG, PROVIDES, BERATUNG, AVAILABLE]
    assert steps(changes, results) == [
        Step("put", KURS),
        Step("put", BERATUNG),
        Step("put", PROVIDES),
        Step("remove", BERATUNG),
        Step("remove", AVAILABLE),
    ]


def test_steps_need_one_result_per_change() -> None:
    with pytest.raises(ValueError, match="shorter"):
        steps([CreateNode(KURS), Link(PROVIDES)], [KURS])


def test_a_step_cannot_be_changed_once_recorded() -> None:
    step = Step("put", KURS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.op = "remove"  # type: ignore[misc]


def test_the_keys_of_a_write_are_every_entity_it_names_once_in_order() -> None:
    changes: list[Change] = [
        Link(PROVIDES),
        Link(AVAILABLE),
        Unlink("COOPERATES_WITH", "org:vhs", "org:caritas"),
        Unlink("MEMBER_OF", "org:awo", "wg:integration"),
        CreateNode(BERATUNG),
        UpdateNode("svc:kurs", 1, {}),
        DeleteNode("mun:alt"),
    ]
    assert keys_of(changes) == [
        "org:vhs",
        "svc:kurs",
        "mun:olfen",
        "org:caritas",
        "org:awo",
        "wg:integration",
        "svc:beratung",
        "mun:alt",
    ]
