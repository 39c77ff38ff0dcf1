"""Freshness: when an offer or organisation was last confirmed, kept apart from when it last changed.

A change is not a verification (HSDS 3.0 keeps ``assured_date`` apart from
``last_modified`` for the same reason): a partner who corrects a phone number
has not confirmed the rest of the entry. So each offer (Service) and
organisation has a ``Freshness``: ``verified_at``, who verified it (a role and
an organisation, never a person), how (``METHODS``), and ``modified_at``, the
time of the last audited write that changed it.

Entries nobody has confirmed are ``IMPORTED``: they came with the seed or an
import, and count as unconfirmed (stale) until someone verifies them. Annual
verification is the practice of the 211 directories, hence the default of 12
months for ``is_stale``.

The stores derive freshness from the audit trail with ``absorb``, which is
the one rule for what counts as a modification and what as a verification.

>>> f = absorb_change({}, AuditChange("update", "svc:x", {}, {}), AT)
>>> f["svc:x"].modified_at == AT, f["svc:x"].method
(True, 'IMPORTED')
>>> f = absorb_change(f, AuditChange("verify", "svc:x", None, verification(AT, "partner", "org:a", "PARTNER_CONFIRMED")), AT)
>>> f["svc:x"].method, f["svc:x"].verified_by_org
('PARTNER_CONFIRMED', 'org:a')
>>> is_stale(f["svc:x"], dt.date(2026, 12, 31), 12), is_stale(f["svc:x"], dt.date(2027, 1, 2), 12)
(False, True)
>>> months_before(dt.date(2026, 3, 31), 1)
datetime.date(2026, 2, 28)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from kimnet.graph.model.audit import AuditChange, AuditEntry

__all__ = [
    "AT",
    "FRESH_KINDS",
    "METHODS",
    "Freshness",
    "StaleRow",
    "absorb",
    "absorb_change",
    "is_stale",
    "months_before",
    "of",
    "stale_entries",
    "verification",
]

#: The kinds whose entries are kept current by their organisations.
FRESH_KINDS = ("Service", "Organisation")
_PREFIXES = ("svc:", "org:")

#: How an entry was last confirmed.
METHODS = ("PARTNER_CONFIRMED", "COORDINATOR_CHECKED", "IMPORTED")

#: A fixed time for the doctests.
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

_MODIFYING = ("create", "update", "link", "unlink")


@dataclass(frozen=True, slots=True)
class Freshness:
    """How current one entry is."""

    id: str
    verified_at: dt.datetime | None = None
    verified_by_role: str | None = None
    verified_by_org: str | None = None
    method: str = "IMPORTED"
    modified_at: dt.datetime | None = None


def verification(at: dt.datetime, role: str, organisation: str | None, method: str) -> dict[str, Any]:
    """The ``after`` state of a verify record in the audit trail."""
    return {"verifiedAt": at.astimezone(dt.UTC).isoformat(), "role": role, "organisation": organisation, "method": method}


def _fresh(key: str) -> bool:
    return key.startswith(_PREFIXES)


def _ends(target: str) -> list[str]:
    # A relationship's target reads "TYPE source -> target"; changing an offer's links changes the offer.
    _, _, pair = target.partition(" ")
    source, _, end = pair.partition(" -> ")
    return [source, end]


def absorb_change(found: dict[str, Freshness], record: AuditChange, at: dt.datetime) -> dict[str, Freshness]:
    """Update ``found`` (in place, and return it) with one audited change made at ``at``."""
    if record.action == "verify" and record.after is not None:
        after = record.after
        current = found.get(record.target, Freshness(record.target))
        found[record.target] = replace(
            current,
            verified_at=dt.datetime.fromisoformat(after["verifiedAt"]),
            verified_by_role=after["role"],
            verified_by_org=after["organisation"],
            method=after["method"],
        )
    elif record.action == "delete":
        found.pop(record.target, None)
    elif record.action in _MODIFYING:
        keys = [record.target] if record.action in ("create", "update") else _ends(record.target)
        for key in keys:
            if _fresh(key):
                found[key] = replace(found.get(key, Freshness(key)), modified_at=at)
    return found


def absorb(found: dict[str, Freshness], entries: Iterable[AuditEntry]) -> dict[str, Freshness]:
    """Update ``found`` with audit ``entries``, oldest first; return it."""
    for entry in entries:
        for record in entry.changes:
            absorb_change(found, record, entry.at)
    return found


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier, or the month's last day if it has fewer days."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def is_stale(freshness: Freshness | None, today: dt.date, older_than_months: int) -> bool:
    """Tell whether nobody has confirmed the entry within ``older_than_months`` before ``today``."""
    if freshness is None or freshness.verified_at is None:
        return True
    return freshness.verified_at.date() < months_before(today, older_than_months)


def of(found: Mapping[str, Freshness], key: str) -> Freshness:
    """The freshness of ``key``: what is known, or an unconfirmed imported entry."""
    return found.get(key) or Freshness(key)


@dataclass(frozen=True, slots=True)
class StaleRow:
    """An entry nobody has confirmed for long enough, with whom to ask and where it applies."""

    key: str
    kind: str
    name: str
    organisations: tuple[str, ...]  # the organisation itself, or the offer's providers
    places: tuple[str, ...]  # where the offer is available, where the organisation is located
    freshness: Freshness


def stale_entries(
    entries: Iterable[tuple[str, str, str]],
    owners: Mapping[str, Iterable[str]],
    places: Mapping[str, Iterable[str]],
    found: Mapping[str, Freshness],
    today: dt.date,
    older_than_months: int,
    organisation: str | None = None,
) -> list[StaleRow]:
    """The ``entries`` (key, kind, name) not confirmed within ``older_than_months``, ordered by organisation and key.

    ``owners`` names each offer's providers (an organisation is its own),
    ``places`` each entry's municipalities or regions; with ``organisation``,
    only the entries of that organisation.

    >>> rows = stale_entries([("svc:x", "Service", "X")], {"svc:x": ["org:a"]}, {"svc:x": ["mun:m"]}, {}, dt.date(2026, 1, 1), 12)
    >>> [(r.key, r.organisations, r.places, r.freshness.method) for r in rows]
    [('svc:x', ('org:a',), ('mun:m',), 'IMPORTED')]
    """
    if older_than_months < 0:
        raise ValueError("olderThanMonths must be 0 or more")
    rows: list[StaleRow] = []
    for key, kind, name in entries:
        orgs = tuple(sorted(set(owners.get(key, ()))))
        if organisation is not None and organisation not in orgs:
            continue
        freshness = of(found, key)
        if is_stale(freshness, today, older_than_months):
            rows.append(StaleRow(key, kind, name, orgs, tuple(sorted(set(places.get(key, ())))), freshness))
    return sorted(rows, key=lambda r: (r.organisations[:1], r.key))
