"""Neo4j's log of writes: what each write through kimnet did, kept in its own transaction.

Each write that makes a new generation also creates one ``GenerationStep``: the
token it found, the token it made, its number in commit order (``seq``, counted
on the ``Generation`` node under its lock) and its steps as JSON
(``graph.stores.steplog``). Another process (a second uvicorn worker, a replica on
the same database) reads the steps since its own generation and applies them to
its index instead of reading the whole graph (``Store.writes_since``,
``graph.readcache``). The last ``KEEP`` steps are kept; a process further behind
reads the graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from kimnet.graph.changes import Step
from kimnet.graph.stores.steplog import encode_steps

__all__ = ["KEEP", "LOG_SCHEMA", "WRITES_SINCE", "log_write"]

#: Steps kept in the log: some minutes of writes at ten a second.
KEEP = 4096

LOG_SCHEMA: tuple[LiteralString, ...] = (
    "CREATE INDEX generation_step_before IF NOT EXISTS FOR (s:GenerationStep) ON (s.before)",
    "CREATE INDEX generation_step_seq IF NOT EXISTS FOR (s:GenerationStep) ON (s.seq)",
)

LOG_STEP = "CREATE (s:GenerationStep) SET s = $props"

# Runs under the Generation node's lock, as the step's creation: writers never race over the old ones.
FORGET_STEPS = "MATCH (s:GenerationStep) WHERE s.seq <= $seq - $keep DELETE s"

WRITES_SINCE = (
    "MATCH (first:GenerationStep {before: $generation}) "
    "MATCH (s:GenerationStep) WHERE s.seq >= first.seq "
    "RETURN s.before AS before, s.after AS after, s.steps AS steps ORDER BY s.seq LIMIT $limit"
)


async def log_write(tx: AsyncManagedTransaction, before: str, after: str, seq: int, done: Sequence[Step]) -> None:
    """Log a write (in its own transaction ``tx``, after it took the Generation node's lock) and forget old steps."""
    props = {"before": before, "after": after, "seq": seq, "steps": encode_steps(done)}
    await (await tx.run(LOG_STEP, props=props)).consume()
    await (await tx.run(FORGET_STEPS, seq=seq, keep=KEEP)).consume()
