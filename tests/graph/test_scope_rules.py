"""The scope rules as pure functions: what a partner's organisations and a coordinator's region let a write change.

The schema tests (tests/schema/test_scope.py) send these writes through the API
on both stores; here each rule is met at its edges, with the facts given directly.
"""

from __future__ import annotations

import dataclasses

import pytest

from kimnet.graph.model.changes import Change, CreateNode, DeleteNode, Link, Unlink, UpdateNode
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.rules.scope import Facts, kind_of, links_of, partner_refusals, region_refusals

CARITAS = frozenset({"org:caritas"})
# svc:beratung is Caritas' offer, svc:sprachkurs the VHS's.
FACTS = Facts(providers={"svc:beratung": frozenset({"org:caritas"}), "svc:sprachkurs": frozenset({"org:vhs"})})


def _partner(*changes: Change, orgs: frozenset[str] = CARITAS) -> list[str]:
    return partner_refusals(list(changes), orgs, FACTS)


def _offer(key: str) -> CreateNode:
    return CreateNode(Node("Service", key, {"name": "Angebot"}))


def _link(type_: str, source: str, target: str) -> Link:
    return Link(Edge(type_, source, target))


def test_kinds_are_read_from_the_keys_prefix() -> None:
    assert [kind_of(k) for k in ("svc:beratung", "org:caritas", "mun:olfen", "nothing", "xyz:1")] == [
        "Service",
        "Organisation",
        "Municipality",
        None,
        None,
    ]


def test_links_of_a_write_are_its_new_relationships_stored_the_way_round_they_are_kept() -> None:
    changes: list[Change] = [
        _link("COOPERATES_WITH", "org:vhs", "org:caritas"),
        Unlink("PROVIDES", "org:caritas", "svc:beratung"),
        _link("PROVIDES", "org:caritas", "svc:neu"),
    ]
    assert links_of(changes) == [("COOPERATES_WITH", "org:caritas", "org:vhs"), ("PROVIDES", "org:caritas", "svc:neu")]


def test_a_partner_creates_offers_only_and_only_ones_their_organisation_provides() -> None:
    assert _partner(_offer("svc:neu"), _link("PROVIDES", "org:caritas", "svc:neu")) == []
    assert _partner(_offer("svc:neu"), _link("PROVIDES", "org:vhs", "svc:neu")) == [
        "the new offer svc:neu must be provided by one of your organisations (org:caritas)",
        "PROVIDES org:vhs -> svc:neu belongs to org:vhs, not to your organisations (org:caritas)",
    ]
    assert _partner(_offer("svc:neu")) == ["the new offer svc:neu must be provided by one of your organisations (org:caritas)"]
    created = CreateNode(Node("Organisation", "org:neu", {"name": "Neu"}))
    assert _partner(created) == ["a partner may create offers only, not a Organisation (org:neu)"]


def test_providing_an_offer_that_already_exists_does_not_make_it_new() -> None:
    # Only an offer created in the same write becomes the partner's by their PROVIDES.
    assert _partner(_link("PROVIDES", "org:caritas", "svc:sprachkurs"), UpdateNode("svc:sprachkurs", 1, {"name": "X"})) == [
        "svc:sprachkurs is not an offer of your organisations (org:caritas)"
    ]


def test_a_partner_updates_and_deletes_their_own_offers_only() -> None:
    assert _partner(UpdateNode("svc:beratung", 1, {"name": "X"}), DeleteNode("svc:beratung", 1)) == []
    assert _partner(UpdateNode("svc:sprachkurs", 1, {"name": "X"})) == [
        "svc:sprachkurs is not an offer of your organisations (org:caritas)"
    ]
    assert _partner(DeleteNode("svc:sprachkurs")) == ["svc:sprachkurs is not an offer of your organisations (org:caritas)"]
    assert _partner(DeleteNode("svc:unbekannt")) == ["svc:unbekannt is not an offer of your organisations (org:caritas)"]


def test_a_partner_updates_their_own_organisation_but_never_deletes_it_nor_changes_other_kinds() -> None:
    assert _partner(UpdateNode("org:caritas", 1, {"name": "X"})) == []
    assert _partner(UpdateNode("org:vhs", 1, {"name": "X"})) == ["org:vhs is not one of your organisations (org:caritas)"]
    assert _partner(DeleteNode("org:caritas", 1)) == ["a partner may not change org:caritas"]
    assert _partner(UpdateNode("need:sprache", 1, {"name": "X"})) == ["a partner may not change need:sprache"]


