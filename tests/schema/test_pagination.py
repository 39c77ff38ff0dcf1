"""Pages cut by ``schema.pagination.paginate``: the order is the sort order, whatever order the items came in."""

from __future__ import annotations

import itertools
import random

import pytest

from kimnet.schema.pagination import paginate

IDS = [f"svc:{n:03d}" for n in range(12)]


def _by_id(item: str) -> tuple[str]:
    return (item,)


@pytest.mark.parametrize(
    "given",
    [IDS, IDS[::-1], random.Random(7).sample(IDS, len(IDS)), IDS[1:] + IDS[:1], [IDS[1], IDS[0]]],
    ids=["sorted", "reversed", "shuffled", "rotated", "two-swapped"],
)
def test_a_whole_list_comes_in_id_order_however_it_was_given(given: list[str]) -> None:
    page = paginate(given, _by_id)
    assert page.items == sorted(given)
    assert page.values == [(i,) for i in sorted(given)]
    assert (page.has_next, page.has_previous, page.total) == (False, False, len(given))


@pytest.mark.parametrize("given", [IDS, IDS[::-1]], ids=["sorted", "reversed"])
def test_pages_walk_the_sort_order_with_cursors(given: list[str]) -> None:
    walked: list[str] = []
    after = None
    for _ in range(5):
        page = paginate(given, _by_id, first=5, after=after)
        walked += page.items
        after = page.end_cursor
        if not page.has_next:
            break
    assert walked == IDS


def test_descending_order_and_ties_broken_by_id() -> None:
    given = [("b", 1), ("a", 2), ("c", 1), ("d", 2)]
    page = paginate(given, lambda item: (item[1], item[0]), [True, False], ordering="n desc")
    assert page.items == [("a", 2), ("d", 2), ("b", 1), ("c", 1)]


def test_every_order_of_a_few_items_gives_the_same_page() -> None:
    for given in itertools.permutations(IDS[:4]):
        assert paginate(list(given), _by_id, first=3).items == IDS[:3]
        assert paginate(list(given), _by_id).items == IDS[:4]
