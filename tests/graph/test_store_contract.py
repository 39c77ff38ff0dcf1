"""The store contract: every backend behaves the same for every primitive and error."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kimnet.graph.model.changes import CreateNode, DeleteNode, Link, Unlink, UpdateNode
from kimnet.graph.model.errors import DuplicateError, NotFoundError, StaleVersionError, ValidationError
from kimnet.graph.model.graphdata import GraphData, checksum
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.stores.store import Store

D = dt.date


def small_graph() -> GraphData:
    data = GraphData()
    for node in (
        Node("Region", "reg:kreis", {"name": "Kreis", "kind": "county"}),
        Node("Municipality", "mun:olfen", {"name": "Olfen", "ags": "05558036", "population": 12900}),
        Node("Municipality", "mun:senden", {"name": "Senden", "ags": "05558044", "population": 20700}),
        Node("Organisation", "org:a", {"name": "A", "kind": "welfare"}),
        Node("Organisation", "org:b", {"name": "B", "kind": "education"}),
        Node("Need", "need:work", {"name": "Arbeit"}),
        Node(
            "Service",
            "svc:old",
            {
                "name": "Alt",
                "validFrom": D(2020, 1, 1),
                "validTo": D(2022, 12, 31),
                "residenceStatuses": ("duldung",),
                "fte": 1.5,
            },
        ),
        Node("Service", "svc:new", {"name": "Neu", "validFrom": D(2023, 1, 1), "minAge": 18, "maxAge": 27}),
    ):
        data.nodes[node.id] = node
    for edge in (
        Edge("PART_OF", "mun:olfen", "reg:kreis"),
        Edge("PART_OF", "mun:senden", "reg:kreis", {"validTo": D(2021, 12, 31)}),
        Edge("PROVIDES", "org:a", "svc:old"),
        Edge("PROVIDES", "org:a", "svc:new"),
        Edge("ADDRESSES", "svc:old", "need:work"),
        Edge("ADDRESSES", "svc:new", "need:work"),
        Edge("COOPERATES_WITH", "org:a", "org:b", {"kind": "referral", "since": D(2019, 3, 1)}),
    ):
        data.edges[edge.key] = edge
    return data


@pytest.fixture
async def small(store: Store) -> Store:
    await store.replace_all(small_graph())
    store.round_trips = 0
    return store


async def test_replace_all_then_snapshot_gives_back_the_same_graph(small: Store) -> None:
    assert checksum(await small.snapshot()) == checksum(small_graph())
    counts = await small.counts()
    assert counts.nodes == {"Municipality": 2, "Need": 1, "Organisation": 2, "Region": 1, "Service": 2}
    assert counts.edges["PROVIDES"] == 2


async def test_values_keep_their_types(small: Store) -> None:
    node = (await small.get_nodes(["svc:old"]))["svc:old"]
    assert node.props["validFrom"] == D(2020, 1, 1)
    assert isinstance(node.props["validFrom"], dt.date)
    assert node.props["residenceStatuses"] == ("duldung",)
    assert node.props["fte"] == 1.5
    assert node.version == 1


async def test_get_nodes_returns_only_existing_ids_in_one_round_trip(small: Store) -> None:
    found = await small.get_nodes(["mun:olfen", "mun:nowhere", "org:a"])
    assert set(found) == {"mun:olfen", "org:a"}
    assert found["mun:olfen"].kind == "Municipality"
    assert small.round_trips == 1


async def test_nodes_of_kind_are_ordered_and_filtered_by_date(small: Store) -> None:
    assert [n.id for n in await small.nodes_of_kind("Service")] == ["svc:new", "svc:old"]
    assert [n.id for n in await small.nodes_of_kind("Service", D(2021, 6, 1))] == ["svc:old"]
    assert [n.id for n in await small.nodes_of_kind("Service", D(2023, 1, 1))] == ["svc:new"]


async def test_neighbours_are_batched_in_one_round_trip(small: Store) -> None:
    found = await small.neighbours(["org:a", "org:b", "org:none"], "PROVIDES", "out")
    assert small.round_trips == 1
    assert [n.id for _, n in found["org:a"]] == ["svc:new", "svc:old"]
    assert found["org:b"] == []
    assert found["org:none"] == []


async def test_neighbours_follow_direction(small: Store) -> None:
    into = await small.neighbours(["reg:kreis"], "PART_OF", "in")
    assert [n.id for _, n in into["reg:kreis"]] == ["mun:olfen", "mun:senden"]
    out = await small.neighbours(["mun:olfen"], "PART_OF", "out")
    assert [(e.source, e.target) for e, _ in out["mun:olfen"]] == [("mun:olfen", "reg:kreis")]
    assert (await small.neighbours(["mun:olfen"], "PART_OF", "in"))["mun:olfen"] == []


async def test_symmetric_cooperation_is_found_from_both_ends(small: Store) -> None:
    found = await small.neighbours(["org:a", "org:b"], "COOPERATES_WITH", "both")
    assert [n.id for _, n in found["org:a"]] == ["org:b"]
    assert [n.id for _, n in found["org:b"]] == ["org:a"]
    edge, _ = found["org:b"][0]
    assert edge.props == {"kind": "referral", "since": D(2019, 3, 1)}


async def test_neighbours_as_of_leave_out_invalid_edges_and_nodes(small: Store) -> None:
    in_2021 = await small.neighbours(["reg:kreis", "need:work"], "PART_OF", "in", as_of=D(2021, 6, 1))
    assert [n.id for _, n in in_2021["reg:kreis"]] == ["mun:olfen", "mun:senden"]
    in_2022 = await small.neighbours(["reg:kreis"], "PART_OF", "in", as_of=D(2022, 1, 1))
    assert [n.id for _, n in in_2022["reg:kreis"]] == ["mun:olfen"]
    offers = await small.neighbours(["need:work"], "ADDRESSES", "in", as_of=D(2022, 12, 31))
    assert [n.id for _, n in offers["need:work"]] == ["svc:old"]
    offers = await small.neighbours(["need:work"], "ADDRESSES", "in", as_of=D(2023, 1, 1))
    assert [n.id for _, n in offers["need:work"]] == ["svc:new"]


async def test_create_then_read(small: Store) -> None:
    [created] = await small.write([CreateNode(Node("Need", "need:housing", {"name": "Wohnen"}))])
    assert isinstance(created, Node)
    assert created.version == 1
    assert (await small.get_nodes(["need:housing"]))["need:housing"].props == {"name": "Wohnen"}


async def test_create_coerces_input_types(small: Store) -> None:
    await small.write([CreateNode(Node("Service", "svc:x", {"name": "X", "validFrom": "2021-05-01", "fte": 2}))])
    node = (await small.get_nodes(["svc:x"]))["svc:x"]
    assert node.props["validFrom"] == D(2021, 5, 1)
    assert node.props["fte"] == 2.0


async def test_update_needs_the_current_version(small: Store) -> None:
    [updated] = await small.write([UpdateNode("mun:olfen", 1, {"population": 13000})])
    assert isinstance(updated, Node)
    assert updated.version == 2
    with pytest.raises(StaleVersionError, match="version 2, not 1"):
        await small.write([UpdateNode("mun:olfen", 1, {"population": 1})])
    node = (await small.get_nodes(["mun:olfen"]))["mun:olfen"]
    assert (node.props["population"], node.version) == (13000, 2)


async def test_update_can_remove_optional_but_not_required_properties(small: Store) -> None:
    await small.write([UpdateNode("svc:old", 1, unset=("fte",))])
    assert "fte" not in (await small.get_nodes(["svc:old"]))["svc:old"].props
    with pytest.raises(ValidationError, match="field ags: is required and cannot be removed"):
        await small.write([UpdateNode("mun:olfen", 1, unset=("ags",))])


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (CreateNode(Node("Need", "need:work", {"name": "x"})), DuplicateError, "need:work exists already"),
        (CreateNode(Node("Planet", "pla:x", {"name": "x"})), ValidationError, "unknown node kind 'Planet'"),
        (CreateNode(Node("Need", "org:x", {"name": "x"})), ValidationError, "a Need id starts with 'need:'"),
        (CreateNode(Node("Need", "need:Bad Id", {"name": "x"})), ValidationError, "ids look like"),
        (CreateNode(Node("Municipality", "mun:x", {"name": "X", "population": 1})), ValidationError, "field ags: is required"),
        (CreateNode(Node("Need", "need:x", {"name": "x", "colour": "red"})), ValidationError, "field colour: is not a property"),
        (CreateNode(Node("Need", "need:x", {"name": 5})), ValidationError, "field name: must be a string"),
        (
            CreateNode(Node("Organisation", "org:x", {"name": "x", "kind": "pirate"})),
            ValidationError,
            "field kind: must be one of",
        ),
        (
            CreateNode(Node("Service", "svc:x", {"name": "x", "validFrom": D(2022, 1, 1), "validTo": D(2021, 1, 1)})),
            ValidationError,
            "field validTo: 2021-01-01 is before validFrom 2022-01-01",
        ),
        (CreateNode(Node("Service", "svc:x", {"name": "x", "minAge": 30, "maxAge": 18})), ValidationError, "maxAge: 18 is below"),
        (CreateNode(Node("Service", "svc:x", {"name": "x", "validFrom": "1.5.2021"})), ValidationError, "YYYY-MM-DD"),
        (UpdateNode("mun:nowhere", 1, {"population": 1}), NotFoundError, "no entity has the id mun:nowhere"),
        (UpdateNode("mun:olfen", 1, {"population": "many"}), ValidationError, "population: must be a whole number"),
        (DeleteNode("org:nobody"), NotFoundError, "no entity has the id org:nobody"),
        (Link(Edge("PROVIDES", "org:a", "svc:gone")), ValidationError, "svc:gone does not exist"),
        (Link(Edge("PROVIDES", "mun:olfen", "svc:old")), ValidationError, "PROVIDES cannot go from Municipality to Service"),
        (Link(Edge("LIKES", "org:a", "org:b")), ValidationError, "unknown relationship kind 'LIKES'"),
        (Link(Edge("PROVIDES", "org:a", "svc:old", {"validFrom": D(2020, 1, 1)})), DuplicateError, "already linked"),
        (Link(Edge("COOPERATES_WITH", "org:b", "org:a")), DuplicateError, "already linked"),
        (Link(Edge("MEMBER_OF", "org:a", "org:a")), ValidationError, "cannot be related to itself"),
        (Link(Edge("PART_OF", "mun:olfen", "reg:kreis", {"role": "x"})), ValidationError, "field role: is not a property"),
        (Unlink("PROVIDES", "org:b", "svc:old"), NotFoundError, "org:b is not linked to svc:old by PROVIDES"),
    ],
)
async def test_bad_writes_are_refused_with_a_clear_error_and_change_nothing(
    small: Store, change: object, error: type[Exception], message: str
) -> None:
    before = checksum(await small.snapshot())
    with pytest.raises(error, match=message):
        await small.write([change])  # type: ignore[list-item]
    assert checksum(await small.snapshot()) == before


async def test_a_write_is_applied_fully_or_not_at_all(small: Store) -> None:
    before = checksum(await small.snapshot())
    with pytest.raises(ValidationError):
        await small.write(
            [
                CreateNode(Node("Need", "need:housing", {"name": "Wohnen"})),
                UpdateNode("mun:olfen", 1, {"population": 1}),
                Link(Edge("ADDRESSES", "svc:old", "need:housing")),
                Link(Edge("ADDRESSES", "svc:old", "mun:olfen")),  # not allowed: the whole write fails
            ]
        )
    assert checksum(await small.snapshot()) == before


async def test_later_changes_of_a_write_see_the_earlier_ones(small: Store) -> None:
    await small.write(
        [
            CreateNode(Node("Need", "need:housing", {"name": "Wohnen"})),
            Link(Edge("ADDRESSES", "svc:old", "need:housing")),
            UpdateNode("need:housing", 1, {"description": "Wohnraum"}),
        ]
    )
    found = await small.neighbours(["svc:old"], "ADDRESSES", "out")
    assert [(n.id, n.version) for _, n in found["svc:old"]] == [("need:housing", 2), ("need:work", 1)]


async def test_link_and_unlink(small: Store) -> None:
    await small.write([CreateNode(Node("WorkingGroup", "wg:ag", {"name": "AG", "kind": "working-group"}))])
    [linked] = await small.write([Link(Edge("MEMBER_OF", "org:b", "wg:ag", {"role": "Sprecher", "since": "2020-02-01"}))])
    assert isinstance(linked, Edge)
    assert linked.props == {"role": "Sprecher", "since": D(2020, 2, 1)}
    members = await small.neighbours(["wg:ag"], "MEMBER_OF", "in")
    assert [(n.id, e.props["role"]) for e, n in members["wg:ag"]] == [("org:b", "Sprecher")]
    await small.write([Unlink("MEMBER_OF", "org:b", "wg:ag")])
    assert (await small.neighbours(["wg:ag"], "MEMBER_OF", "in"))["wg:ag"] == []


async def test_unlink_a_symmetric_relationship_from_either_end(small: Store) -> None:
    await small.write([Unlink("COOPERATES_WITH", "org:b", "org:a")])
    assert (await small.neighbours(["org:a"], "COOPERATES_WITH", "both"))["org:a"] == []


async def test_delete_removes_the_node_and_its_relationships(small: Store) -> None:
    await small.write([DeleteNode("org:a", expected_version=1)])
    assert await small.get_nodes(["org:a"]) == {}
    assert (await small.neighbours(["svc:old"], "PROVIDES", "in"))["svc:old"] == []
    assert (await small.neighbours(["org:b"], "COOPERATES_WITH", "both"))["org:b"] == []
    assert "PROVIDES" not in (await small.counts()).edges


async def test_delete_with_a_stale_version_is_refused(small: Store) -> None:
    await small.write([UpdateNode("org:a", 1, {"shortName": "A"})])
    with pytest.raises(StaleVersionError):
        await small.write([DeleteNode("org:a", expected_version=1)])
    assert "org:a" in await small.get_nodes(["org:a"])


async def test_is_empty(store: Store) -> None:
    assert await store.is_empty()
    await store.write([CreateNode(Node("Need", "need:x", {"name": "x"}))])
    assert not await store.is_empty()


async def test_unknown_kinds_in_reads_are_refused(small: Store) -> None:
    with pytest.raises(ValueError, match="unknown node kind"):
        await small.nodes_of_kind("Planet")
    with pytest.raises(ValueError, match="unknown relationship kind"):
        await small.neighbours(["org:a"], "LIKES", "out")


async def test_the_generation_changes_with_every_write_and_import_and_only_then(small: Store) -> None:
    first = await small.generation()
    assert await small.generation() == first  # reading changes nothing
    create = CreateNode(Node("Need", "need:housing", {"name": "Wohnen"}))
    await small.write([create])
    second = await small.generation()
    assert second != first
    await small.write([create])  # a replay: nothing changes
    assert await small.generation() == second
    with pytest.raises(NotFoundError):
        await small.write([DeleteNode("need:nowhere")])  # refused: nothing changes
    assert await small.generation() == second
    await small.write([Link(Edge("ADDRESSES", "svc:new", "need:housing"))])
    third = await small.generation()
    assert third not in (first, second)
    await small.replace_all(small_graph())
    assert await small.generation() not in (first, second, third)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            CreateNode(Node("Need", "need:work", {"name": "x"})),
            DuplicateError,
            "need:work exists already; choose another id or update it",
        ),
        # The same id as another kind (one the model knows or not) is a duplicate, not a replay.
        (
            CreateNode(Node("Programme", "need:work", {"name": "Arbeit"})),
            DuplicateError,
            "need:work exists already; choose another id or update it",
        ),
        (
            CreateNode(Node("Planet", "need:work", {"name": "Arbeit"})),
            DuplicateError,
            "need:work exists already; choose another id or update it",
        ),
        (
            UpdateNode("mun:nowhere", 1, {"population": 1}),
            NotFoundError,
            "no entity has the id mun:nowhere",
        ),
        (
            DeleteNode("org:a", expected_version=2),
            StaleVersionError,
            "org:a is at version 1, not 2: someone changed it since you read it; read it again",
        ),
        (
            UpdateNode("mun:olfen", 1, unset=("colour", "ags")),
            ValidationError,
            "cannot update mun:olfen: 2 problem(s); nothing was written\n"
            "  - entity mun:olfen, field colour: is not a property here\n"
            "  - entity mun:olfen, field ags: is required and cannot be removed",
        ),
        (
            CreateNode(Node("Planet", "pla:x", {"name": "x"})),
            ValidationError,
            "cannot create pla:x: 1 problem(s); nothing was written\n  - entity pla:x: unknown node kind 'Planet'; "
            "known: Organisation, Service, Programme, WorkingGroup, Municipality, Region, CaseManager, LegalDomain, Need",
        ),
        (
            CreateNode(Node("Need", "need:x", {"name": 5})),
            ValidationError,
            "cannot create need:x: 1 problem(s); nothing was written\n  - entity need:x, field name: must be a string, not int",
        ),
        (
            Link(Edge("MEMBER_OF", "org:a", "org:a")),
            ValidationError,
            "cannot link org:a to org:a: 2 problem(s); nothing was written\n"
            "  - entity MEMBER_OF org:a -> org:a: an entity cannot be related to itself\n"
            "  - entity MEMBER_OF org:a -> org:a: MEMBER_OF cannot go from Organisation to Organisation; "
            "allowed: Organisation->WorkingGroup",
        ),
        (
            Link(Edge("COOPERATES_WITH", "org:b", "org:a")),
            DuplicateError,
            "org:a is already linked to org:b by COOPERATES_WITH",
        ),
        (
            Link(Edge("PART_OF", "mun:olfen", "reg:kreis", {"role": "x"})),
            ValidationError,
            "cannot link mun:olfen to reg:kreis: 1 problem(s); nothing was written\n"
            "  - entity PART_OF mun:olfen -> reg:kreis, field role: is not a property here; "
            "known: illustrative, source, validFrom, validTo",
        ),
        (
            Unlink("PROVIDES", "org:b", "svc:old"),
            NotFoundError,
            "org:b is not linked to svc:old by PROVIDES",
        ),
    ],
)
async def test_a_refused_write_says_exactly_what_and_what_to_do(
    small: Store, change: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as refused:
        await small.write([change])  # type: ignore[list-item]
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "change",
    [
        CreateNode(Node("Need", "need:x", {"name": "x"})),
        UpdateNode("need:x", 1, {"name": "y"}),
        DeleteNode("need:x", 1),
        Link(Edge("ADDRESSES", "svc:old", "need:x")),
        Unlink("ADDRESSES", "svc:old", "need:x"),
    ],
)
def test_a_change_is_a_frozen_value(change: object) -> None:
    # A write is replayed as it was sent (after a lost acknowledgement) and recorded in the audit
    # trail: nothing may alter a change on its way.
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(change, dataclasses.fields(change)[0].name, None)  # type: ignore[arg-type]


async def test_a_delete_without_a_version_deletes_the_entity_at_any_version(small: Store) -> None:
    await small.write([UpdateNode("org:b", 1, {"shortName": "B"})])
    [deleted] = await small.write([DeleteNode("org:b")])
    assert isinstance(deleted, Node)
    assert (deleted.id, deleted.version) == ("org:b", 2)
    assert await small.get_nodes(["org:b"]) == {}
