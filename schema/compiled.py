"""The schema's execution context: every root answer built by a plan, with one fallback for what a plan cannot take.

A list view ("50 organisations with their offers and each offer's
municipalities") is thousands of fields. graphql-core completes each one on its
own (a resolver call, a type check, a path), which costs more than reading the
data. Most of those fields need nothing but a property of a node already read.

``CompiledReads`` completes a root field (``node``, ``organisations``, ...) that
returns an entity or a page of entities by turning the selection below into a
plan once per request (``schema.plans``; a plain answer's, once per document: ``schema.written.Writers``), reading everything the plan needs with
one ``Store.read_trees`` call (one Cypher statement on Neo4j, with only the
properties asked for) and writing the answer dicts itself (``schema.written``).
Relationship fields are taken with their paging, ``orderBy``, ``asOf`` and
``where`` (whose relationships are read in the same tree).

A root field that answers with plain objects (a referral, the coverage, the
gaps) is written whole the same way, entities below it from their nodes.

The fallback is graphql-core's own completion through the resolvers and the
request's DataLoaders (``schema.entities``): for ``@defer``, a field with a
resolver of its own (the freshness fields), a relationship field below a plain
answer, and errors (a bad cursor, a null where the schema promises a value),
whose message and path graphql-core reports. Paging, ordering, ``asOf`` and
``where`` are the same functions on both paths (``schema.list_arguments``,
``schema.tree_filters``); tests compare both paths on every kind and field, and
on the plain answers.

When its answer is made, the context lets go of everything it holds
(``_released``): graphql-core's executor refers to itself (its helpers are its
own bound methods, its caches of collected fields hang off it), so each request
left some 350 objects in reference cycles, freed only by a pass of the cyclic
collector. The service keeps what the read cache holds out of those passes
(``gc.freeze``, ``graph.stores.collector.Freezer``), which freezes the requests
in flight too: their cycles were never freed until the freeze was renewed, a
full pass over the index that stalled every request (3 s once a minute at 10
writes a second, bench/mixed). Without cycles, a request's objects go when it ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from graphql import ExecutionResult, GraphQLObjectType, GraphQLOutputType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from kimnet.graph.model.errors import KimnetError
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.read.workers import run_in_worker
from kimnet.graph.stores.trees import Reached
from kimnet.schema.entities import Connection, entity, is_unread
from kimnet.schema.plans import PagePlan, Planner, UnsupportedError, merge_shapes
from kimnet.schema.written import Writers, write_entity, write_page

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo
    from graphql.pyutils import Path

    from kimnet.schema.context import Context

__all__ = ["CompiledReads"]

#: Root answers that are lists longer than this are written in a worker thread (``graph.read.workers``).
WRITTEN_IN_WORKER = 50


class CompiledReads(StrawberryGraphQLCoreExecutionContext):
    """The schema's execution context: root answers through a plan; see the module docstring."""

    #: The writers of plain root answers, kept per selection across requests (``schema.written.Writers``).
    writers = Writers()

    def execute_operation(self, serially: bool | None = None) -> Any:
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            return self._released_after(result)
        return self._released(result)

    async def _released_after(self, result: Awaitable[Any]) -> Any:
        try:
            answer = await result
        except BaseException:
            self.__dict__.clear()  # nothing goes on after a failure either
            raise
        return self._released(answer)

    def _released(self, result: Any) -> Any:
        """``result``, after letting go of what this context holds, unless work on the answer goes on.

        An answer with ``@defer`` goes on after its first part (its later parts are
        made by this context), and so does work tracked in the background.
        """
        if isinstance(result, ExecutionResult) and not self.background_futures and not self.pending_incremental_futures:
            self.__dict__.clear()
        return result

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # Only a root field's answer: below a list that graphql-core completes item by item,
        # a read per item would be a round trip per item.
        if path.prev is None:
            ours = isinstance(result, Connection) or getattr(getattr(result, "_node", None), "kind", None) == return_type.name
            if ours:
                return self._complete_root(return_type, field_details_list, info, path, result, position_context)
            written = self._write_plain(return_type, field_details_list, result)
            if written is not None:
                return written
        return super().complete_object_value(return_type, field_details_list, info, path, result, position_context)

    def complete_list_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if path.prev is None and isinstance(result, list):
            if len(result) > WRITTEN_IN_WORKER:
                return self._write_plain_in_worker(return_type, field_details_list, info, path, result, position_context)
            written = self._write_plain(return_type, field_details_list, result)
            if written is not None:
                return written
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    async def _write_plain_in_worker(
        self,
        return_type: Any,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: list[Any],
        position_context: Any,
    ) -> Any:
        """``_write_plain`` of a long answer (500 duplicate structures, a state's gaps) in a worker thread.

        Writing one takes a few hundred milliseconds at state scale: on the event loop,
        every other request (and ``/healthz``) would wait that long.
        """
        try:
            write = self.writers.writer(self, return_type, field_details_list)
            return await run_in_worker(lambda: write(result))
        except UnsupportedError:
            pass  # nothing was read or changed: the fallback starts afresh
        done = super().complete_list_value(return_type, field_details_list, info, path, result, position_context)
        return await done if self.is_awaitable(done) else done

    def _write_plain(self, graphql_type: GraphQLOutputType, field_details_list: Any, result: Any) -> Any:
        """A root answer of plain objects (a referral, coverage, gaps) written whole; None: not one."""
        try:
            return self.writers.writer(self, graphql_type, field_details_list)(result)
        except UnsupportedError:
            return None  # nothing was read or changed: the fallback starts afresh

    async def _complete_root(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        context: Context = info.context
        planner = Planner(self)
        try:
            if isinstance(result, Connection):
                plan = planner.page_plan(return_type, field_details_list, None)
                return await self._write_root_page(context, plan, result)
            entity_plan = planner.entity_plan(return_type, field_details_list)
            shape = merge_shapes([entity_plan], all_props=False)
            trees = await context.store.read_trees([result._node.id], shape, result._day)
            # An unread entity (see schema.explore's node) learns here whether it exists.
            return write_entity(entity_plan, trees[0], trees[0].node, result._day) if trees else None
        except (UnsupportedError, KimnetError):
            pass  # nothing was written: the fallback starts afresh, and reports an error where it finds it
        return await self._fall_back(return_type, field_details_list, info, path, result, position_context)

    async def _fall_back(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A root entity or page that no plan takes, completed by graphql-core through the resolvers and DataLoaders."""
        if is_unread(result):
            found = await info.context.loaders.nodes.load(result._node.id)
            if found is None:
                return None
            result = entity(found, result._day)
        done = super().complete_object_value(return_type, field_details_list, info, path, result, position_context)
        return await done if self.is_awaitable(done) else done

    # -- answers ----------------------------------------------------------------------------

    async def _write_root_page(self, context: Context, plan: PagePlan, found: Any) -> dict[str, Any]:
        day: dt.date | None = found._day
        nodes: list[Node] = [obj._node for obj in found.nodes]
        trees: dict[str, Reached] = {}
        by_kind: dict[str, list[str]] = {}
        for node in nodes:
            by_kind.setdefault(node.kind, []).append(node.id)
        for kind, group in by_kind.items():
            shape = merge_shapes(plan.entities.get(kind, []), all_props=False)
            for tree in await context.store.read_trees(group, shape, day):
                trees[tree.node.id] = tree
        # The page was cut from these nodes as the list read them; one deleted since keeps its place.
        items: list[tuple[Edge | None, Reached]] = [(None, trees.get(n.id) or Reached(n)) for n in nodes]
        return write_page(plan, found._page, items, day)
