"""The one narrow, async interface that both storage backends implement.

A store holds one graph. It answers a few primitives (nodes by id, nodes of a
kind, batched neighbour lookups, a snapshot of everything) and takes writes as
a list of changes applied atomically. Everything else (eligibility, ranking,
coverage, network analysis) is plain Python over what these primitives return.

Each primitive is one round trip to the database; ``round_trips`` counts them,
so tests can prove that a request's round trips do not grow with its results.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from kimnet.graph.model.audit import Actor, AuditEntry, AuditQuery
from kimnet.graph.model.changes import Change, Step, steps
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.freshness import Freshness
from kimnet.graph.model.graphdata import Counts, GraphData, counts
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.model.ordering import neighbour_key
from kimnet.graph.model.proposals import Proposal, ProposalQuery
from kimnet.graph.model.sidewrite import SideWrite
from kimnet.graph.model.validity import valid_on
from kimnet.graph.stores.trees import Follow, Reached, Shape

__all__ = ["Chain", "Direction", "Hop", "Neighbours", "Progress", "Store", "WriteResult", "Written", "held_neighbours"]

log = logging.getLogger(__name__)

#: Which way to follow a relationship from the given nodes.
Direction: TypeAlias = Literal["out", "in", "both"]

#: For each asked id: the relationships found, each with the node at its other end.
Neighbours: TypeAlias = dict[str, list[tuple[Edge, Node]]]

#: One way a step of ``Store.follow_chain`` may go: relationship type, direction, and the kind of node it reaches.
Hop: TypeAlias = tuple[str, Direction, str]

#: The steps of ``Store.follow_chain`` in turn, each going along any of its hops.
Chain: TypeAlias = Sequence[Sequence[Hop]]

#: What each change of a write produced: the stored node or edge, or the removed one.
WriteResult: TypeAlias = list[Node | Edge]

#: Told (rows done, rows in all) as a whole-graph import goes on; rows are nodes and edges.
Progress: TypeAlias = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Written:
    """A committed write that made a new generation: the generation it found, the one it made, and what it did.

    ``steps`` is None for a ``replace_all``: the whole graph changed, and there is nothing to follow.
    """

    before: str
    after: str
    steps: Sequence[Step] | None


class Store(ABC):
    """A graph store. Subclasses implement the ``_``-prefixed primitives."""

    #: A short name for messages and metrics: "embedded" or "neo4j".
    name: str

    def __init__(self) -> None:
        self.round_trips = 0
        #: Told of every write of this process that made a new generation, once it is committed, and
        #: awaited before the write returns (``graph.read.readcache`` applies it to its index then,
        #: instead of reading the store again, so that no request waits for it afterwards).
        self.listeners: list[Callable[[Written], Awaitable[None]]] = []

    # -- lifecycle ---------------------------------------------------------

    @abstractmethod
    async def ping(self) -> None:
        """Return when the store answers; raise StoreUnavailableError otherwise."""

    @abstractmethod
    async def close(self) -> None:
        """Release files or connections; the store is unusable afterwards."""

    # -- reads -------------------------------------------------------------

    async def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """Return the nodes with these ids that exist, by id (one round trip)."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        self.round_trips += 1
        return await self._get_nodes(wanted)

    async def nodes_of_kind(self, label: str, as_of: dt.date | None = None) -> list[Node]:
        """Return every node of kind ``label`` (valid on ``as_of``, if given), in ``ordering.NODE_ORDER``."""
        if label not in MODEL.nodes:
            raise ValueError(f"unknown node kind {label!r}")
        self.round_trips += 1
        nodes = await self._nodes_of_kind(label)
        return [n for n in nodes if as_of is None or valid_on(n.props, as_of)]

    async def neighbours(
        self, ids: Iterable[str], rel_type: str, direction: Direction, as_of: dt.date | None = None
    ) -> Neighbours:
        """Follow ``rel_type`` from each of ``ids`` in one round trip.

        With ``as_of``, relationships and nodes not valid on that day are left out.
        Results per id are in ``ordering.NEIGHBOUR_ORDER``; every asked id has an entry.
        """
        if rel_type not in MODEL.rels:
            raise ValueError(f"unknown relationship kind {rel_type!r}")
        wanted = list(dict.fromkeys(ids))
        result: Neighbours = {i: [] for i in wanted}
        if not wanted:
            return result
        self.round_trips += 1
        for node_id, found in (await self._neighbours(wanted, rel_type, direction)).items():
            result[node_id] = held_neighbours(found, as_of)
        return result

    async def edges(self, rel_type: str, as_of: dt.date | None = None) -> list[Edge]:
        """Return every relationship of type ``rel_type`` (holding on ``as_of``, if given), without the nodes' properties.

        One round trip: the whole-network questions (coverage of every
        municipality) need all links of a few types, and nothing of the other end
        but its id.
        """
        if rel_type not in MODEL.rels:
            raise ValueError(f"unknown relationship kind {rel_type!r}")
        self.round_trips += 1
        return [e for e in await self._edges(rel_type) if as_of is None or valid_on(e.props, as_of)]

    async def read_trees(self, ids: Sequence[str], shape: Shape, day: dt.date | None) -> list[Reached]:
        """Read the nodes ``ids`` (of one kind, read for ``day``) and below each the tree that ``shape`` asks for.

        The roots come back as stored, in the order asked, those that exist;
        below them, kept and ordered as ``graph.stores.trees`` says. Round trips: one
        (Neo4j), or one per level (the default, over ``get_nodes`` and
        ``neighbours``); never one per node.
        """
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        # An unknown relationship kind is refused where it is used: by neighbours, or the statement builder.
        return await self._read_trees(wanted, shape, day)

    async def follow_chain(self, ids: Iterable[str], kinds: Collection[str], steps: Chain, as_of: dt.date | None) -> list[Node]:
        """The nodes reached from the nodes ``ids`` of ``kinds`` by ``steps`` in turn, by id; all holding on ``as_of``.

        Each step goes along any of its hops from every node the step before reached,
        through relationships and to nodes that hold on ``as_of`` (any, if None).
        Round trips: one (Neo4j), or one for ``ids`` and one per hop (the default).

        Raises:
            ValueError: an unknown relationship type or node kind.
        """
        hops = [hop for step in steps for hop in step]
        unknown = [t for t, _, _ in hops if t not in MODEL.rels] + [k for _, _, k in hops if k not in MODEL.nodes]
        if unknown:
            raise ValueError(f"unknown relationship or node kinds {sorted(set(unknown))}")
        wanted = list(dict.fromkeys(ids))
        if not wanted or not kinds or any(not hops for hops in steps):
            return []
        return await self._follow_chain(wanted, kinds, steps, as_of)

    async def generation(self) -> str:
        """Return a token that changes with every committed write and ``replace_all`` (one small round trip).

        Equal tokens mean no write that went through kimnet committed in between,
        from this process or any other; read caches (``graph.read.readcache``) are
        keyed by it. A write that changed nothing (a replay) may leave it as it
        was. Writes made to the database behind kimnet's back do not change it.
        """
        self.round_trips += 1
        return await self._generation()

    async def writes_since(self, generation: str) -> list[Written]:
        """The writes of every process since ``generation``, in commit order, as far as the store logs them.

        The log is written in each write's own transaction, so a process can follow
        the writes of others instead of reading the whole graph again. Empty when the
        store keeps no log (the embedded store belongs to one process) or no longer
        holds the write that followed ``generation``; a caller then reads the graph.
        One round trip, where there is a log.
        """
        return []

    async def commit_mark(self) -> tuple[int, int] | None:
        """The database's last committed transaction id and kimnet's count of its writes, read together.

        The count holds graph writes and writes beside the graph alone (a proposal, a
        verification). If the id has advanced by more than the count since a read of
        the graph, something other than kimnet has written. None where nothing but
        kimnet writes (the embedded store) or the id cannot be told; at most one round trip.
        """
        return None

    async def is_empty(self) -> bool:
        """Tell whether the store holds no node at all."""
        self.round_trips += 1
        return await self._is_empty()

    async def snapshot(self) -> GraphData:
        """Return the whole graph as plain data."""
        self.round_trips += 1
        return await self._snapshot()

    async def counts(self) -> Counts:
        """Count nodes per kind and relationships per type."""
        return counts(await self.snapshot())

    # -- writes ------------------------------------------------------------

    async def write(self, changes: Sequence[Change], actor: Actor | None = None, side: SideWrite | None = None) -> WriteResult:
        """Apply ``changes`` in one transaction: all of them, or none and raise.

        With ``actor``, a write that changed something is recorded in the audit
        trail atomically with the change (a replayed, idempotent write changes
        nothing and records nothing).

        With ``side`` (and ``actor``), a proposal's new state and verifications are
        recorded in the same transaction, and in the audit entry (even when
        ``changes`` is empty); a proposal not at ``side.expected_revision`` is a
        StaleVersionError (an existing one where a new one was expected, a
        DuplicateError). Only changes to the graph make a new generation.

        Raises:
            ValidationError, NotFoundError, DuplicateError, StaleVersionError: the
                change is not allowed; nothing was written.
            StoreError: the store failed; nothing was written.
        """
        if not changes and side is None:
            return []
        if side is not None and actor is None:
            raise ValueError("a side write is recorded in the audit trail: it needs an actor")
        self.round_trips += 1
        return await self._write(changes, actor, side)

    async def _written(self, before: str, after: str, changes: Sequence[Change], results: WriteResult) -> None:
        """Tell the listeners of a committed write that took the generation from ``before`` to ``after``, and await them.

        Subclasses call it after the commit, before the write returns: whoever
        made the write learns of it only after the listeners are done.
        """
        await self._tell(Written(before, after, steps(changes, results)))

    async def _tell(self, done: Written) -> None:
        for listener in list(self.listeners):
            try:
                await listener(done)
            except Exception:
                # The write is committed: a listener's fault must not report it as failed. A cache
                # that missed it finds no way to the new generation and reads the store.
                log.exception("a listener failed on a committed write")

    async def audit_trail(self, query: AuditQuery) -> list[AuditEntry]:
        """Return the audit entries that ``query`` selects, newest first (one round trip)."""
        self.round_trips += 1
        return await self._audit_trail(query)

    # -- proposals and freshness (beside the graph; see graph.model.proposals, graph.model.freshness) --

    async def proposals(self, query: ProposalQuery) -> list[Proposal]:
        """Return the proposals that ``query`` selects, oldest first (one round trip)."""
        self.round_trips += 1
        return await self._proposals(query)

    async def freshness(self, ids: Iterable[str] | None = None) -> dict[str, Freshness]:
        """Return what is known of the freshness of these entities (of all, without ``ids``), by key (one round trip).

        Entries missing from the answer were never verified nor changed through kimnet.
        """
        self.round_trips += 1
        return await self._freshness(None if ids is None else list(dict.fromkeys(ids)))

    async def replace_all(self, data: GraphData, progress: Progress | None = None) -> None:
        """Replace the whole graph with ``data`` (already checked) atomically.

        Readers see the old graph until the new one is complete, then the new one;
        a failed or interrupted import leaves the old graph in place. ``progress``,
        if given, is told how far the import has got.
        """
        self.round_trips += 1
        await self._replace_all(data, progress or _silent)
        await self._tell(Written("", "", None))

    # -- primitives for subclasses -------------------------------------------

    @abstractmethod
    async def _get_nodes(self, ids: list[str]) -> dict[str, Node]: ...

    @abstractmethod
    async def _nodes_of_kind(self, label: str) -> list[Node]: ...

    @abstractmethod
    async def _neighbours(self, ids: list[str], rel_type: str, direction: Direction) -> Neighbours: ...

    @abstractmethod
    async def _edges(self, rel_type: str) -> list[Edge]: ...

    async def _read_trees(self, ids: list[str], shape: Shape, day: dt.date | None) -> list[Reached]:
        """Read the trees a level at a time; each level's ``neighbours`` keeps and orders it on its day.

        A store that reads a tree its own way (Neo4j: one statement that tests and orders
        as it goes) overrides this and keeps and orders by the same rule.
        """
        # A level at a time: one neighbours call per relationship kind, direction and day, for
        # all the nodes of the level at once (two fields that follow the same kind share it).
        found_roots = await self.get_nodes(ids)
        made = [Reached(found_roots[i]) for i in ids if i in found_roots]
        level: list[tuple[Reached, Shape, dt.date | None]] = [(r, shape, day) for r in made]
        while level:
            jobs: dict[tuple[str, Direction, dt.date | None], list[tuple[Reached, Follow]]] = defaultdict(list)
            for reached, at, on in level:
                for follow in at.follows:
                    reached.links[follow] = []
                    jobs[(follow.rel_type, follow.direction, follow.as_of or on)].append((reached, follow))
            found = await asyncio.gather(
                *(self.neighbours(dict.fromkeys(r.node.id for r, _ in asked), *job) for job, asked in jobs.items())
            )
            level = []
            for ((_, _, on), asked), neighbours in zip(jobs.items(), found, strict=True):
                for reached, follow in asked:
                    for edge, node in neighbours[reached.node.id]:
                        child = Reached(node)
                        reached.links[follow].append((edge, child))
                        below = follow.shape_of(node.kind)
                        if below is not None and below.follows:
                            level.append((child, below, on))
        return made

    async def _follow_chain(self, ids: list[str], kinds: Collection[str], steps: Chain, as_of: dt.date | None) -> list[Node]:
        """A step at a time, a hop at a time; ``neighbours`` keeps what holds on ``as_of``.

        A store that follows a chain its own way (Neo4j: one statement) overrides this
        and keeps by the same rule.
        """
        named = await self.get_nodes(ids)
        reached = {n.id: n for n in named.values() if n.kind in kinds and (as_of is None or valid_on(n.props, as_of))}
        for hops in steps:
            at = sorted(reached)
            reached = {}
            for rel_type, direction, kind in hops:
                if at:
                    found = await self.neighbours(at, rel_type, direction, as_of=as_of)
                    reached |= {n.id: n for pairs in found.values() for _, n in pairs if n.kind == kind}
        return [reached[i] for i in sorted(reached)]

    @abstractmethod
    async def _generation(self) -> str: ...

    @abstractmethod
    async def _is_empty(self) -> bool: ...

    @abstractmethod
    async def _snapshot(self) -> GraphData: ...

    @abstractmethod
    async def _write(self, changes: Sequence[Change], actor: Actor | None, side: SideWrite | None = None) -> WriteResult: ...

    @abstractmethod
    async def _proposals(self, query: ProposalQuery) -> list[Proposal]: ...

    @abstractmethod
    async def _freshness(self, ids: list[str] | None) -> dict[str, Freshness]: ...

    @abstractmethod
    async def _audit_trail(self, query: AuditQuery) -> list[AuditEntry]: ...

    @abstractmethod
    async def _replace_all(self, data: GraphData, progress: Progress) -> None: ...


def _silent(done: int, total: int) -> None:
    return None


def held_neighbours(
    found: Iterable[tuple[Edge, Node]], as_of: dt.date | None, *, ordered: bool = False
) -> list[tuple[Edge, Node]]:
    """What ``Store.neighbours`` answers for one id: the pairs that hold on ``as_of`` (all, if None), in ``NEIGHBOUR_ORDER``.

    ``ordered`` says ``found`` is in that order already (the read index keeps its
    lists sorted), so that only the filter is left to do. The read index answers
    neighbour questions with this too: one rule for every store and the index.
    """
    kept = (
        [(e, n) for e, n in found if valid_on(e.props, as_of) and valid_on(n.props, as_of)] if as_of is not None else list(found)
    )
    if not ordered:
        kept.sort(key=lambda pair: neighbour_key(*pair))
    return kept
