"""Scoped writes: what a partner's organisations and a coordinator's region let a token change.

A partner speaks for some organisations (the token's ``orgs``) and may change
only what belongs to them::

    their organisation's own details          update of the Organisation
    their offers                              create (provided by one of them), update, delete of a Service,
                                              and the offer's links (ADDRESSES, UNDER, AVAILABLE_IN, FUNDED_BY)
    their providing, memberships, places      PROVIDES, MEMBER_OF, LOCATED_IN, PART_OF from one of them
    their cooperation ties                    COOPERATES_WITH with one of them at either end

A coordinator's region (the token's ``region``, e.g. the county in a
state-wide deployment) limits their writes to entities in it: a municipality
or region that is it or lies in it (PART_OF), an offer available there, an
organisation located there, a case-manager post covering it. A relationship is
in the region when one of its ends is. Kinds that belong to no place
(programmes, needs, legal domains, working groups) are outside every region:
a coordinator of the whole network changes them.

The rules run over the planned ``Change``s, so it makes no difference how a
write is reached (a nested create, a link from the other side, an update):
every relationship a write makes is checked as the relationship it is. The
facts they need (who provides an offer now, where an entity is) are read by
``graph.read.scope_facts.read_facts`` before anything is written, each a lookup by key.

>>> from kimnet.graph.model.changes import UpdateNode
>>> facts = Facts(providers={"svc:x": frozenset({"org:a"})})
>>> partner_refusals([UpdateNode("svc:x", 1, {"name": "X"})], frozenset({"org:a"}), facts)
[]
>>> partner_refusals([UpdateNode("svc:x", 1, {"name": "X"})], frozenset({"org:b"}), facts)
['svc:x is not an offer of your organisations (org:b)']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from kimnet.graph.model.changes import Change, CreateNode, DeleteNode, Link, Unlink, UpdateNode
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.validate import normalise_edge

__all__ = ["DEPTH", "PLACED_BY", "Facts", "kind_of", "links_of", "partner_refusals", "region_refusals"]

#: Relationships that belong to the organisation at their source.
_ORGANISATION_OWNS = ("PROVIDES", "MEMBER_OF", "LOCATED_IN", "PART_OF")
#: Relationships that belong to the offer at their source.
_OFFER_OWNS = ("ADDRESSES", "UNDER", "AVAILABLE_IN", "FUNDED_BY")
#: How an entity of each kind is placed: the relationship from it to a municipality or region.
PLACED_BY = {"Service": "AVAILABLE_IN", "Organisation": "LOCATED_IN", "CaseManager": "COVERS"}
#: How far up PART_OF a place is followed to find a region (municipality, district, county, state).
DEPTH = 6


@dataclass(frozen=True, slots=True)
class Facts:
    """What the stored graph says about the entities a write touches."""

    #: Offer key -> the organisations providing it now.
    providers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Entity key -> the municipalities and regions it is placed in now (itself for places).
    places: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Every place that lies in the token's region, among those met (the region itself included).
    in_region: frozenset[str] = frozenset()


def kind_of(key: str) -> str | None:
    kind = MODEL.kind_of(key)
    return kind.label if kind is not None else None


def links_of(changes: Sequence[Change]) -> list[tuple[str, str, str]]:
    return [normalise_edge(c.edge).key for c in changes if isinstance(c, Link)]


def partner_refusals(changes: Sequence[Change], orgs: frozenset[str], facts: Facts) -> list[str]:
    """Return why a partner speaking for ``orgs`` may not make ``changes`` (empty if they may)."""
    created = {c.node.id for c in changes if isinstance(c, CreateNode)}
    new_providers: dict[str, set[str]] = {}
    for type_, source, target in links_of(changes):
        if type_ == "PROVIDES" and target in created:
            new_providers.setdefault(target, set()).add(source)
    mine = ", ".join(sorted(orgs))

    def owns_offer(key: str) -> bool:
        return bool((facts.providers.get(key, frozenset()) | new_providers.get(key, set())) & orgs)

    def offer_refusal(key: str) -> str | None:
        return None if owns_offer(key) else f"{key} is not an offer of your organisations ({mine})"

    refusals: list[str] = []
    for change in changes:
        reason: str | None = None
        # if/isinstance, not a match statement: mutmut 2 cannot parse one (scripts/mutation).
        if isinstance(change, CreateNode):
            if change.node.kind != "Service":
                reason = f"a partner may create offers only, not a {change.node.kind} ({change.node.id})"
            elif not new_providers.get(change.node.id, set()) & orgs:
                reason = f"the new offer {change.node.id} must be provided by one of your organisations ({mine})"
        elif isinstance(change, (UpdateNode, DeleteNode)):
            kind = kind_of(change.id)
            if kind == "Service":
                reason = offer_refusal(change.id)
            elif kind == "Organisation" and isinstance(change, UpdateNode):
                reason = None if change.id in orgs else f"{change.id} is not one of your organisations ({mine})"
            else:
                reason = f"a partner may not change {change.id}"
        elif isinstance(change, (Link, Unlink)):
            type_, source, target = normalise_edge(change.edge).key if isinstance(change, Link) else change.key
            reason = _edge_refusal(type_, source, target, orgs, owns_offer, isinstance(change, Link), created, mine)
        if reason is not None:
            refusals.append(reason)
    return list(dict.fromkeys(refusals))


def _edge_refusal(
    type_: str,
    source: str,
    target: str,
    orgs: frozenset[str],
    owns_offer: Callable[[str], bool],
    linking: bool,
    created: set[str],
    mine: str,
) -> str | None:
    what = f"{type_} {source} -> {target}"
    if type_ == "COOPERATES_WITH":
        return None if {source, target} & orgs else f"{what} is not a tie of your organisations ({mine})"
    if type_ in _ORGANISATION_OWNS and kind_of(source) == "Organisation":
        if source not in orgs:
            return f"{what} belongs to {source}, not to your organisations ({mine})"
        if type_ == "PROVIDES" and linking and target not in created and not owns_offer(target):
            # Joining as provider of another organisation's offer would change their offer.
            return f"{target} is not an offer of your organisations ({mine})"
        return None
    if type_ in _OFFER_OWNS and kind_of(source) == "Service":
        return None if owns_offer(source) else f"{source} is not an offer of your organisations ({mine})"
    return f"a partner may not change {what}"


def region_refusals(changes: Sequence[Change], region: str, facts: Facts) -> list[str]:
    """Return why a coordinator limited to ``region`` may not make ``changes`` (empty if they may)."""
    new_places: dict[str, set[str]] = {}
    for type_, source, target in links_of(changes):
        if PLACED_BY.get(kind_of(source) or "") == type_:
            new_places.setdefault(source, set()).add(target)

    def inside(key: str) -> bool:
        places = facts.places.get(key, frozenset()) | new_places.get(key, set())
        return bool(places & facts.in_region)

    refusals: list[str] = []
    for change in changes:
        if isinstance(change, (CreateNode, UpdateNode, DeleteNode)):
            key = change.node.id if isinstance(change, CreateNode) else change.id
            if not inside(key):
                refusals.append(f"{key} is not in your region {region}")
        elif isinstance(change, (Link, Unlink)):
            type_, source, target = normalise_edge(change.edge).key if isinstance(change, Link) else change.key
            if not (inside(source) or inside(target)):
                refusals.append(f"{type_} {source} -> {target} has no end in your region {region}")
    return list(dict.fromkeys(refusals))
