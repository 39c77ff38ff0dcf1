"""The case conference of a referral: the fewest organisations that cover a case's needs and legal domains.

``referral.refer`` gives the eligible offers per need and the responsibilities
in the municipality; ``choose`` picks, among the smallest sets of organisations
covering them, the set closest to the case manager's organisation. Exact while
the combinations to try stay few, greedy beyond.

>>> covers = {"org:a": {"need:arbeit"}, "org:b": {"need:arbeit", "need:wohnen"}, "org:c": {"need:wohnen"}}
>>> smallest_cover(["need:arbeit", "need:wohnen"], covers, lambda orgs: orgs)
('org:b',)
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import networkx as nx

from kimnet.graph.rules.coverage import Responsibility

if TYPE_CHECKING:
    from kimnet.graph.rules.referral_terms import Match

__all__ = ["EXACT_COVER_LIMIT", "Conference", "Paths", "choose", "smallest_cover"]

#: The weighted shortest paths from one organisation: (path weight, path) per organisation reached
#: (``network.shortest_paths``).
Paths: TypeAlias = Mapping[str, tuple[float, tuple[str, ...]]]

#: The exact set-cover search gives up for greedy beyond this many combinations.
EXACT_COVER_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class Conference:
    """A proposed case conference: the organisations, what each covers, what nobody covers, and ties."""

    organisations: tuple[str, ...]
    covers: dict[str, tuple[str, ...]]
    uncovered: tuple[str, ...]
    anchor: str | None
    paths: dict[str, tuple[str, ...]]


def smallest_cover(
    targets: Sequence[str], covers: Mapping[str, set[str]], prefer: Callable[[tuple[str, ...]], tuple[object, ...]]
) -> tuple[str, ...]:
    """Return a smallest set of organisations covering ``targets``, the ``prefer``-least among equals.

    Exact over growing sizes while the combinations stay within EXACT_COVER_LIMIT,
    greedy (most still-uncovered first, then ``prefer``) beyond.
    """
    bit = {target: 1 << i for i, target in enumerate(targets)}
    mask = {org: sum(bit[t] for t in covered if t in bit) for org, covered in covers.items()}
    candidates = sorted(org for org, m in mask.items() if m)
    full, budget = (1 << len(targets)) - 1, EXACT_COVER_LIMIT
    for size in range(1, len(candidates) + 1):
        budget -= math.comb(len(candidates), size)
        if budget < 0:
            break
        found = [combo for combo in itertools.combinations(candidates, size) if _union(mask, combo) == full]
        if found:
            return min(found, key=prefer)
    chosen: list[str] = []
    while (left := full & ~_union(mask, chosen)) != 0:
        chosen.append(min(candidates, key=lambda org: (-(mask[org] & left).bit_count(), prefer((org,)))))
    return tuple(sorted(chosen))


def _union(mask: Mapping[str, int], orgs: Iterable[str]) -> int:
    return functools.reduce(operator.or_, (mask[org] for org in orgs), 0)


def choose(
    per_need: Mapping[str, tuple[Match, ...]],
    responsibilities: Sequence[Responsibility],
    anchor: str | None,
    cooperation: nx.Graph[str],
    paths_from: Callable[[str], Paths],
) -> Conference:
    """Choose the organisations for one case conference (``referral.refer`` says how)."""
    covers: dict[str, set[str]] = defaultdict(set)
    needs: set[str] = set()
    domains: set[str] = set()
    for need, matches in per_need.items():
        for match in matches:
            needs.add(need)
            for org in match.offer.providers:
                covers[org].update((need, *match.offer.legal_domains))
        if matches:
            domains.update(matches[0].offer.legal_domains)
    # A need that only a statutory body addresses (a family's matter for the youth
    # office) still needs someone at the table, so responsibilities count as cover too.
    for responsibility in responsibilities:
        for offer in responsibility.offers:
            addressed = [n for n in offer.needs if n in per_need]
            needs.update(addressed)
            if addressed:
                domains.add(responsibility.legal_domain)
            for org in offer.providers:
                covers[org].update((*addressed, responsibility.legal_domain))
    universe = [n for n in per_need if n in needs] + sorted(domains)
    coverable = {t for ts in covers.values() for t in ts}
    targets = [t for t in universe if t in coverable]
    reach = paths_from(anchor) if anchor is not None else {}

    def prefer(orgs: tuple[str, ...]) -> tuple[object, ...]:
        direct = sum(org == anchor or (anchor is not None and cooperation.has_edge(anchor, org)) for org in orgs)
        unreachable = sum(org not in reach for org in orgs)
        return (-direct, unreachable, sum(reach[o][0] for o in orgs if o in reach), orgs)

    chosen = smallest_cover(targets, covers, prefer) if targets else ()
    return Conference(
        organisations=chosen,
        covers={org: tuple(t for t in targets if t in covers[org]) for org in chosen},
        uncovered=tuple(t for t in [*per_need, *sorted(domains)] if t not in coverable),
        anchor=anchor,
        paths={org: reach[org][1] for org in chosen if org in reach},
    )
