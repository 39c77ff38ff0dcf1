"""Reading the facts that the scope rules (``graph.rules.scope``) decide on, each a lookup by key.

Who provides an offer now, where an entity is placed, which of those places lie in
a token's region: read before anything is written, so that the pure rules can
judge every change a write plans.
"""

from __future__ import annotations

from collections.abc import Sequence

from kimnet.graph.model.changes import Change
from kimnet.graph.model.proposals import keys_of
from kimnet.graph.rules.scope import DEPTH, PLACED_BY, Facts, kind_of, links_of
from kimnet.graph.stores.store import Store

__all__ = ["read_facts"]


async def read_facts(store: Store, changes: Sequence[Change], region: str | None) -> Facts:
    """Read what the scope rules need about ``changes`` (one lookup by key per relationship kind and level).

    Without ``region``, only the providers of the offers concerned.
    """
    keys = keys_of(changes)
    offers = [k for k in keys if kind_of(k) == "Service"]
    found = await store.neighbours(offers, "PROVIDES", "in")
    providers = {k: frozenset(e.source for e, _ in found[k]) for k in offers}
    if region is None:
        return Facts(providers=providers)
    places: dict[str, frozenset[str]] = {}
    for kind, rel in PLACED_BY.items():
        placed = [k for k in keys if kind_of(k) == kind]
        if placed:
            found = await store.neighbours(placed, rel, "out")
            places.update({k: frozenset(n.id for _, n in found[k]) for k in placed})
    for key in keys:
        if kind_of(key) in ("Municipality", "Region"):
            places[key] = frozenset({key})
    linked = {target for type_, source, target in links_of(changes) if PLACED_BY.get(kind_of(source) or "") == type_}
    met = set().union(*places.values(), linked) if places or linked else set()
    return Facts(providers=providers, places=places, in_region=frozenset(await _in_region(store, met, region)))


async def _in_region(store: Store, places: set[str], region: str) -> set[str]:
    """The places among ``places`` that are ``region`` or lie in it, following PART_OF up level by level."""
    # Each place's ancestors, found level by level: one lookup by key per level.
    reaches: dict[str, set[str]] = {p: {p} for p in places}
    frontier = {p: {p} for p in places}
    for _ in range(DEPTH):
        current = set().union(*frontier.values()) if frontier else set()
        if not current:
            break
        up = await store.neighbours(sorted(current), "PART_OF", "out")
        frontier = {p: {n.id for k in tops for _, n in up.get(k, [])} - reaches[p] for p, tops in frontier.items()}
        frontier = {p: tops for p, tops in frontier.items() if tops}
        for p, tops in frontier.items():
            reaches[p] |= tops
    return {p for p, above in reaches.items() if region in above}
