"""``where`` and ``orderBy`` inputs, made per node kind from the model, and their evaluation.

For every node kind there is a ``<Kind>Where`` input with one filter per
property (by type: ``StringFilter``, ``IntFilter``, ``DateFilter``, ...), one
``some``/``none`` filter per relationship field, and ``AND``/``OR``/``NOT``; and
a ``<Kind>Order`` input over its sortable properties. The inputs become the
plain predicates of ``graph.rules.filtering``, tested on entities and what is
read below them (``schema.tree_filters``).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional  # noqa: F401 (Optional: in generated annotations)

import strawberry

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.kinds import Node, PropType
from kimnet.graph.rules.filtering import AllOf, AnyOf, FieldTest, Not, Predicate, Related, anchor
from kimnet.graph.stores.store import Direction, Hop
from kimnet.graph.stores.trees import Reached
from kimnet.schema.ids import to_key
from kimnet.schema.kinds import direction_of, targets_of
from kimnet.schema.tree_filters import tree_filter

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = ["ORDER", "WHERE", "SortDirection", "candidates", "matching", "order_values", "to_predicate"]


@strawberry.enum(description="Sort direction")
class SortDirection(enum.Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest first (A to Z, oldest first); missing values last")
    DESC = strawberry.enum_value("DESC", description="Largest first (Z to A, newest first)")


@strawberry.input(description="Conditions on a stable id")
class IdFilter:
    eq: str | None = strawberry.field(default=None, description="This key or global id")
    in_: list[str] | None = strawberry.field(name="in", default=None, description="Equal to one of these values")
    startsWith: str | None = strawberry.field(default=None, description="Starts with this text, ignoring case")


@strawberry.input(description="Conditions on a text; contains and startsWith ignore case")
class StringFilter:
    eq: str | None = strawberry.field(default=None, description="Equal to this value")
    ne: str | None = strawberry.field(default=None, description="Not equal to this value")
    in_: list[str] | None = strawberry.field(name="in", default=None, description="Equal to one of these values")
    notIn: list[str] | None = strawberry.field(default=None, description="Equal to none of these values")
    contains: str | None = strawberry.field(default=None, description="Contains this text, ignoring case")
    startsWith: str | None = strawberry.field(default=None, description="Starts with this text, ignoring case")
    isNull: bool | None = strawberry.field(default=None, description="true: has no value; false: has one")


@strawberry.input(description="Conditions on a whole number")
class IntFilter:
    eq: int | None = strawberry.field(default=None, description="Equal to this value")
    ne: int | None = strawberry.field(default=None, description="Not equal to this value")
    in_: list[int] | None = strawberry.field(name="in", default=None, description="Equal to one of these values")
    gt: int | None = strawberry.field(default=None, description="Greater than this value")
    gte: int | None = strawberry.field(default=None, description="Greater than or equal to this value")
    lt: int | None = strawberry.field(default=None, description="Less than this value")
    lte: int | None = strawberry.field(default=None, description="Less than or equal to this value")
    isNull: bool | None = strawberry.field(default=None, description="true: has no value; false: has one")


@strawberry.input(description="Conditions on a number")
class FloatFilter:
    eq: float | None = strawberry.field(default=None, description="Equal to this value")
    ne: float | None = strawberry.field(default=None, description="Not equal to this value")
    gt: float | None = strawberry.field(default=None, description="Greater than this value")
    gte: float | None = strawberry.field(default=None, description="Greater than or equal to this value")
    lt: float | None = strawberry.field(default=None, description="Less than this value")
    lte: float | None = strawberry.field(default=None, description="Less than or equal to this value")
    isNull: bool | None = strawberry.field(default=None, description="true: has no value; false: has one")


@strawberry.input(description="Conditions on a date")
class DateFilter:
    eq: dt.date | None = strawberry.field(default=None, description="Equal to this value")
    ne: dt.date | None = strawberry.field(default=None, description="Not equal to this value")
    gt: dt.date | None = strawberry.field(default=None, description="Greater than this value")
    gte: dt.date | None = strawberry.field(default=None, description="Greater than or equal to this value")
    lt: dt.date | None = strawberry.field(default=None, description="Less than this value")
    lte: dt.date | None = strawberry.field(default=None, description="Less than or equal to this value")
    isNull: bool | None = strawberry.field(default=None, description="true: has no value; false: has one")


@strawberry.input(description="Conditions on a yes/no value")
class BooleanFilter:
    eq: bool | None = strawberry.field(default=None, description="Equal to this value")
    isNull: bool | None = strawberry.field(default=None, description="true: has no value; false: has one")


@strawberry.input(description="Conditions on a list of texts")
class StringListFilter:
    includes: str | None = strawberry.field(default=None, description="The list holds this text")
    includesAny: list[str] | None = strawberry.field(default=None, description="The list holds at least one of these texts")
    isEmpty: bool | None = strawberry.field(
        default=None, description="true: the list is empty (or missing); false: it holds something"
    )


_FILTER_FOR: dict[PropType, type] = {
    PropType.STRING: StringFilter,
    PropType.INT: IntFilter,
    PropType.FLOAT: FloatFilter,
    PropType.BOOL: BooleanFilter,
    PropType.DATE: DateFilter,
    PropType.STRINGS: StringListFilter,
}

#: Input types by name, so that generated annotations can refer to each other by string.
_NAMESPACE: dict[str, Any] = {}
WHERE: dict[str, type] = {}
ORDER: dict[str, type] = {}
#: For each generated Where class: python attribute -> (GraphQL field, what it is).
_FIELDS: dict[type, dict[str, tuple[str, str]]] = {}


def _where_name(labels: tuple[str, ...]) -> str:
    return f"{labels[0]}Where" if len(labels) == 1 else "EntityWhere"


def _make_where(label: str | None) -> type:
    """Build ``<label>Where``, or ``EntityWhere`` (id and name only) for mixed kinds."""
    name = f"{label}Where" if label else "EntityWhere"
    # ``key`` filters the stable id ("org:…"); FieldTest calls it "id".
    annotations: dict[str, Any] = {"key": IdFilter | None}
    namespace: dict[str, Any] = {"key": strawberry.field(default=None, description="Conditions on the stable key")}
    fields: dict[str, tuple[str, str]] = {"key": ("id", "field")}
    props = MODEL.node(label).props if label else tuple(p for p in MODEL.node("Organisation").props if p.name == "name")
    for prop in props:
        annotations[prop.name] = _FILTER_FOR[prop.type] | None
        namespace[prop.name] = strawberry.field(default=None, description=prop.doc)
        fields[prop.name] = (prop.name, "field")
    for field_name in MODEL.link_fields(label) if label is not None else ():
        annotations[field_name] = f"Optional[{_link_filter_name(targets_of(label, field_name))}]"
        namespace[field_name] = strawberry.field(default=None, description=f"Conditions on the entities in {field_name}")
        fields[field_name] = (field_name, "link")
    for attr, graphql, kind in (("AND", "AND", "and"), ("OR", "OR", "or")):
        annotations[attr] = f"Optional[list[{name}]]"
        namespace[attr] = strawberry.field(name=graphql, default=None, description=f"Each ({kind}) of these holds")
        fields[attr] = (graphql, kind)
    annotations["NOT"] = f"Optional[{name}]"
    namespace["NOT"] = strawberry.field(name="NOT", default=None, description="This does not hold")
    fields["NOT"] = ("NOT", "not")
    cls = type(name, (), {"__annotations__": annotations, "__module__": __name__, **namespace})
    made = strawberry.input(cls, description=f"Conditions on {label or 'an entity'}; all given conditions must hold")
    _FIELDS[made] = fields
    _NAMESPACE[name] = made
    return made


def _link_filter_name(labels: tuple[str, ...]) -> str:
    return f"{labels[0]}LinkFilter" if len(labels) == 1 else "EntityLinkFilter"


def _make_link_filter(labels: tuple[str, ...]) -> type:
    where = _where_name(labels)
    cls = type(
        _link_filter_name(labels),
        (),
        {
            "__annotations__": {"some": f"Optional[{where}]", "none": f"Optional[{where}]"},
            "__module__": __name__,
            "some": strawberry.field(default=None, description="At least one related entity matches"),
            "none": strawberry.field(default=None, description="No related entity matches"),
        },
    )
    made = strawberry.input(cls, description="Conditions on related entities")
    _NAMESPACE[cls.__name__] = made
    return made


def enum_name(name: str) -> str:
    """A property's name as a GraphQL enum value: validFrom -> VALID_FROM (the GraphQL convention)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


