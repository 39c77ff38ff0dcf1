"""The plain data the rules read: an offer's links, where a municipality lies, and what a catalogue holds."""

from __future__ import annotations

import dataclasses

import pytest

from kimnet.graph.model.kinds import Node
from kimnet.graph.rules.catalogue import Catalogue, Geography, Offer


def _geography(parents: dict[str, tuple[str, ...]]) -> Geography:
    return Geography(
        municipalities={m: Node("Municipality", m, {"name": m}) for m in ("mun:olfen", "mun:selm", "mun:werne")},
        regions={
            "reg:kreis": Node("Region", "reg:kreis", {"name": "Kreis", "kind": "county"}),
            "reg:sued": Node("Region", "reg:sued", {"name": "Süd", "kind": "cm-region"}),
            "reg:nord": Node("Region", "reg:nord", {"name": "Nord"}),
        },
        parents=parents,
    )


def test_a_parent_that_is_no_region_is_passed_over_and_the_next_one_still_read() -> None:
    # An area id the catalogue does not hold as a region (a dangling PART_OF) says nothing of levels.
    geo = _geography({"mun:olfen": ("reg:gone", "mun:selm", "reg:sued"), "reg:sued": ("reg:kreis",)})
    assert geo.areas_of("mun:olfen") == {"mun:olfen": "municipality", "reg:sued": "region", "reg:kreis": "county"}


def test_an_area_reached_twice_is_kept_once_and_the_search_goes_on() -> None:
    # reg:sued is reached directly and through reg:nord; reg:kreis only after the second visit is passed over.
    geo = _geography({"mun:olfen": ("reg:sued", "reg:nord"), "reg:nord": ("reg:sued", "reg:kreis")})
    assert geo.areas_of("mun:olfen") == {
        "mun:olfen": "municipality",
        "reg:sued": "region",
        "reg:nord": "region",
        "reg:kreis": "county",
    }


def test_the_municipalities_of_an_area_are_those_inside_it_or_itself() -> None:
    geo = _geography(
        {"mun:olfen": ("reg:sued",), "mun:selm": ("reg:sued",), "reg:sued": ("reg:kreis",), "mun:werne": ("reg:nord",)}
    )
    assert geo.municipalities_in("reg:sued") == ["mun:olfen", "mun:selm"]
    assert geo.municipalities_in("reg:kreis") == ["mun:olfen", "mun:selm"]
    assert geo.municipalities_in("mun:werne") == ["mun:werne"]
    assert geo.municipalities_in("reg:gone") == []


def test_the_county_of_a_municipality_is_its_region_of_kind_county_if_any() -> None:
    geo = _geography({"mun:olfen": ("reg:sued",), "reg:sued": ("reg:kreis",), "mun:werne": ("reg:nord",)})
    assert geo.county_of("mun:olfen") == "reg:kreis"
    assert geo.county_of("mun:werne") is None
    assert geo.county_of("mun:selm") is None


def test_an_offer_without_links_has_none_of_any_kind() -> None:
    offer = Offer(Node("Service", "svc:a", {}))
    assert (offer.providers, offer.needs, offer.legal_domains, offer.areas, offer.programmes) == ((), (), (), (), ())
    assert offer.needs_served == ()
    assert offer.illustrative_areas == frozenset()


def test_a_catalogue_starts_empty_and_holds_its_own_collections() -> None:
    geo = _geography({})
    first, second = Catalogue(geo), Catalogue(geo)
    assert (first.offers, first.organisations, first.needs, first.legal_domains, first.programmes, first.programme_parents) == (
        {},
        {},
        {},
        {},
        {},
        {},
    )
    assert first.target is None
    first.needs["need:a"] = Node("Need", "need:a", {})
    assert second.needs == {}, "filling one request's catalogue leaves the next one's empty"


def test_offers_and_geography_cannot_be_changed_once_gathered() -> None:
    # The read cache hands the same objects to concurrent requests: a change by one would show in the others.
    offer = Offer(Node("Service", "svc:a", {}), needs=("need:a",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        offer.needs = ()  # type: ignore[misc]
    geo = _geography({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        geo.parents = {"mun:olfen": ("reg:kreis",)}  # type: ignore[misc]


def test_a_misspelt_catalogue_field_is_an_error_not_a_new_attribute() -> None:
    catalogue = Catalogue(_geography({}))
    with pytest.raises(AttributeError):
        catalogue.offer = {}  # type: ignore[attr-defined]
