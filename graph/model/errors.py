"""The errors kimnet raises, in one place.

Hierarchy::

    KimnetError
    ├── ValidationError          data breaks the model; carries every Problem found
    │   ├── SeedError            ... while reading seed files (problems name the file)
    │   └── TableError           ... while importing CSV tables (problems name the file and line)
    ├── ArgumentError            an argument out of range or contradicting another (also a ValueError)
    ├── BadIdError               an argument that is neither a global id nor a key of a known kind
    ├── CursorError              a cursor this API did not hand out, or a page size out of range
    ├── NothingToReportError     a report of a store without municipalities or needs (also a ValueError)
    ├── NotFoundError            an id that no entity has
    ├── ConflictError            a write that contradicts the stored graph
    │   ├── DuplicateError       an id or relationship that exists already
    │   └── StaleVersionError    an update that carries an outdated version
    ├── StoreError               the store itself failed
    │   ├── StoreUnavailableError    the database cannot be reached (retry later)
    │   ├── StoreTimeoutError        a transaction ran longer than the configured timeout
    │   └── StoreCorruptedError      files on disk cannot be read back
    ├── AccessError              a request that may not do what it asks
    │   ├── UnauthenticatedError     no valid bearer token where one is needed
    │   └── ForbiddenError           the caller's role is below the one the field needs
    ├── LimitError               a request over a configured limit (depth, cost, size, rate)
    └── DeadlineError            a question ran longer than its request's deadline and was stopped

Every message says what was wrong and, where there is something to do, what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AccessError",
    "ArgumentError",
    "BadIdError",
    "ConflictError",
    "CursorError",
    "DeadlineError",
    "DuplicateError",
    "ForbiddenError",
    "KimnetError",
    "LimitError",
    "NoStoreError",
    "NotFoundError",
    "NothingToReportError",
    "Problem",
    "SeedError",
    "StaleVersionError",
    "StoreCorruptedError",
    "StoreError",
    "StoreInUseError",
    "StoreTimeoutError",
    "StoreUnavailableError",
    "UnauthenticatedError",
    "ValidationError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with some data: where it is and what is wrong.

    ``file`` is set for seed files, ``entity`` is the id (or relationship) concerned,
    ``field`` the property or relationship field, ``message`` the problem in words.
    """

    message: str
    entity: str | None = None
    field: str | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                self.file,
                f"entity {self.entity}" if self.entity else None,
                f"field {self.field}" if self.field else None,
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


class KimnetError(Exception):
    """Base of every error kimnet raises on purpose."""


class ValidationError(KimnetError):
    """Data breaks the domain model; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], summary: str = "invalid data") -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{summary}: {len(problems)} problem(s); nothing was written\n{lines}{more}")


class SeedError(ValidationError):
    """Seed files break the model; nothing of them was loaded."""


class TableError(ValidationError):
    """CSV rows break the model; nothing of them was imported."""


class ArgumentError(KimnetError, ValueError):
    """An argument out of range, or one that contradicts another; the message says which and why.

    Only this kind of ValueError reaches a client: any other is masked as internal.
    """


class BadIdError(KimnetError):
    """An argument that is neither a global id nor a stable key of a known kind."""


class CursorError(KimnetError):
    """A cursor that this API did not hand out, or a page size out of range."""


class NothingToReportError(KimnetError, ValueError):
    """The store holds no municipalities or no needs: a heatmap of nothing cannot be drawn."""


class NotFoundError(KimnetError):
    """An id that no entity has, or a relationship that does not exist."""


class ConflictError(KimnetError):
    """A write that contradicts the stored graph."""


class DuplicateError(ConflictError):
    """An entity id or a relationship that exists already."""


class StaleVersionError(ConflictError):
    """An update names a version that is no longer the current one: read again, then retry."""


class StoreError(KimnetError):
    """The store failed."""


class StoreUnavailableError(StoreError):
    """The database cannot be reached; the request may be retried."""


class StoreInUseError(StoreError):
    """Another process holds the embedded store's folder (one process owns a folder at a time)."""


class NoStoreError(StoreError):
    """A folder that holds no embedded store where one must exist (a mistyped data folder)."""


class StoreCorruptedError(StoreError):
    """Files of the embedded store cannot be read back."""


class StoreTimeoutError(StoreError):
    """A transaction ran longer than the configured timeout and the database ended it."""


class AccessError(KimnetError):
    """A request that may not do what it asks."""


class UnauthenticatedError(AccessError):
    """No valid bearer token where one is needed; the message says what is wrong with it."""


class ForbiddenError(AccessError):
    """The caller's role is below the role that a field or mutation needs."""


class LimitError(KimnetError):
    """A request over a configured limit (depth, aliases, tokens, cost, page or input size, body, rate)."""


class DeadlineError(KimnetError):
    """A question ran longer than its request's deadline (``KIMNET_REQUEST_TIMEOUT``) and was stopped."""