def _make_order(label: str) -> type:
    sortable = [p for p in MODEL.node(label).props if p.type is not PropType.STRINGS]
    # Each value sorts by the property of its name; the value is the property, the name is in capitals.
    members = {
        "KEY": strawberry.enum_value("id", description="The stable key"),
        **{enum_name(p.name): strawberry.enum_value(p.name, description=p.doc) for p in sortable},
    }
    field_enum = strawberry.enum(enum.Enum(f"{label}OrderField", members), description=f"What {label} lists can be sorted by")  # type: ignore[call-overload]
    cls = type(
        f"{label}Order",
        (),
        {
            "__annotations__": {"field": field_enum, "direction": SortDirection},
            "__module__": __name__,
            "field": strawberry.field(description="The property to sort by"),
            "direction": strawberry.field(default=SortDirection.ASC, description="Ascending (default) or descending"),
        },
    )
    made = strawberry.input(cls, description=f"One sort key for {label} lists; later keys break ties, the id breaks the rest")
    _NAMESPACE[cls.__name__] = made
    return made


for _label in MODEL.nodes:
    WHERE[_label] = _make_where(_label)
    ORDER[_label] = _make_order(_label)
    _make_link_filter((_label,))
WHERE["Entity"] = _make_where(None)
_make_link_filter(("Municipality", "Region"))
globals().update(_NAMESPACE)  # string annotations above are resolved in this module


