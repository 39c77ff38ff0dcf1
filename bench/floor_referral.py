"""The floor for the referral: one hand-written Cypher query, then kimnet's rules.

No Cypher can choose a case conference (a set cover, ranked by weighted paths
through the network), so the floor for a referral is: one round trip that
fetches everything the answer is made of (the county's areas, the statutory
offers and the offers for the case's needs with their links, the covering
posts, the county's organisations and their ties), and kimnet's pure rules
(``graph.rules.referral.refer``) over it, with no store layer, no GraphQL and no
HTTP. kimnet / floor is then what kimnet's generality costs.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, LiteralString

import networkx as nx

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.model.validity import valid_on
from kimnet.graph.rules.catalogue import Catalogue, Geography, Offer
from kimnet.graph.rules.network import organisation_graph
from kimnet.graph.rules.referral import Case, CaseManagerPost, Referral, refer

if TYPE_CHECKING:
    from neo4j import AsyncDriver

__all__ = ["REFERRAL_FLOOR", "canonical_referral", "floor_referral"]

REFERRAL_FLOOR: LiteralString = """
MATCH (m:Municipality {id: $municipality})
OPTIONAL MATCH (m)-[:PART_OF*1..]->(c:Region {kind: 'county'})
WITH m, coalesce(c, m) AS top
MATCH (top)<-[:PART_OF*0..]-(area)
WITH m, collect(DISTINCT area) AS areas
CALL (areas) {
  UNWIND areas AS area
  RETURN collect([area.id, properties(area), COLLECT { MATCH (area)-[:PART_OF]->(p:Region) RETURN p.id }]) AS geography
}
CALL (areas) {
  UNWIND areas AS area
  MATCH (area)<-[:AVAILABLE_IN]-(s:Service)
  WITH DISTINCT s
  WHERE s.statutory OR EXISTS { (s)-[:ADDRESSES]->(n:Need) WHERE n.id IN $needs }
  RETURN collect([s.id, properties(s),
    COLLECT { MATCH (s)<-[:PROVIDES]-(o:Organisation) RETURN o.id },
    COLLECT { MATCH (s)-[:ADDRESSES]->(n:Need) RETURN n.id },
    COLLECT { MATCH (s)-[:UNDER]->(d:LegalDomain) RETURN d.id },
    COLLECT { MATCH (s)-[:AVAILABLE_IN]->(a) RETURN a.id }]) AS offers
}
CALL (m) {
  MATCH (m)<-[:COVERS]-(p:CaseManager)
  WHERE (p.validFrom IS NULL OR p.validFrom <= $day) AND (p.validTo IS NULL OR p.validTo >= $day)
  RETURN collect([p.id, properties(p),
    COLLECT { MATCH (p)-[:EMPLOYED_BY]->(o) RETURN o.id },
    COLLECT { MATCH (p)-[:SUPERVISED_BY]->(o) RETURN o.id },
    COLLECT { MATCH (p)-[:COVERS]->(x) RETURN x.id }]) AS posts
}
CALL (areas, offers, posts) {
  UNWIND areas AS area
  OPTIONAL MATCH (area)<-[:LOCATED_IN]-(o:Organisation) WHERE area:Municipality
  WITH collect(o.id) AS located
  WITH [located] + [x IN offers | x[2]] + [p IN posts | p[2]] AS nested
  UNWIND nested AS ids
  UNWIND ids AS id
  WITH DISTINCT id
  MATCH (o:Entity {id: id})
  RETURN collect(o) AS orgs
}
RETURN geography, offers, posts,
  [o IN orgs | [o.id, properties(o)]] AS organisations,
  COLLECT { UNWIND orgs AS a MATCH (a)-[r:COOPERATES_WITH]->(b:Organisation) WHERE b IN orgs
            RETURN [a.id, b.id, properties(r)] } AS ties,
  COLLECT { UNWIND orgs AS a MATCH (a)-[r:MEMBER_OF]->(g:WorkingGroup) RETURN [a.id, g.id, properties(r)] } AS memberships,
  COLLECT { MATCH (n:Need) RETURN [n.id, properties(n)] } AS needs,
  COLLECT { MATCH (d:LegalDomain) RETURN [d.id, properties(d)] } AS domains
"""


def _props(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v.to_native() if hasattr(v, "to_native") else tuple(v) if isinstance(v, list) else v for k, v in raw.items()}


def _node(node_id: str, raw: dict[str, Any]) -> Node:
    kind = MODEL.kind_of(node_id)
    assert kind is not None
    return Node(kind.label, node_id, _props(raw))


async def floor_referral(driver: AsyncDriver, variables: dict[str, Any]) -> Referral:
    """Answer the benchmark's referral ``variables`` with one hand-written query and kimnet's rules."""
    case = variables["case"]
    day = dt.date.fromisoformat(case["asOf"])
    from neo4j import RoutingControl  # here: bench.memory imports this module for an embedded worker too

    records, _, _ = await driver.execute_query(
        REFERRAL_FLOOR, {"municipality": case["municipality"], "needs": case["needs"], "day": day}, routing_=RoutingControl.READ
    )
    row = records[0]
    municipalities, regions, parents = {}, {}, {}
    for area_id, props, up in row["geography"]:
        node = _node(area_id, props)
        (municipalities if node.kind == "Municipality" else regions)[area_id] = node
        if up:
            parents[area_id] = tuple(up)
    catalogue = Catalogue(Geography(municipalities, regions, parents))
    for sid, props, providers, needs, domains, areas in row["offers"]:
        catalogue.offers[sid] = Offer(_node(sid, props), *(tuple(sorted(x)) for x in (providers, needs, domains, areas)))
    organisations = {oid: _node(oid, props) for oid, props in row["organisations"]}
    organisations = {oid: n for oid, n in organisations.items() if valid_on(n.props, day)}
    catalogue.organisations = {
        o: organisations[o] for offer in catalogue.offers.values() for o in offer.providers if o in organisations
    }
    catalogue.needs = {i: _node(i, p) for i, p in row["needs"]}
    catalogue.legal_domains = {i: _node(i, p) for i, p in row["domains"]}
    posts = [
        CaseManagerPost(
            _node(pid, props), employer[0] if employer else None, supervisor[0] if supervisor else None, tuple(sorted(covers))
        )
        for pid, props, employer, supervisor, covers in sorted(row["posts"])
    ]
    ties = [Edge("COOPERATES_WITH", a, b, _props(p)) for a, b, p in row["ties"]]
    members = [Edge("MEMBER_OF", a, g, _props(p)) for a, g, p in row["memberships"]]
    network: nx.Graph[str] = organisation_graph(organisations, ties, members, day)
    status = case.get("residenceStatus")
    return refer(
        Case(
            case["municipality"],
            day,
            age=case.get("age"),
            residence_status=status.lower() if status else None,
            needs=tuple(case["needs"]),
            languages=tuple(case.get("languages", ())),
        ),
        catalogue,
        posts,
        network,
    )


def canonical_referral(found: Referral) -> Any:
    """The floor's answer in ``views.referral_from_kimnet``'s shape."""
    return {
        "needs": {need: [m.offer.id for m in matches] for need, matches in found.per_need.items()},
        "excluded": sorted((e.offer.id, e.need) for e in found.excluded),
        "responsibilities": {r.legal_domain: sorted(r.organisations) for r in found.responsibilities},
        "caseManagers": [p.node.id for p in found.case_managers],
        "conference": sorted(found.conference.organisations),
    }
