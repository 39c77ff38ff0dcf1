"""The offers as Open Referral HSDS 3.0 JSON, with a small German profile.

HSDS (Human Services Data Specification) is how service directories exchange
organisations and services. ``to_hsds`` returns one JSON document::

    {"hsds_version": "3.0", "profile": "kimnet-de", "generated": ..., "as_of": ...,
     "organizations": [...], "services": [...], "taxonomies": [...], "taxonomy_terms": [...]}

whose ``organizations`` and ``services`` are objects of HSDS's ``organization``
and ``service`` schemas (the tests validate them against the published
schemas), and ``taxonomies``/``taxonomy_terms`` of its ``taxonomy`` and
``taxonomy_term`` schemas.

The profile ``kimnet-de``:

- Ids are UUIDs made from kimnet's keys (UUID 5 in one fixed namespace), so the
  same entity has the same id in every export; an organisation also carries its
  key as an ``organization_identifiers`` entry (type ``kimnet-Schlüssel``).
- Three taxonomies, in German: *Handlungsfelder* (kimnet's needs; attribute
  ``link_type`` ``need``), *Rechtskreise* (legal domains; ``legal_domain``) and
  *Aufenthaltsstatus* (the residence statuses an offer admits; ``eligibility``).
  Term codes are kimnet's keys (``need:sprache``) or the legal code (``SGB II``).
- A service's ``service_areas`` are its municipalities and regions (the
  description names the level and, for a municipality, its official key AGS);
  ``languages`` its languages with German names; ``schedules`` one entry with
  ``valid_from``/``valid_to`` when the offer has dates; ``status`` is ``active``
  on the day of the export, ``inactive`` before its start and ``defunct`` after
  its end.
- HSDS links a service to one organisation: ``organization_id`` is its first
  provider by key; every provider lists it in its organisation's ``services``.

>>> import datetime as dt
>>> from kimnet.graph.model.kinds import Edge, Node
>>> data = GraphData(
...     nodes={
...         "org:vhs": Node("Organisation", "org:vhs", {"name": "VHS", "kind": "education", "description": "Volkshochschule"}),
...         "svc:kurs": Node("Service", "svc:kurs", {"name": "Kurs", "description": "Deutschkurs", "languages": ("de", "ar")}),
...     },
... )
>>> data.edges[("PROVIDES", "org:vhs", "svc:kurs")] = Edge("PROVIDES", "org:vhs", "svc:kurs")
>>> document = to_hsds(data, dt.date(2021, 7, 1))
>>> service = document["services"][0]
>>> service["organization_id"] == document["organizations"][0]["id"], service["status"]
(True, 'active')
>>> [(lang["code"], lang["name"]) for lang in service["languages"]]
[('de', 'Deutsch'), ('ar', 'Arabisch')]
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, TypeAlias

from kimnet.graph.model.freshness import Freshness
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Node
from kimnet.graph.model.validity import valid_on

__all__ = ["LANGUAGE_NAMES", "PROFILE", "RESIDENCE_STATUS_NAMES", "to_hsds"]

#: A JSON object as the export builds it.
Json: TypeAlias = dict[str, Any]

PROFILE = "kimnet-de"

#: Ids are UUID 5 of a kimnet key in this namespace; never change it, or every id changes.
NAMESPACE = uuid.UUID("5d0c6a1e-3f0b-4f51-9d7e-6b1c2a4e8f30")

LANGUAGE_NAMES = {
    "ar": "Arabisch",
    "bg": "Bulgarisch",
    "de": "Deutsch",
    "en": "Englisch",
    "fa": "Persisch (Farsi)",
    "fr": "Französisch",
    "it": "Italienisch",
    "ku": "Kurdisch",
    "pl": "Polnisch",
    "ps": "Paschtu",
    "ro": "Rumänisch",
    "ru": "Russisch",
    "so": "Somali",
    "sq": "Albanisch",
    "sr": "Serbisch",
    "ti": "Tigrinya",
    "tr": "Türkisch",
    "uk": "Ukrainisch",
    "ur": "Urdu",
}

RESIDENCE_STATUS_NAMES = {
    "deutsch": "Deutsche Staatsangehörigkeit",
    "eu": "EU-Freizügigkeit",
    "niederlassungserlaubnis": "Niederlassungserlaubnis",
    "aufenthaltserlaubnis": "Aufenthaltserlaubnis (auch Schutzstatus)",
    "gestattung": "Aufenthaltsgestattung (Asylverfahren läuft)",
    "duldung": "Duldung",
}

_REGION_KINDS = {
    "county": "Kreis",
    "ki-district": "Bezirk des Kommunalen Integrationszentrums",
    "cm-region": "Case-Management-Region",
    "agency-district": "Bezirk der Agentur für Arbeit",
}


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(parts)))


def _taxonomy(code: str, name: str, description: str) -> Json:
    return {"id": _uid("taxonomy", code), "name": name, "description": description, "version": PROFILE}


TAXONOMIES: dict[str, Json] = {
    "need": _taxonomy(
        "need",
        "Handlungsfelder",
        "Lebensbereiche und Handlungsfelder der Integrationsarbeit (Sprache, Schule, Ausbildung, Arbeit, ...), kimnet",
    ),
    "legal_domain": _taxonomy(
        "legal_domain", "Rechtskreise", "Rechtskreise, unter die ein Angebot fällt (SGB II, SGB VIII, AsylbLG, ...), kimnet"
    ),
    "eligibility": _taxonomy(
        "eligibility", "Aufenthaltsstatus", "Aufenthaltsstatus, die ein Angebot zulässt (keiner genannt: alle), kimnet"
    ),
}


def _text(node: Node, name: str) -> str | None:
    value = node.props.get(name)
    return value if isinstance(value, str) and value.strip() else None


def _term(taxonomy: str, code: str, name: str, description: str) -> Json:
    return {
        "id": _uid("term", taxonomy, code),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": TAXONOMIES[taxonomy]["name"],
        "taxonomy_id": TAXONOMIES[taxonomy]["id"],
        "language": "de",
    }


def _terms(data: GraphData) -> dict[str, Json]:
    """Every taxonomy term, by the kimnet key (needs, legal domains) or residence status it stands for."""
    terms: dict[str, Json] = {}
    for node in sorted(data.nodes.values(), key=lambda n: n.id):
        if node.kind == "Need":
            terms[node.id] = _term("need", node.id, node.name, _text(node, "description") or node.name)
        elif node.kind == "LegalDomain":
            code = _text(node, "code") or node.id
            terms[node.id] = _term("legal_domain", code, node.name, _text(node, "description") or node.name)
    for status, name in RESIDENCE_STATUS_NAMES.items():
        terms[status] = _term("eligibility", status, name, name)
    return terms


def _status(node: Node, day: dt.date) -> str:
    if valid_on(node.props, day):
        return "active"
    start = node.props.get("validFrom")
    return "inactive" if isinstance(start, dt.date) and day < start else "defunct"


def _area(service_id: str, node: Node) -> Json:
    if node.kind == "Municipality":
        description = f"Gemeinde (AGS {node.props.get('ags')})"
    else:
        description = _REGION_KINDS.get(str(node.props.get("kind")), "Region")
    return {"id": _uid("area", node.id, service_id), "name": node.name, "description": description}


def _service(
    node: Node, links: dict[str, list[str]], data: GraphData, terms: dict[str, Json], day: dt.date, fresh: Freshness | None
) -> Json:
    sid = _uid(node.id)
    service: Json = {"id": sid, "name": node.name, "status": _status(node, day)}
    # HSDS keeps "last checked" (assured_date) apart from "last changed" (last_modified), as kimnet does.
    if fresh is not None and fresh.verified_at is not None:
        service["assured_date"] = fresh.verified_at.date().isoformat()
    if fresh is not None and fresh.modified_at is not None:
        service["last_modified"] = fresh.modified_at.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    providers = sorted(links["PROVIDES"])
    if providers:
        service["organization_id"] = _uid(providers[0])
    if description := _text(node, "description"):
        service["description"] = description
    if target := _text(node, "targetGroup"):
        service["eligibility_description"] = target
    for ours, theirs in (("minAge", "minimum_age"), ("maxAge", "maximum_age")):
        if isinstance(age := node.props.get(ours), int):
            service[theirs] = age
    service["service_areas"] = [{**_area(node.id, data.nodes[a]), "service_id": sid} for a in sorted(links["AVAILABLE_IN"])]
    languages = node.props.get("languages", ())
    service["languages"] = [
        {"id": _uid("language", node.id, code), "service_id": sid, "name": LANGUAGE_NAMES.get(code, code), "code": code}
        for code in (languages if isinstance(languages, tuple) else ())
    ]
    start, end = node.props.get("validFrom"), node.props.get("validTo")
    if isinstance(start, dt.date) or isinstance(end, dt.date):
        schedule: Json = {"id": _uid("schedule", node.id), "service_id": sid, "description": "Laufzeit des Angebots"}
        if isinstance(start, dt.date):
            schedule["valid_from"] = start.isoformat()
        if isinstance(end, dt.date):
            schedule["valid_to"] = end.isoformat()
        service["schedules"] = [schedule]
    statuses = node.props.get("residenceStatuses", ())
    classified = [
        *(("need", n) for n in sorted(links["ADDRESSES"])),
        *(("legal_domain", d) for d in sorted(links["UNDER"])),
        *(("eligibility", s) for s in (statuses if isinstance(statuses, tuple) else ())),
    ]
    service["attributes"] = [
        {
            "id": _uid("attribute", node.id, term),
            "link_id": sid,
            "link_type": link_type,
            "link_entity": "service",
            "taxonomy_term_id": terms[term]["id"],
            "taxonomy_term": {**terms[term], "taxonomy_detail": TAXONOMIES[link_type]},
        }
        for link_type, term in classified
        if term in terms
    ]
    return service


def _organisation(node: Node, parent: str | None, services: list[Json]) -> Json:
    oid = _uid(node.id)
    organisation: Json = {"id": oid, "name": node.name, "description": _text(node, "description") or node.name}
    if short := _text(node, "shortName"):
        organisation["alternate_name"] = short
    if website := _text(node, "website"):
        organisation["website"] = website
    if parent:
        organisation["parent_organization_id"] = _uid(parent)
    organisation["organization_identifiers"] = [
        {"id": _uid("identifier", node.id), "organization_id": oid, "identifier_type": "kimnet-Schlüssel", "identifier": node.id}
    ]
    organisation["services"] = services
    return organisation


def to_hsds(
    data: GraphData, day: dt.date, as_of: dt.date | None = None, freshness: Mapping[str, Freshness] | None = None
) -> Json:
    """Return ``data``'s organisations and services as an HSDS 3.0 document of the ``kimnet-de`` profile.

    ``day`` is the day the export is made (a service's ``status`` is judged on
    ``as_of`` if given, else on it). Cut ``data`` to ``as_of`` first
    (``dated.on_day``) to export only what holds then. With ``freshness``
    (``Store.freshness``), services carry ``assured_date`` (last confirmed)
    and ``last_modified`` (last changed through kimnet) where known.
    """
    fresh = freshness or {}
    status_day = as_of or day
    terms = _terms(data)
    links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    parents: dict[str, str] = {}
    for edge in data.edges.values():
        if edge.type in ("ADDRESSES", "UNDER", "AVAILABLE_IN"):
            links[edge.source][edge.type].append(edge.target)
        elif edge.type == "PROVIDES":
            links[edge.target]["PROVIDES"].append(edge.source)
            links[edge.source]["PROVIDED"].append(edge.target)
        elif edge.type == "PART_OF" and edge.source.startswith("org:") and edge.target.startswith("org:"):
            parents[edge.source] = edge.target
    nodes = sorted(data.nodes.values(), key=lambda n: n.id)
    services = [_service(n, links[n.id], data, terms, status_day, fresh.get(n.id)) for n in nodes if n.kind == "Service"]
    by_id = {s["id"]: s for s in services}
    organisations = [
        _organisation(
            n,
            parents.get(n.id),
            [
                {"id": by_id[_uid(s)]["id"], "name": by_id[_uid(s)]["name"], "status": by_id[_uid(s)]["status"]}
                for s in sorted(links[n.id]["PROVIDED"])
            ],
        )
        for n in nodes
        if n.kind == "Organisation"
    ]
    return {
        "hsds_version": "3.0",
        "profile": PROFILE,
        "generated": day.isoformat(),
        "as_of": as_of.isoformat() if as_of else None,
        "organizations": organisations,
        "services": services,
        "taxonomies": list(TAXONOMIES.values()),
        "taxonomy_terms": list(terms.values()),
    }
