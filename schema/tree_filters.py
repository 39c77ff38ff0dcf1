"""A ``where`` filter tested on trees: what to read below an entity to test it, and whether it passes.

``graph.rules.filtering`` holds the predicate tree and the tests of an entity's
own fields. A condition on related entities (``Related``) needs them read first.
``tree_filter`` turns a predicate into what to read of the entities it tests (the
properties its field tests look at, and per kind the relationships to follow, as
``graph.stores.trees`` describes a read) and one function that tests an entity
with what was read below it. Both paths read with it: a compiled plan reads the
filter's relationships in the same tree read as the answer (``schema.plans``), and
``schema.filters.matching`` reads them a level at a time through the request's
DataLoader. Related entities count when they and their relationship are valid on
the filtered field's day: every follow here takes the day of the level it starts
from, which is that day all the way down.

>>> from kimnet.graph.rules.filtering import FieldTest, Related
>>> from kimnet.graph.model.kinds import Node
>>> test = tree_filter(Related("provides", "some", FieldTest("name", "eq", "Kurs")), ["Organisation"])
>>> sorted(test.follows), test.follows["Organisation"][0].below[0][1].props
(['Organisation'], frozenset({'name'}))
>>> test.holds(Reached(Node("Organisation", "org:a", {})))  # nothing read below: no offer matches
False
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kimnet.graph.model.domain import MODEL
from kimnet.graph.rules.filtering import AllOf, AnyOf, FieldTest, Not, Predicate, Related, test_field
from kimnet.graph.stores.trees import Follow, Reached, Shape
from kimnet.schema.kinds import direction_of, targets_of

__all__ = ["TreeFilter", "tree_filter"]


@dataclass(frozen=True, slots=True)
class TreeFilter:
    """What a filter reads of the entities it tests, and the test itself."""

    #: Whether an entity passes, given what was read below it.
    holds: Callable[[Reached], bool]
    #: The properties its field tests read (the id is always there).
    props: frozenset[str] = frozenset()
    #: Per kind of entity tested: the relationships to read below it.
    follows: dict[str, tuple[Follow, ...]] = field(default_factory=dict)

    def shape(self, kind: str, props: frozenset[str] | None, follows: tuple[Follow, ...]) -> Shape:
        """A read of an entity of ``kind`` that gets ``props`` and ``follows`` (an answer's) and what this filter needs."""
        return Shape(None if props is None else props | self.props, follows + self.follows.get(kind, ()))


def tree_filter(predicate: Predicate, kinds: Iterable[str]) -> TreeFilter:
    """The read and the test of ``predicate`` on entities of ``kinds``."""
    match predicate:
        case FieldTest(field=name):
            return TreeFilter(lambda r: test_field(r.node, predicate), frozenset() if name == "id" else frozenset({name}))
        case AllOf(parts):
            tests = [tree_filter(p, kinds) for p in parts]
            return _joined(tests, lambda r: all(t.holds(r) for t in tests))
        case AnyOf(parts):
            tests = [tree_filter(p, kinds) for p in parts]
            return _joined(tests, lambda r: any(t.holds(r) for t in tests))
        case Not(part):
            inner = tree_filter(part, kinds)
            return TreeFilter(lambda r: not inner.holds(r), inner.props, inner.follows)
        case Related():
            return _related(predicate, kinds)
    raise TypeError(f"unknown predicate {predicate!r}")


def _joined(tests: list[TreeFilter], holds: Callable[[Reached], bool]) -> TreeFilter:
    follows: dict[str, tuple[Follow, ...]] = {}
    for test in tests:
        for kind, found in test.follows.items():
            follows[kind] = follows.get(kind, ()) + found
    return TreeFilter(holds, frozenset().union(*(t.props for t in tests)), follows)


def _related(predicate: Related, kinds: Iterable[str]) -> TreeFilter:
    name = predicate.field
    having = [k for k in dict.fromkeys(kinds) if name in MODEL.link_fields(k)]
    targets = list(dict.fromkeys(t for k in having for t in targets_of(k, name)))
    inner = tree_filter(predicate.part, targets)
    below = tuple((t, inner.shape(t, frozenset(), ())) for t in targets)
    follows: dict[str, Follow] = {}
    for kind in having:
        rel, _ = MODEL.link_fields(kind)[name]
        follows[kind] = Follow(rel.type, direction_of(kind, name), None, below, frozenset())
    wanted = predicate.quantifier == "some"

    def holds(reached: Reached) -> bool:
        follow = follows.get(reached.node.kind)
        pairs = reached.links.get(follow, []) if follow is not None else []
        return any(inner.holds(r) for _, r in pairs) == wanted

    return TreeFilter(holds, frozenset(), {kind: (follow,) for kind, follow in follows.items()})
