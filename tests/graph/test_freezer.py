"""What a keep freezes of requests in flight is freed again when the freeze is renewed, once what is frozen has grown."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from kimnet.graph.stores.collector import Freezer


class _Cycle:
    """Garbage only the cyclic collector frees: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the test process as it was: nothing left out of the collector's passes


def test_what_a_keep_froze_of_a_request_is_freed_when_the_freeze_is_renewed() -> None:
    freezer = Freezer(renew_after=3, every=0.0, growth=0.0)
    held = _Cycle()  # what a request in flight holds when the read cache keeps something
    gone = weakref.ref(held)
    freezer()
    del held  # the request ends
    gc.collect()
    assert gone() is not None  # frozen: no pass looks at it
    freezer()
    gc.collect()
    assert gone() is not None
    freezer()  # the third keep renews the freeze
    assert gone() is None
    assert freezer.renewals == 1


def test_the_freeze_is_renewed_at_most_once_in_a_while() -> None:
    freezer = Freezer(renew_after=1, every=3600.0, growth=0.0)
    held = _Cycle()
    gone = weakref.ref(held)
    freezer()
    del held
    for _ in range(5):
        freezer()
    assert gone() is not None
    assert freezer.renewals == 0


def test_the_freeze_is_renewed_only_once_what_is_frozen_has_grown_by_a_quarter() -> None:
    # Renewing is a full pass over all that is frozen (half a second at state scale, every request
    # waits): not worth it for the little that a failed request leaves in cycles.
    freezer = Freezer(renew_after=1, every=0.0, growth=0.25)
    freezer()
    held = _Cycle()
    gone = weakref.ref(held)
    freezer()
    del held
    freezer()
    assert gone() is not None
    assert freezer.renewals == 0
    kept = [[] for _ in range(gc.get_freeze_count() // 3)]  # what a new generation keeps: a third more
    freezer()
    assert freezer.renewals == 1
    assert gone() is None
    assert kept
