"""The compiled path (schema.compiled) answers exactly as its fallback, graphql-core's own completion, does.

Each query runs twice on the same store: as served, and with plans turned off,
so that every root field takes the fallback and graphql-core completes every
field through the resolvers and DataLoaders. The answers (data and errors) must
be equal, and the compiled path must really have answered the ones it supports.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from graphql import GraphQLEnumType

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.model.validity import valid_on
from kimnet.graph.stores.store import Store
from kimnet.schema.compiled import CompiledReads
from kimnet.schema.context import Context
from kimnet.schema.entities import entity, entity_of
from kimnet.schema.guard import Policy
from kimnet.schema.kinds import list_field_of, targets_of
from kimnet.schema.limits import Limits
from kimnet.schema.plans import Planner, UnsupportedError, ValuePlan, _enum_serializer
from kimnet.schema.root import schema
from kimnet.schema.written import Writers, write_value

from .conftest import ADMIN, make_runner

#: Queries of every field are big; the limits are not what these tests are about.
ROOMY = Policy(limits=Limits(max_cost=10**9, max_tokens=10**5, max_aliases=100))

EDGE_FIELDS = "cursor role since kind validFrom validTo source illustrative"


def _entity_fields(label: str, depth: int) -> str:
    """Every field of ``label``; below ``depth`` relationship levels, every relationship field too."""
    fields = ["id", "key", "version", "__typename", *(p.name for p in MODEL.nodes[label].props)]
    if depth > 0:
        for name in MODEL.link_fields(label):
            targets = targets_of(label, name)
            below = " ".join(f"... on {t} {{ {_entity_fields(t, depth - 1)} }}" for t in targets)
            fields.append(
                f"{name} {{ totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} "
                f"edges {{ {EDGE_FIELDS} node {{ __typename {below} }} }} nodes {{ __typename {below} }} }}"
            )
    return " ".join(fields)


EVERY_KIND = [
    pytest.param(
        f"query($day: Date) {{ {list_field_of(label)}(first: 500, asOf: $day) {{ totalCount __typename "
        f"pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {_entity_fields(label, 1)} }} }} }} }}",
        id=label,
    )
    for label in MODEL.nodes
]


def _where(label: str, field_name: str) -> str:
    """A filter for relationship field ``field_name`` of ``label``: on a property, and on related entities where it can."""
    [*targets] = targets_of(label, field_name)
    own = '{name: {contains: "e"}}'
    if len(targets) > 1:  # EntityWhere: the key and the name only
        return f'{{OR: [{own}, {{key: {{startsWith: "{MODEL.nodes[targets[0]].prefix}:"}}}}]}}'
    related = next(iter(MODEL.link_fields(targets[0])))
    return f'{{OR: [{{NOT: {own}}}, {{{related}: {{some: {{name: {{contains: "a"}}}}}}}}]}}'


#: Every relationship field of every kind with a ``where`` filter, on a property and on related entities.
EVERY_FILTER = [
    pytest.param(
        f"query($day: Date) {{ {list_field_of(label)}(first: 500, asOf: $day) {{ nodes {{ key "
        + " ".join(
            f"{name}(where: {_where(label, name)}) {{ totalCount nodes {{ __typename "
            + " ".join(f"... on {t} {{ key name }}" for t in targets_of(label, name))
            + " } }"
            for name in MODEL.link_fields(label)
        )
        + " } } }",
        id=label,
    )
    for label in MODEL.nodes
]

SHAPES = [
    # Paging, ordering and asOf on relationship fields; aliases; fragments; directives.
    """query($day: Date, $no: Boolean!) { organisations(first: 7, orderBy: [{field: NAME, direction: DESC}], asOf: $day) {
         nodes { ...Org alias: provides(first: 2, orderBy: [{field: NAME}]) { totalCount pageInfo { hasNextPage endCursor }
                 nodes { key name } }
                 hidden: memberOf @skip(if: true) { totalCount }
                 shown: memberOf @include(if: $no) { edges { role since node { key } } }
                 later: provides(asOf: "2023-06-01") { nodes { key validTo } } } } }
       fragment Org on Organisation { key name provides(last: 3) { edges { cursor node { key
         availableIn { nodes { __typename ... on Municipality { key population } ... on Region { key kind } } } } } } }""",
    """query($day: Date) { node(id: "mun:duelmen") { __typename ... on Municipality { key name
         offers(asOf: $day) { nodes { key name providedBy { nodes { key name memberOf { nodes { key name } } } } } } } } }""",
    """query { node(id: "mun:olfen") { id ... on Region { kind } } }""",
    """query { node(id: "org:nobody-has-this-key") { id } }""",
    """query($day: Date) { regions(asOf: $day) { nodes { key partOf { nodes { key } } reach: offers { totalCount } } } }""",
    # A filtered relationship field: its filter's relationships read in the same tree.
    """query($day: Date) { organisations(first: 5, asOf: $day) { nodes { key
         provides(where: {name: {contains: "a"}}) { nodes { key } } } } }""",
]

#: Root answers of plain objects (referral, coverage, gaps, changes, duplicates), written whole.
PLAIN = [
    """query($day: Date) { referral(case: {municipality: "mun:olfen", age: 22, residenceStatus: DULDUNG,
         needs: ["need:ausbildung", "need:sprache"], languages: ["ar"], asOf: $day}) { __typename asOf
       needs { need { key name } offers { offer { id key name validTo } organisations { key } legalDomains { key }
               level languageMatch conditional illustrative reasons { code message conditional illustrative area areaName
               level age minAge maxAge residenceStatus residenceStatuses date validFrom validTo languages } } }
       excluded { offer { key } need { key } illustrative reasons { kind code message } }
       responsibilities { legalDomain { key } level offers { key } organisations { key name } }
       caseManagers { post { key fte } employer { key name } supervisor { key name } }
       conference { anchor { key } members { organisation { key name } needs { key } legalDomains { key }
                    cooperationPath { key } } uncoveredNeeds { key } uncoveredLegalDomains { key } } } }""",
    """query($day: Date) { coverageGaps(asOf: $day, target: {age: 22, residenceStatus: DULDUNG}) { municipality { key name }
       population populationBasis need { key } programme { key } condition { code message minAge maxAge residenceStatuses } } }""",
    """query($day: Date) { coverage(municipality: "mun:olfen", asOf: $day, target: {residenceStatus: GESTATTUNG}) {
       need { key } level offers { offer { key } level }
       applicability { status condition { code message residenceStatus residenceStatuses } source illustrative } }
       responsibilities(municipality: "mun:nottuln", asOf: $day) { legalDomain { key } level offers { key } organisations { key } } }""",
    """query { coverageChanges(from: "2022-06-01", to: "2023-06-01") { opened { municipality { key } need { key } }
       closed { municipality { key } need { key } } moved { municipality { key } need { key } before after }
       ended { key } started { key } } }""",
    """query($day: Date) { duplicates(municipalities: ["mun:olfen"], asOf: $day) { municipality { key } need { key }
       offers { key } providers { key } sharedProgrammes { key } } }""",
]

#: Answered by the fallback (a field with a resolver of its own; a bad cursor): the same answers all the same.
FALLBACKS = [
    """query($day: Date) { organisations(first: 5, asOf: $day) { nodes { key verifiedAt
         provides(where: {name: {contains: "a"}}, orderBy: [{field: NAME}]) { nodes { key } } } } }""",
    """query { organisations(first: 2) { nodes { key provides(after: "not-a-cursor") { nodes { key } } } } }""",
]


def _no_plan(*args: Any) -> Any:
    raise UnsupportedError("turned off by the test")


async def _both(store: Store, query: str, variables: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, int]:
    """The answer as served, the answer of graphql-core's own completion, and how often the plan fell back."""
    fell_back = 0
    ordinary = CompiledReads._fall_back

    async def counting(self: CompiledReads, *args: Any) -> Any:
        nonlocal fell_back
        fell_back += 1
        return await ordinary(self, *args)

    with monkeypatch.context() as patch:
        patch.setattr(CompiledReads, "_fall_back", counting)
        compiled = await schema.execute(
            query, variable_values=variables, context_value=Context(store, principal=ADMIN, policy=ROOMY)
        )
    with monkeypatch.context() as patch:
        # No plan is made: every root field takes the fallback, graphql-core completing each field.
        patch.setattr(Planner, "entity_plan", _no_plan)
        patch.setattr(Planner, "page_plan", _no_plan)
        patch.setattr(Planner, "value_plan", _no_plan)
        patch.setattr(CompiledReads, "writers", Writers())  # none kept from the compiled run
        plain = await schema.execute(
            query, variable_values=variables, context_value=Context(store, principal=ADMIN, policy=ROOMY)
        )
    return (
        (compiled.data, [e.formatted for e in compiled.errors or ()]),
        (plain.data, [e.formatted for e in plain.errors or ()]),
        fell_back,
    )


