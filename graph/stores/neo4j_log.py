"""Neo4j's generation token and log of writes: what each write through kimnet did, kept in its own transaction.

The one ``Generation`` node holds a random token that every write changing the graph,
and every import, makes anew (``Store.generation``); read caches in every process
compare it.

Each write that makes a new generation also creates one ``GenerationStep``: the
token it found, the token it made, its number in commit order (``seq``, counted
on the ``Generation`` node under its lock) and its steps as JSON
(``graph.stores.steplog``). Another process (a second uvicorn worker, a replica on
the same database) reads the steps since its own generation and applies them to
its index instead of reading the whole graph (``Store.writes_since``,
``graph.read.readcache``). The last ``KEEP`` steps are kept; a process further behind
reads the graph.

Writes made without kimnet (Neo4j Browser, an ETL job) are logged too where the
server has APOC's triggers enabled: ``ensure_schema`` installs ``neo4j_outside.OUTSIDE_TRIGGER``,
which runs inside every transaction that does not carry kimnet's metadata
(``TX_METADATA``: every transaction of kimnet's does) and logs the ids of the
entities it touched as a step of its own (``touched``, no ``steps``). A process
follows such a step by reading those entities as they are now and putting them
in place of what it held (``Store.writes_since``, ``steplog.resync``): milliseconds
instead of a read of the whole graph. A transaction that touches no entity
(kimnet's clearing of a replaced graph, in transactions of its own) is only
counted, like a write beside the graph.

Without the trigger such writes leave no step. They do advance the database's last
committed transaction id, which a read's bookmark names (``transaction_id``):
``Store.commit_mark`` gives it with kimnet's count of its own writes (those
beside the graph alone, proposals and verifications, counted too:
``COUNT_SIDE_WRITE``), and a cache that finds the id advanced by more than
kimnet's writes (and the trigger's steps) explain reads the graph again
(``graph.read.readcache``). The first use of a label or property key in a
database commits a transaction of Neo4j's own (the key's token) that no trigger
sees: taken for a write from outside, once per new key.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import LiteralString

from neo4j import AsyncManagedTransaction, AsyncSession, Query

from kimnet.graph.model.changes import Step
from kimnet.graph.stores.steplog import encode_steps

__all__ = [
    "COUNT_SIDE_WRITE",
    "FIRST_GENERATION",
    "GENERATION",
    "GENERATION_ID",
    "KEEP",
    "LOG_SCHEMA",
    "MARK_TRIES",
    "NEXT_GENERATION",
    "NEXT_GENERATION_AFTER",
    "TX_METADATA",
    "WRITES_COUNTED",
    "WRITES_SINCE",
    "bracketed",
    "log_write",
    "read_mark",
    "transaction_id",
]

# Store.generation: a token on one node, made anew in every write transaction that changes the
# graph and in the import's swap. A random token, not a counter: should the node ever be lost,
# a counter would start again at a value some process has cached.
GENERATION_ID = "graph"

NEXT_GENERATION = "MERGE (g:Generation {id: $id}) SET g.token = randomUUID()"

# The same in a write through kimnet, telling the token it replaced. The first SET takes the node's
# lock, so the token read after it is the one the last committed writer left (read before the
# lock, two concurrent writers could both name one token as theirs to follow, and a cache
# following them would skip one write).
NEXT_GENERATION_AFTER = (
    "MERGE (g:Generation {id: $id}) SET g.locked = true "
    "WITH g, g.token AS before, coalesce(g.seq, 0) + 1 AS seq "
    "SET g.token = randomUUID(), g.seq = seq REMOVE g.locked "
    "RETURN before, g.token AS after, seq"
)

GENERATION = "MATCH (g:Generation {id: $id}) RETURN g.token AS token"

# At start, so that reading it finds the label and properties (Neo4j warns of unknown ones). Writes
# only what is missing: a write at a worker's start would look like a write from outside to the others.
FIRST_GENERATION = (
    "MERGE (g:Generation {id: $id}) ON CREATE SET g.token = randomUUID() WITH g WHERE g.sides IS NULL SET g.sides = 0"
)

#: Steps kept in the log: some minutes of writes at ten a second.
KEEP = 4096

LOG_SCHEMA: tuple[LiteralString, ...] = (
    # The store's generation (one node, never Entity): concurrent first writes must MERGE one, not two.
    "CREATE CONSTRAINT generation_id IF NOT EXISTS FOR (g:Generation) REQUIRE g.id IS UNIQUE",
    "CREATE INDEX generation_step_before IF NOT EXISTS FOR (s:GenerationStep) ON (s.before)",
    "CREATE INDEX generation_step_seq IF NOT EXISTS FOR (s:GenerationStep) ON (s.seq)",
)

LOG_STEP = "CREATE (s:GenerationStep) SET s = $props"

# Runs under the Generation node's lock, as the step's creation: writers never race over the old ones.
FORGET_STEPS = "MATCH (s:GenerationStep) WHERE s.seq <= $seq - $keep DELETE s"

WRITES_SINCE = (
    "MATCH (first:GenerationStep {before: $generation}) "
    "MATCH (s:GenerationStep) WHERE s.seq >= first.seq "
    # properties(s): a step from outside has no `steps` (and kimnet's no `touched`), and Neo4j warns of a key it has never seen.
    "RETURN properties(s) AS step ORDER BY s.seq LIMIT $limit"
)

#: Every transaction of kimnet's carries this (``SHOW TRANSACTIONS`` names it; ``neo4j_outside.OUTSIDE_TRIGGER`` passes it by).
TX_METADATA = {"app": "kimnet"}


async def log_write(tx: AsyncManagedTransaction, before: str, after: str, seq: int, done: Sequence[Step]) -> None:
    """Log a write (in its own transaction ``tx``, after it took the Generation node's lock) and forget old steps."""
    props = {"before": before, "after": after, "seq": seq, "steps": encode_steps(done)}
    await (await tx.run(LOG_STEP, props=props)).consume()
    await (await tx.run(FORGET_STEPS, seq=seq, keep=KEEP)).consume()


# A write through kimnet beside the graph alone (a proposal, a verification) commits a transaction
# but makes no generation and no step. Counted on the Generation node all the same, so that a
# cache's check for writes from outside finds its transaction explained and reads nothing again.
COUNT_SIDE_WRITE = "MERGE (g:Generation {id: $id}) SET g.sides = coalesce(g.sides, 0) + 1"

# The Generation node's count of kimnet's writes: graph writes (see NEXT_GENERATION_AFTER) and
# writes beside the graph alone, each one transaction.
WRITES_COUNTED = "MATCH (g:Generation {id: $id}) RETURN coalesce(g.seq, 0) + coalesce(g.sides, 0) AS seq"

#: How often a check tries for a mark that no write of kimnet's straddled, before it tells nothing.
MARK_TRIES = 5


def bracketed(before: int, marked: int | None, counted: int, after: int) -> tuple[int, int] | None:
    """A commit mark: the transaction id a bookmark ``marked`` beside kimnet's count of writes at that moment; or None.

    Neo4j reads what is committed when it reads, not a snapshot, and a bookmark names
    the last transaction committed at some moment of its own transaction. So one
    transaction that reads the count and hands a bookmark can pair a count with the id
    of a kimnet write it did not count: more transactions than writes, taken for a
    write from outside, and the whole graph read again (seen once at 10 writes a
    second in ``bench/mixed``). A check therefore counts in three transactions, one
    after the other, and takes the middle one's bookmark: if the first and the last
    count agree, no write of kimnet's committed between them, so the id and the count
    belong together. Otherwise (a write in those milliseconds) it tells nothing.

    >>> bracketed(7, 120, 7, 7), bracketed(7, 121, 8, 8), bracketed(7, None, 7, 7)
    ((120, 7), None, None)
    """
    if marked is None or not before == counted == after:
        return None
    return marked, counted


async def read_mark(session: AsyncSession, tx_timeout: float | None) -> tuple[tuple[int, int] | None, int]:
    """``Store.commit_mark`` in ``session``, and the round trips it took: three counts and the middle one's
    bookmark, again until no write straddled them (``bracketed``)."""
    trips = 0

    async def count() -> int | None:
        nonlocal trips
        trips += 1
        query = Query(WRITES_COUNTED, timeout=tx_timeout, metadata=TX_METADATA)
        record = await (await session.run(query, id=GENERATION_ID)).single()
        return None if record is None else int(record["seq"])

    for _ in range(MARK_TRIES):
        before = await count()
        counted = await count()
        ids = [i for i in map(transaction_id, (await session.last_bookmarks()).raw_values) if i is not None]
        after = await count()
        if before is None or counted is None or after is None:
            return None, trips  # no Generation node: nothing of kimnet's here yet
        if (found := bracketed(before, max(ids, default=None), counted, after)) is not None:
            return found, trips
    return None, trips


_INTS = {0xC8: 1, 0xC9: 2, 0xCA: 4, 0xCB: 8}


def transaction_id(bookmark: str) -> int | None:
    """The id of the last committed transaction a Neo4j 5 bookmark names; None for any other form.

    A bookmark is opaque to clients; Neo4j 5 writes one database's as ``FB:`` and
    base64 of PackStream: a one-item list, the database's 16-byte id, the
    transaction id as an integer, an empty list. Any other shape (another
    version, several databases) gives None, and the caller takes no chances.

    >>> transaction_id("FB:kcwQ3h+mp97JTwiTtIN+5b89WckFOJA="), transaction_id("FB:kcwQ3h+mp97JTwiTtIN+5b89WckFOZA=")
    (1336, 1337)
    >>> transaction_id("neo4j:bookmark:v1:tx42") is None
    True
    """
    if not bookmark.startswith("FB:"):
        return None
    try:
        raw = base64.b64decode(bookmark[3:], validate=True)
    except ValueError:
        return None
    if raw[:3] != b"\x91\xcc\x10" or len(raw) < 21 or raw[-1:] != b"\x90":
        return None
    number = raw[19:-1]
    if len(number) == 1 and number[0] < 0x80:
        return number[0]
    if number and _INTS.get(number[0]) == len(number) - 1:
        return int.from_bytes(number[1:], "big", signed=True)
    return None
