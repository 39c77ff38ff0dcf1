"""A request leaves nothing in reference cycles: its objects go when it ends, even where the service froze them.

The service keeps the read cache's data out of the cyclic collector's passes
(``gc.freeze``), which freezes the requests in flight too; what of them was in
cycles then stayed until a full pass over the index (``schema.compiled``).
A request that fails still may (its error's traceback holds its frames): those
are few, and the next renewal of the freeze frees them (``graph.stores.collector``).

The Neo4j driver leaves cycles of its own for every transaction (a session's
config, a result's hydrators and graph: about 60 to 200 objects): those are not
kimnet's to break. They are set apart here (what a driver object reaches among
the garbage), and what is left must be nothing; a freeze that catches them in
flight is bounded by the freezer's renewal.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from types import FunctionType

import pytest

from kimnet.graph.stores.store import Store
from tests.schema.conftest import Run, make_runner

REQUESTS = {
    "referral": """{ referral(case: {municipality: "mun:olfen", needs: ["need:ausbildung"], age: 22, asOf: "2021-07-01"}) {
        needs { offers { offer { key name } reasons { code message } } } excluded { offer { key } reasons { kind message } }
        conference { members { organisation { key } cooperationPath { key } } } } }""",
    "gaps": '{ coverageGaps(asOf: "2021-07-01") { municipality { key } need { key } } }',
    "a page with relationships": """{ organisations(first: 5, asOf: "2021-07-01") {
        nodes { key name provides(first: 3) { nodes { key availableIn { nodes { ... on Municipality { key } } } } } } } }""",
    "an entity by key": '{ node(id: "org:geba") { ... on Organisation { key name } } }',
    "a field with a resolver of its own": '{ node(id: "org:geba") { ... on Organisation { key verifiedAt lastModified } } }',
}


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _the_drivers(found: object) -> bool:
    """Whether an object is the Neo4j driver's: its type's module, or a function's own."""
    module = getattr(found, "__module__", None) if callable(found) else None
    return (module or type(found).__module__ or "").split(".")[0] == "neo4j"


def _name(found: object) -> str:
    """An object's type, and a function's own name (which of them is in a cycle tells where)."""
    name = type(found).__qualname__
    return f"{name} {found.__module__}.{found.__qualname__}" if isinstance(found, FunctionType) else name


def _left_in_cycles() -> Counter[str]:
    """The objects that only the cyclic collector could free, by type, but for the driver's and what they reach."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        garbage = {id(found): found for found in gc.garbage}
        drivers = [found for found in garbage.values() if _the_drivers(found)]
        reached = {id(found) for found in drivers}
        while drivers:
            for referent in gc.get_referents(drivers.pop()):
                if id(referent) in garbage and id(referent) not in reached:
                    reached.add(id(referent))
                    drivers.append(referent)
        return Counter(_name(found) for key, found in garbage.items() if key not in reached)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.collect()  # saved, they were kept: now they go


@pytest.mark.parametrize("name", REQUESTS)
async def test_a_request_leaves_nothing_in_cycles(seeded: Store, name: str, collector_off: None) -> None:
    run: Run = make_runner(seeded)
    await run(REQUESTS[name])  # the first: the read cache's data and the documents' caches are made
    gc.collect()
    await run(REQUESTS[name])
    left = _left_in_cycles()
    assert not left, str(sorted(left.items()))


async def test_a_write_leaves_nothing_in_cycles(seeded: Store, collector_off: None) -> None:
    run = make_runner(seeded)
    rename = (
        'mutation($v: Int!) { updateOrganisation(id: "org:geba", version: $v, input: {name: "GEBA"}) { entity { version } } }'
    )
    version = (await run('{ node(id: "org:geba") { ... on Organisation { version } } }'))["node"]["version"]
    version = (await run(rename, {"v": version}))["updateOrganisation"]["entity"]["version"]
    gc.collect()
    await run(rename, {"v": version})
    left = _left_in_cycles()
    assert not left, str(sorted(left.items()))
