"""What following a write costs against rebuilding the index, at state scale (printed figures, not a test).

``python -m bench.follow [--scale 1.0]`` makes the synthetic state (``kimnet load
synthetic:nrw``'s data) in memory, indexes it once (``GraphIndex.of``: what a
rebuild costs in pure Python, before any read of a store) and times
``index_update.updated`` for one write of each kind. No store, no HTTP: the
store's part of a rebuild (about 4 s of the 5 s on Neo4j) comes on top of the
rebuild's figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable

from kimnet.graph.io.synthetic import nrw
from kimnet.graph.model.changes import Step
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.read.index import GraphIndex
from kimnet.graph.read.index_update import updated


def _timed(make: Callable[[], object], times: int = 5) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        make()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    data = nrw(scale=args.scale)
    index = GraphIndex.of(data)
    service = next(iter(index.offers.values())).node
    org_a, org_b = list(index.kinds["Organisation"])[:2]
    area = next(iter(index.kinds["Municipality"]))
    writes: dict[str, list[Step]] = {
        "update an offer": [Step("put", Node(service.kind, service.id, {**service.props, "name": "neu"}, service.version + 1))],
        "create an offer with 3 links": [
            Step("put", Node("Service", "svc:zzz-neu", {"name": "neu"})),
            Step("put", Edge("PROVIDES", org_a, "svc:zzz-neu")),
            Step("put", Edge("AVAILABLE_IN", "svc:zzz-neu", area, {"validTo": dt.date(2030, 1, 1)})),
        ],
        "link two organisations": [Step("put", Edge("COOPERATES_WITH", min(org_a, org_b), max(org_a, org_b)))],
        "delete an organisation": [Step("remove", index.by_id[org_a])],
    }
    print(f"state at scale {args.scale}: {len(index.by_id):,} entities, {len(index.offers):,} offers")
    print(f"{'rebuild the index (GraphIndex.of, no store)':45} {_timed(lambda: GraphIndex.of(data), 2) * 1000:9.1f} ms")
    for name, done in writes.items():
        print(f"{'follow: ' + name:45} {_timed(lambda done=done: updated(index, done)) * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
