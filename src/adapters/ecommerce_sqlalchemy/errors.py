"""Driver errors re-raised as the library's own, so callers handle one error tree."""

from __future__ import annotations

import sqlalchemy.exc as sa_exc

from ecommerce_core.domain.errors import (
    AlreadyExists,
    Contention,
    EcommerceError,
    StorageError,
    StorageUnavailable,
)

__all__ = ["translate"]

# SQLSTATEs (PostgreSQL) and error numbers (MariaDB/MySQL) that mean "try again".
_RETRYABLE_STATES = {
    "40001",
    "40P01",
    "55P03",
    "57014",
}  # serialization, deadlock, lock/statement timeout
_RETRYABLE_MYSQL = {1205, 1213}  # lock wait timeout, deadlock
_UNIQUE_STATES = {"23505"}
_UNIQUE_MYSQL = {1062}
_CONNECTION_MYSQL = {2002, 2003, 2005, 2006, 2013}
_CONNECTION_HINTS = (
    "could not connect",
    "connection refused",
    "unable to open database",
    "server closed",
)
_CHECK_STATES = {"23514", "23502", "23503"}  # check, not null, foreign key
_CHECK_MYSQL = {4025, 3819, 1451, 1452, 1048}  # MariaDB/MySQL check, foreign key, not null


def _code(exc: sa_exc.DBAPIError) -> tuple[str | None, int | None]:
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    args = getattr(orig, "args", ())
    number = args[0] if args and isinstance(args[0], int) else None
    return state, number


def translate(exc: BaseException) -> EcommerceError:
    """The library error for a SQLAlchemy/driver error."""
    if isinstance(exc, EcommerceError):
        return exc
    if isinstance(exc, sa_exc.IntegrityError):
        state, number = _code(exc)
        text = str(exc.orig).lower()
        if state in _UNIQUE_STATES or number in _UNIQUE_MYSQL or "unique constraint" in text:
            return AlreadyExists("that record already exists")
        return StorageError("the database refused a change that breaks one of its rules")
    if isinstance(exc, sa_exc.DBAPIError):
        state, number = _code(exc)
        if state in _CHECK_STATES or number in _CHECK_MYSQL:
            return StorageError("the database refused a change that breaks one of its rules")
        text = str(exc.orig).lower()
        if (
            state in _RETRYABLE_STATES
            or number in _RETRYABLE_MYSQL
            or "database is locked" in text
            or "deadlock" in text
        ):
            return Contention("the data is busy; try again")
        if (
            exc.connection_invalidated
            or (state or "").startswith("08")
            or number in _CONNECTION_MYSQL
            or any(hint in text for hint in _CONNECTION_HINTS)
        ):
            return StorageUnavailable("the database cannot be reached")
        return StorageError("the database reported an error")
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return StorageError("the database layer reported an error")
    raise TypeError(f"not a database error: {exc!r}")