@pytest.mark.parametrize("day", ["2021-07-01", "2023-06-01"])
@pytest.mark.parametrize("query", EVERY_KIND)
async def test_every_field_of_every_kind_answers_as_graphql_core_does(
    seeded: Store, query: str, day: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled, plain, fell_back = await _both(seeded, query, {"day": day}, monkeypatch)
    assert compiled == plain
    assert not plain[1], plain[1]
    assert plain[0][next(iter(plain[0]))]["edges"]
    assert fell_back == 0


@pytest.mark.parametrize("day", ["2021-07-01", "2023-06-01"])
@pytest.mark.parametrize("query", EVERY_FILTER)
async def test_every_filtered_relationship_field_answers_as_the_fallback_does(
    seeded: Store, query: str, day: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled, plain, fell_back = await _both(seeded, query, {"day": day}, monkeypatch)
    assert compiled == plain
    assert not plain[1], plain[1]
    assert plain[0][next(iter(plain[0]))]["nodes"]
    assert fell_back == 0


@pytest.mark.parametrize("query", SHAPES)
async def test_paging_ordering_fragments_and_directives_answer_as_graphql_core_does(
    seeded: Store, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled, plain, fell_back = await _both(seeded, query, {"day": "2021-07-01", "no": True}, monkeypatch)
    assert compiled == plain
    assert not plain[1], plain[1]
    assert fell_back == 0


@pytest.mark.parametrize("query", PLAIN)
async def test_plain_root_answers_are_written_as_graphql_core_writes_them(
    seeded: Store, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = 0
    original = CompiledReads._write_plain

    def counting(self: CompiledReads, *args: Any) -> Any:
        nonlocal written
        answer = original(self, *args)
        written += answer is not None
        return answer

    monkeypatch.setattr(CompiledReads, "_write_plain", counting)
    compiled, plain, _ = await _both(seeded, query, {"day": "2021-07-01"}, monkeypatch)
    assert compiled == plain
    assert not plain[1], plain[1]
    assert written > 0  # written by the plan, not field by field


#: A referral whose selection changes with its variables: @include and @skip on fields and a fragment, and aliases.
KEPT = """query($day: Date, $more: Boolean!, $less: Boolean!, $names: Boolean!) { referral(case: {municipality: "mun:olfen", age: 22,
     needs: ["need:ausbildung", "need:sprache"], asOf: $day}) {
   needs { need { key name @include(if: $more) } offers { offer { key } reasons { code message @skip(if: $less) } } }
   excluded @include(if: $more) { offer { key } reasons { kind } }
   ...Conference @skip(if: $less) } }
   fragment Conference on ReferralResult { conference { members { organisation { key name @include(if: $names) } } } }"""

#: The same referral in another document: other field nodes, an alias, and a fixed selection.
KEPT_OTHER = """query($day: Date) { referral(case: {municipality: "mun:olfen", age: 22,
     needs: ["need:ausbildung", "need:sprache"], asOf: $day}) {
   perNeed: needs { need { key } offers { offer { name } } } } }"""


async def test_a_kept_writer_answers_as_graphql_core_does_whatever_the_variables_and_the_document(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = Writers()
    monkeypatch.setattr(CompiledReads, "writers", kept)
    used: list[int] = []  # the writer of each request, by id
    writer = kept.writer

    def recording(*args: Any) -> Any:
        found = writer(*args)
        used.append(id(found))
        return found

    monkeypatch.setattr(kept, "writer", recording)
    asked = [
        (KEPT, {"more": True, "less": False, "names": True}),
        (KEPT, {"more": False, "less": True, "names": True}),
        (KEPT, {"more": True, "less": False, "names": False}),  # a variable only the fragment reads
        (KEPT_OTHER, {}),
        (KEPT, {"more": True, "less": False, "names": True}),  # kept from the first
        (KEPT, {"more": False, "less": True, "names": True}),  # kept from the second
        (KEPT_OTHER, {}),
    ]
    answers = []
    for query, variables in asked:
        compiled, plain, fell_back = await _both(seeded, query, {"day": "2021-07-01", **variables}, monkeypatch)
        assert compiled == plain, variables
        assert not plain[1]
        assert fell_back == 0
        answers.append(compiled[0])
    assert answers[0] != answers[1]  # the variables do change the selection
    assert answers[0] != answers[2]
    assert "perNeed" in answers[3]["referral"]
    # One writer per document and set of variables, used again for the same ones.
    assert len(set(used)) == 4
    assert used[4] == used[0]
    assert used[5] == used[1]
    assert used[6] == used[3]
    assert len(kept) == 2


def test_an_entity_made_from_its_node_on_demand_has_every_field_of_an_entity(seed_data: GraphData) -> None:
    day = dt.date(2021, 7, 1)
    kinds = {node.kind for node in seed_data.nodes.values()}
    assert len(kinds) > 8
    for node in seed_data.nodes.values():
        made, copied = entity_of(node, day), entity(node, day)
        assert type(made).__strawberry_definition__ is type(copied).__strawberry_definition__
        assert isinstance(made, type(copied))
        for name in ["key", "version", *(p.name for p in MODEL.nodes[node.kind].props)]:
            assert getattr(made, name) == getattr(copied, name), (node.id, name)
            assert getattr(made, name) == getattr(copied, name)  # kept once read
        assert (made._node, made._day) == (copied._node, copied._day)


def test_a_null_where_the_schema_promises_a_value_leaves_the_answer_to_graphql_core() -> None:
    leaf = ValuePlan("leaf", str)
    assert write_value(ValuePlan("list", leaf), [1, None]) == ["1", None]
    assert write_value(ValuePlan("list", ValuePlan("nonNull", leaf)), None) is None
    for plan, value in [
        (ValuePlan("nonNull", leaf), None),
        (ValuePlan("list", ValuePlan("nonNull", leaf)), [1, None]),
        (ValuePlan("nonNull", ValuePlan("list", leaf)), None),
        (ValuePlan("nonNull", ValuePlan("object", {"Need": []})), None),
    ]:
        with pytest.raises(UnsupportedError, match="null where the schema promises a value"):
            write_value(plan, value)


def test_every_enum_value_is_written_with_the_name_graphql_core_gives_it() -> None:
    enums = [t for t in schema._schema.type_map.values() if isinstance(t, GraphQLEnumType) and hasattr(t, "wrapped_cls")]
    assert len(enums) > 5
    for enum_type in enums:
        write = _enum_serializer(enum_type)
        for member in enum_type.wrapped_cls:
            assert write(member) == enum_type.serialize(member), (enum_type, member)


@pytest.mark.parametrize("query", FALLBACKS)
async def test_what_the_plan_does_not_take_is_answered_by_the_fallback(
    seeded: Store, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled, plain, fell_back = await _both(seeded, query, {"day": "2021-07-01"}, monkeypatch)
    assert compiled == plain
    assert fell_back == 1


def _dated() -> GraphData:
    """Offers and links that begin or end right at 2024-06-01, on either side of it, or never."""
    day = dt.date(2024, 6, 1)
    data = GraphData()
    data.nodes["mun:ort"] = Node("Municipality", "mun:ort", {"name": "Ort"})
    data.nodes["org:traeger"] = Node("Organisation", "org:traeger", {"name": "Träger", "kind": "welfare"})
    dates = {
        "ends-that-day": {"validTo": day},
        "ended-before": {"validTo": day - dt.timedelta(days=1)},
        "starts-that-day": {"validFrom": day},
        "starts-after": {"validFrom": day + dt.timedelta(days=1)},
        "open": {},
    }
    for name, validity in dates.items():
        # Each twice: once with the validity on the offer, once on its link to the town.
        node, link = f"svc:{name}-offer", f"svc:{name}-link"
        data.nodes[node] = Node("Service", node, {"name": name, **validity})
        data.nodes[link] = Node("Service", link, {"name": name})
        data.edges[("AVAILABLE_IN", node, "mun:ort")] = Edge("AVAILABLE_IN", node, "mun:ort")
        data.edges[("AVAILABLE_IN", link, "mun:ort")] = Edge("AVAILABLE_IN", link, "mun:ort", dict(validity))
        for offer in (node, link):
            data.edges[("PROVIDES", "org:traeger", offer)] = Edge("PROVIDES", "org:traeger", offer, dict(validity))
    return data


@pytest.mark.parametrize("day", ["2024-05-31", "2024-06-01", "2024-06-02"])
async def test_validity_is_judged_alike_on_both_paths_at_the_boundaries(
    store: Store, day: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.replace_all(_dated())
    query = """query($day: Date) { node(id: "mun:ort") { ... on Municipality {
        offers(asOf: $day) { nodes { key providedBy { edges { validFrom validTo node { key } } } } } } } }"""
    compiled, plain, fell_back = await _both(store, query, {"day": day}, monkeypatch)
    assert compiled == plain
    assert fell_back == 0
    found = {o["key"]: [p["node"]["key"] for p in o["providedBy"]["edges"]] for o in plain[0]["node"]["offers"]["nodes"]}
    expected = {
        "2024-05-31": {"ended-before", "ends-that-day", "open"},
        "2024-06-01": {"ends-that-day", "starts-that-day", "open"},
        "2024-06-02": {"starts-that-day", "starts-after", "open"},
    }[day]
    assert set(found) == {f"svc:{n}-{way}" for n in expected for way in ("offer", "link")}
    # The provider's link carries the same dates as the offer's: on the day, always there.
    assert all(providers == ["org:traeger"] for providers in found.values())


async def test_versions_below_a_root_are_read_when_asked_for(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    run = make_runner(seeded)
    offers = await run('{ node(id: "mun:olfen") { ... on Municipality { offers { nodes { key version } } } } }')
    first = offers["node"]["offers"]["nodes"][0]
    changed = await run(
        'mutation($id: ID!, $v: Int!) { updateService(id: $id, version: $v, input: {name: "Umbenannt"}) { entity { version } } }',
        {"id": first["key"], "v": first["version"]},
    )
    assert changed["updateService"]["entity"]["version"] == first["version"] + 1
    query = '{ node(id: "mun:olfen") { ... on Municipality { offers { nodes { key name version } } } } }'
    compiled, plain, fell_back = await _both(seeded, query, {}, monkeypatch)
    assert compiled == plain
    assert fell_back == 0
    assert {"key": first["key"], "name": "Umbenannt", "version": first["version"] + 1} in plain[0]["node"]["offers"]["nodes"]


async def test_a_relationship_field_filtered_on_related_entities_is_answered_by_the_plan_in_one_read(
    seeded: Store, seed_data: GraphData, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date(2021, 7, 1)
    nodes, edges = seed_data.nodes, seed_data.edges.values()

    def holds(edge: Edge, other: str) -> bool:
        return valid_on(edge.props, day) and valid_on(nodes[other].props, day)

    offers: dict[str, list[str]] = {}
    for e in edges:
        if e.type == "PROVIDES" and holds(e, e.target):
            offers.setdefault(e.source, []).append(e.target)
    towns = {s: {e.target for e in edges if e.type == "AVAILABLE_IN" and e.source == s and holds(e, e.target)} for s in nodes}
    # The organisation with the most offers, and a town where some of them are available and some not.
    org = max(offers, key=lambda o: (len(offers[o]), o))
    town = min(t for s in offers[org] for t in towns[s] if not all(t in towns[other] for other in offers[org]))
    expected = sorted((nodes[s].props["name"], s) for s in offers[org] if town in towns[s])
    query = """query($org: ID!, $town: String!, $day: Date) { node(id: $org) { ... on Organisation { key
        provides(asOf: $day, where: {availableIn: {some: {key: {eq: $town}}}}, orderBy: [{field: NAME}]) {
          totalCount nodes { key name } } } } }"""
    variables = {"org": org, "town": town, "day": day.isoformat()}
    seeded.round_trips = 0
    found = (await make_runner(seeded)(query, variables))["node"]["provides"]
    # The organisation, its offers and their towns: on Neo4j one statement, embedded one read per level.
    assert seeded.round_trips == (1 if seeded.name == "neo4j" else 3)
    assert [(n["name"], n["key"]) for n in found["nodes"]] == expected
    assert 0 < found["totalCount"] == len(expected) < len(offers[org])
    compiled, plain, fell_back = await _both(seeded, query, variables, monkeypatch)
    assert compiled == plain
    assert fell_back == 0
