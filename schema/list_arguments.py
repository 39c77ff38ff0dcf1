"""The arguments that lists and relationship fields share, and one function for what each of them does.

``asOf`` picks the day (``ListArguments.day``); ``orderBy``, ``first``, ``after``,
``last`` and ``before`` sort and cut the page (``ListArguments.page``, with
``schema.filters.order_values`` for the order); ``where`` is tested by
``schema.tree_filters``. The compiled plans (``schema.plans``) and the resolvers
that answer what a plan does not take (``schema.entities``, ``schema.explore``)
both go through these, so a relationship field pages, orders and dates its
entities the same way whichever path answers it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from kimnet.graph.model.kinds import Node
from kimnet.schema.filters import order_values
from kimnet.schema.pagination import Page, paginate

__all__ = ["ListArguments", "Ordering"]

T = TypeVar("T")

#: ``order_values`` of an orderBy: the sort values of a node, the descending flags, the order's name.
Ordering = tuple[Callable[[Node], tuple[Any, ...]], list[bool], str]


@dataclass(frozen=True, slots=True)
class ListArguments:
    """The arguments of a list or relationship field, as strawberry converts them (inputs as their classes)."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    where: Any = None  # a <Kind>Where input
    order_by: Sequence[Any] | None = None  # <Kind>Order inputs
    as_of: dt.date | None = None

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> ListArguments:
        """From the field's arguments by their GraphQL names (``orderBy``, ``asOf``); missing ones are unset."""
        return cls(
            given.get("first"),
            given.get("after"),
            given.get("last"),
            given.get("before"),
            given.get("where"),
            given.get("orderBy"),
            given.get("asOf"),
        )

    def day(self, parent_day: dt.date | None) -> dt.date | None:
        """The day the field's entities are read for: ``asOf``, or else the day of the entity it belongs to."""
        return self.as_of or parent_day

    def ordering(self) -> Ordering:
        """The order ``orderBy`` asks for (by id when none); a plan makes it once for all its pages."""
        return order_values(self.order_by)

    def page(self, items: Sequence[T], node_of: Callable[[T], Node], ordering: Ordering | None = None) -> Page[T]:
        """Sort ``items`` by their nodes (``node_of``) in the order asked for, then the id, and cut the page asked for.

        Raises:
            CursorError: a bad cursor, or a page size out of bounds.
        """
        values, descending, name = ordering or self.ordering()
        return paginate(
            items,
            lambda item: values(node_of(item)),
            descending,
            first=self.first,
            after=self.after,
            last=self.last,
            before=self.before,
            ordering=name,
        )