def to_predicate(where: Any) -> Predicate:
    """Turn a ``<Kind>Where`` input into a predicate tree."""
    parts: list[Predicate] = []
    for attr, (name, kind) in _FIELDS[type(where)].items():
        value = getattr(where, attr)
        if value is None:
            continue
        if kind == "field":
            for op_attr, op_value in vars(value).items():
                if op_value is not None:
                    op = "in" if op_attr == "in_" else op_attr
                    if name == "id" and op in ("eq", "in"):  # keys or global ids, as everywhere
                        op_value = [to_key(v) for v in op_value] if isinstance(op_value, list) else to_key(op_value)
                    parts.append(FieldTest(name, op, tuple(op_value) if isinstance(op_value, list) else op_value))  # type: ignore[arg-type]
        elif kind == "link":
            if value.some is not None:
                parts.append(Related(name, "some", to_predicate(value.some)))
            if value.none is not None:
                parts.append(Related(name, "none", to_predicate(value.none)))
        elif kind == "and":
            parts.append(AllOf(tuple(to_predicate(w) for w in value)))
        elif kind == "or":
            parts.append(AnyOf(tuple(to_predicate(w) for w in value)))
        else:
            parts.append(Not(to_predicate(value)))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


async def matching(context: Context, nodes: Sequence[Node], predicate: Predicate, day: dt.date | None) -> set[str]:
    """Return the ids of ``nodes`` that satisfy ``predicate``.

    The test is ``schema.tree_filters``', as a compiled plan applies it; what it
    needs below the nodes (links valid on ``day``) is read here a level at a time
    through the DataLoader, so a filter costs round trips by its depth, not by
    the number of entities it looks at.
    """
    if isinstance(predicate, AllOf):
        # Condition by condition (own fields first, as to_predicate orders them): each later one reads
        # below the entities still in, not below every entity of a state's list.
        kept = list(nodes)
        for part in predicate.parts:
            passed = await matching(context, kept, part, day)
            kept = [n for n in kept if n.id in passed]
        return {n.id for n in kept}
    test = tree_filter(predicate, {n.kind for n in nodes})
    roots = [Reached(n) for n in nodes]
    level = [(r, test.follows.get(r.node.kind, ())) for r in roots]
    while level:
        asked = [(reached, follow) for reached, follows in level for follow in follows]
        found = await context.loaders.neighbours.load_many(
            [(f.rel_type, f.direction, day, reached.node.id) for reached, f in asked]
        )
        level = []
        for (reached, follow), pairs in zip(asked, found, strict=True):
            reached.links[follow] = [(edge, Reached(node)) for edge, node in pairs]
            for _, below in reached.links[follow]:
                shape = follow.shape_of(below.node.kind)
                if shape is not None and shape.follows:
                    level.append((below, shape.follows))
    return {r.node.id for r in roots if test.holds(r)}


