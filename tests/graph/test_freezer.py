"""What a keep freezes of requests in flight is freed again when the freeze is renewed."""

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
    freezer = Freezer(renew_after=3, every=0.0)
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
    freezer = Freezer(renew_after=1, every=3600.0)
    held = _Cycle()
    gone = weakref.ref(held)
    freezer()
    del held
    for _ in range(5):
        freezer()
    assert gone() is not None
    assert freezer.renewals == 0
