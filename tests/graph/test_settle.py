"""The service settles its heap once it has started (``collector.settle``): requests' objects set off no full passes."""

from __future__ import annotations

import subprocess
import sys

import pytest

# In a fresh process (thresholds and freezes are the whole process's): a start of 200,000 objects that
# stay, a cycle of garbage, then fifty requests that each hold 30,000 objects at once and drop them.
# Prints the full passes the requests set off, whether the garbage was freed, and what is frozen.
_REQUESTS = """
import gc, sys, weakref
from kimnet.graph.stores.collector import YOUNG, settle
full = []
gc.callbacks.append(lambda phase, info: full.append(1) if phase == "stop" and info["generation"] == 2 else None)
start = [[i] for i in range(200_000)]
class Cycle:
    def __init__(self):
        self.me = self
garbage = Cycle()
gone = weakref.ref(garbage)
del garbage
if sys.argv[1] == "settle":
    settle()
    assert gc.get_threshold()[0] == YOUNG
full.clear()
for _ in range(50):
    answer = [[i] for i in range(30_000)]
    del answer
print(len(full), gone() is None, gc.get_freeze_count() >= len(start))
"""


def _run(mode: str) -> tuple[int, bool, bool]:
    out = subprocess.run([sys.executable, "-c", _REQUESTS, mode], capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), out[1] == "True", out[2] == "True"


@pytest.mark.parametrize("mode", ["default", "settle"])
def test_requests_set_off_full_passes_only_without_settling(mode: str) -> None:
    passes, freed, frozen = _run(mode)
    if mode == "default":
        # CPython's thresholds: what a request holds outlives two young passes and adds up to full ones.
        assert passes > 5
        assert not frozen
    else:
        assert passes == 0
        assert frozen  # the start is out of the passes
    assert freed  # garbage of the start was collected before the freeze, not frozen for good