_REVERSE: dict[Direction, Direction] = {"out": "in", "in": "out", "both": "both"}


async def candidates(context: Context, label: str, predicate: Predicate, day: dt.date | None) -> tuple[list[Node], bool] | None:
    """The entities of kind ``label`` (valid on ``day``) that can satisfy ``predicate``, by id; None: any can.

    When the predicate names ids at the end of a chain of ``some`` conditions
    (``graph.rules.filtering.anchor``), the chain is followed backwards from those ids
    (the ones valid on ``day``) in one ``Store.follow_chain``, instead of testing every
    entity of the kind. Returns the entities and whether they are exactly the
    matches (the chain is the whole predicate); if not, ``matching`` decides.
    """
    found = anchor(predicate)
    if found is None:
        return None
    levels: list[set[str]] = [{label}]
    for field_name in found.fields:
        levels.append(
            {t for source in levels[-1] if field_name in MODEL.link_fields(source) for t in targets_of(source, field_name)}
        )
    # Backwards from the named ids: a step per field, from its last to its first, each from any kind
    # that has the field to the kinds the step before reached. The named entities count only when
    # they exist and are valid on the day, as a forward test would find.
    steps: list[list[Hop]] = []
    for step in range(len(found.fields) - 1, -1, -1):
        field_name = found.fields[step]
        hops: list[Hop] = []
        for source in sorted(levels[step]):
            if field_name in MODEL.link_fields(source):
                rel, _ = MODEL.link_fields(source)[field_name]
                hops.append((rel.type, _REVERSE[direction_of(source, field_name)], source))
        steps.append(hops)
    return await context.store.follow_chain(found.ids, levels[-1], steps, day), found.whole


def _by_id(node: Node) -> tuple[Any, ...]:
    # The order of every list without ``orderBy``: a view of a town's offers pages some 400 lists.
    return (node.id,)


def order_values(order_by: Sequence[Any] | None) -> tuple[Any, list[bool], str]:
    """Return (values of a node, descending flags, the ordering's name) for ``orderBy``.

    The id always comes last, so the order is total; the name lets a cursor be
    checked against the ordering it was made for.
    """
    keys = [(str(o.field.value), o.direction is SortDirection.DESC) for o in order_by or ()]
    if not keys:
        return _by_id, [False], ""

    def values(node: Node) -> tuple[Any, ...]:
        return (*(node.id if f == "id" else node.props.get(f) for f, _ in keys), node.id)

    ordering = ",".join(f"{f} {'desc' if desc else 'asc'}" for f, desc in keys)
    return values, [desc for _, desc in keys] + [False], ordering
