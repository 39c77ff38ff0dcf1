"""Opening the configured store, and loading a seed folder into it."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from kimnet.graph.io.seedfile import load_seed_dir
from kimnet.graph.model.errors import NoStoreError
from kimnet.graph.model.graphdata import Counts, GraphData, checksum, counts
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.graph.stores.store import Store
from kimnet.service.config import Settings

__all__ = ["load_seed", "open_store"]

_ARRAY_LIBRARIES = ("numpy", "pandas", "pyarrow")


@contextlib.contextmanager
def _without_array_libraries() -> Iterator[None]:
    """Hide numpy, pandas and pyarrow from the Neo4j driver while it is imported, where none is imported yet.

    The driver imports each that is installed, to take their arrays as parameters and
    give results as data frames; kimnet does neither, and numpy alone (installed for
    matplotlib's coverage report, which imports it when it runs) costs a worker 19 MB.
    An import the driver cannot make is one it does without (``neo4j._optional_deps``).
    """
    hidden = [name for name in _ARRAY_LIBRARIES if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # Python's own "not importable here"
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


async def open_store(settings: Settings, *, lazy: bool = False, existing: bool = False) -> Store:
    """Open Neo4j when a URI is configured, otherwise the embedded store in the data folder.

    With ``lazy``, Neo4j is not contacted yet (the service prepares it when it
    answers); otherwise it must answer now. Neo4j ends every transaction of a
    request after ``settings.neo4j_timeout`` seconds. With ``existing``, a data
    folder that holds no store is refused instead of made into an empty one:
    commands that read must not answer from a mistyped folder.

    Raises:
        StoreUnavailableError: Neo4j cannot be reached (not with ``lazy``).
        NoStoreError: ``existing`` and the data folder holds no store.
        StoreError, StoreCorruptedError: the data folder cannot be used.
    """
    if settings.neo4j_uri:
        # Imported only here: the driver costs a process on the embedded store 50 MB.
        with _without_array_libraries():
            from kimnet.graph.stores.neo4j import Neo4jStore

        args = (settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password.reveal(), settings.neo4j_database)
        if lazy:
            return Neo4jStore.open(*args, tx_timeout=settings.neo4j_timeout)
        return await Neo4jStore.connect(*args, tx_timeout=settings.neo4j_timeout)
    if existing and not EmbeddedStore.holds_store(settings.data_dir):
        raise NoStoreError(
            f"{settings.data_dir} holds no kimnet store; check --data-dir (or KIMNET_DATA_DIR), "
            f"or make one there first: kimnet load seeds/coesfeld --data-dir {settings.data_dir}"
        )
    return EmbeddedStore.open(settings.data_dir)


async def load_seed(store: Store, folder: Path) -> tuple[Counts, str]:
    """Replace the store's graph with the seed in ``folder``; return its counts and checksum.

    Raises:
        SeedError: the seed is invalid; the store is unchanged.
    """
    data: GraphData = load_seed_dir(folder)
    await store.replace_all(data)
    return counts(data), checksum(data)