def test_a_partner_speaking_for_several_organisations_is_named_with_all_of_them() -> None:
    both = frozenset({"org:vhs", "org:caritas"})
    assert _partner(UpdateNode("svc:sprachkurs", 1, {"name": "X"}), orgs=both) == []
    assert _partner(UpdateNode("org:awo", 1, {"name": "X"}), orgs=both) == [
        "org:awo is not one of your organisations (org:caritas, org:vhs)"
    ]


def test_a_cooperation_tie_needs_one_of_the_partners_organisations_at_either_end() -> None:
    assert _partner(_link("COOPERATES_WITH", "org:caritas", "org:vhs")) == []
    assert _partner(_link("COOPERATES_WITH", "org:awo", "org:caritas")) == []
    assert _partner(Unlink("COOPERATES_WITH", "org:vhs", "org:caritas")) == []
    assert _partner(_link("COOPERATES_WITH", "org:awo", "org:vhs")) == [
        "COOPERATES_WITH org:awo -> org:vhs is not a tie of your organisations (org:caritas)"
    ]


def test_an_organisations_own_relationships_belong_to_it() -> None:
    for type_, target in (("MEMBER_OF", "wg:integration"), ("LOCATED_IN", "mun:olfen"), ("PART_OF", "org:dachverband")):
        assert _partner(_link(type_, "org:caritas", target)) == []
        assert _partner(Unlink(type_, "org:caritas", target)) == []
        assert _partner(_link(type_, "org:vhs", target)) == [
            f"{type_} org:vhs -> {target} belongs to org:vhs, not to your organisations (org:caritas)"
        ]


def test_a_partner_may_stop_providing_an_offer_but_not_join_another_organisations() -> None:
    assert _partner(Unlink("PROVIDES", "org:caritas", "svc:sprachkurs")) == []
    assert _partner(_link("PROVIDES", "org:caritas", "svc:beratung")) == []
    assert _partner(_link("PROVIDES", "org:caritas", "svc:sprachkurs")) == [
        "svc:sprachkurs is not an offer of your organisations (org:caritas)"
    ]


def test_an_offers_own_relationships_belong_to_the_offer() -> None:
    for type_, target in (
        ("ADDRESSES", "need:sprache"),
        ("UNDER", "ld:sgb2"),
        ("AVAILABLE_IN", "mun:olfen"),
        ("FUNDED_BY", "prog:ki"),
    ):
        assert _partner(_link(type_, "svc:beratung", target), Unlink(type_, "svc:beratung", target)) == []
        assert _partner(_link(type_, "svc:sprachkurs", target)) == [
            "svc:sprachkurs is not an offer of your organisations (org:caritas)"
        ]


def test_relationships_of_no_organisation_and_no_offer_are_not_a_partners() -> None:
    assert _partner(_link("PART_OF", "mun:olfen", "reg:kreis")) == ["a partner may not change PART_OF mun:olfen -> reg:kreis"]
    assert _partner(_link("COVERS", "cm:sued", "mun:olfen")) == ["a partner may not change COVERS cm:sued -> mun:olfen"]
    # An organisation's relationship kind from an offer, an offer's from an organisation: neither owns it.
    assert _partner(_link("PROVIDES", "svc:beratung", "svc:x")) == ["a partner may not change PROVIDES svc:beratung -> svc:x"]
    assert _partner(_link("ADDRESSES", "org:caritas", "need:x")) == ["a partner may not change ADDRESSES org:caritas -> need:x"]


def test_a_refusal_is_given_once_however_often_the_write_earns_it() -> None:
    update = UpdateNode("svc:sprachkurs", 1, {"name": "X"})
    assert _partner(update, update, DeleteNode("svc:sprachkurs")) == [
        "svc:sprachkurs is not an offer of your organisations (org:caritas)"
    ]


SOUTH = "reg:sued"
# Olfen lies in the south region, Dülmen does not; svc:beratung is available in Olfen, org:vhs sits in Dülmen.
PLACES = Facts(
    places={
        "svc:beratung": frozenset({"mun:olfen"}),
        "org:vhs": frozenset({"mun:duelmen"}),
        "mun:olfen": frozenset({"mun:olfen"}),
        "mun:duelmen": frozenset({"mun:duelmen"}),
        "reg:sued": frozenset({"reg:sued"}),
    },
    in_region=frozenset({"mun:olfen", "reg:sued"}),
)


def _region(*changes: Change) -> list[str]:
    return region_refusals(list(changes), SOUTH, PLACES)


def test_a_coordinator_changes_entities_placed_in_their_region_only() -> None:
    assert _region(UpdateNode("svc:beratung", 1, {"name": "X"}), DeleteNode("mun:olfen"), UpdateNode("reg:sued", 1, {})) == []
    assert _region(UpdateNode("org:vhs", 1, {"name": "X"})) == ["org:vhs is not in your region reg:sued"]
    assert _region(DeleteNode("mun:duelmen")) == ["mun:duelmen is not in your region reg:sued"]
    # Needs, programmes and the like lie in no region: only a coordinator of the whole network changes them.
    assert _region(UpdateNode("need:sprache", 1, {"name": "X"})) == ["need:sprache is not in your region reg:sued"]


def test_a_new_entity_is_in_the_region_its_placing_relationship_names() -> None:
    offer, seat, post = (
        _offer("svc:neu"),
        CreateNode(Node("Organisation", "org:neu", {"name": "Neu"})),
        CreateNode(Node("CaseManager", "cm:neu", {"name": "Neu"})),
    )
    assert _region(offer, _link("AVAILABLE_IN", "svc:neu", "mun:olfen")) == []
    assert _region(seat, _link("LOCATED_IN", "org:neu", "mun:olfen")) == []
    assert _region(post, _link("COVERS", "cm:neu", "mun:olfen")) == []
    assert _region(offer, _link("AVAILABLE_IN", "svc:neu", "mun:duelmen")) == [
        "svc:neu is not in your region reg:sued",
        "AVAILABLE_IN svc:neu -> mun:duelmen has no end in your region reg:sued",
    ]
    # A relationship that does not place its source's kind places nothing.
    assert _region(seat, _link("COVERS", "org:neu", "mun:olfen")) == ["org:neu is not in your region reg:sued"]


def test_a_relationship_is_in_the_region_when_one_of_its_ends_is() -> None:
    assert _region(_link("AVAILABLE_IN", "svc:beratung", "mun:duelmen")) == []
    assert _region(_link("COOPERATES_WITH", "org:vhs", "mun:olfen")) == []
    assert _region(Unlink("LOCATED_IN", "org:vhs", "mun:olfen")) == []
    assert _region(_link("LOCATED_IN", "org:vhs", "mun:duelmen"), Unlink("LOCATED_IN", "org:vhs", "mun:duelmen")) == [
        "LOCATED_IN org:vhs -> mun:duelmen has no end in your region reg:sued"
    ]


def test_without_stored_facts_only_what_the_write_itself_brings_counts() -> None:
    # Nothing stored yet about these keys: the facts are empty, not missing.
    nothing = Facts()
    assert partner_refusals([_offer("svc:neu"), _link("PROVIDES", "org:caritas", "svc:neu")], CARITAS, nothing) == []
    assert partner_refusals([UpdateNode("svc:beratung", 1, {})], CARITAS, nothing) == [
        "svc:beratung is not an offer of your organisations (org:caritas)"
    ]
    assert region_refusals([UpdateNode("svc:beratung", 1, {})], SOUTH, nothing) == ["svc:beratung is not in your region reg:sued"]
    placed_only = Facts(places={"svc:beratung": frozenset({"mun:olfen"})})
    assert region_refusals([UpdateNode("svc:beratung", 1, {})], SOUTH, placed_only) == [
        "svc:beratung is not in your region reg:sued"
    ]
    region_only = Facts(in_region=frozenset({"mun:olfen"}))
    assert region_refusals([_offer("svc:neu"), _link("AVAILABLE_IN", "svc:neu", "mun:olfen")], SOUTH, region_only) == []


def test_facts_cannot_be_changed_by_the_rules_that_read_them() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        FACTS.in_region = frozenset({"reg:sued"})  # type: ignore[misc]
