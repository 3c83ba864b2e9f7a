"""Driver errors re-raised as the library's own, so callers handle one error tree.

- ``DuplicateKeyError``, or a bulk write refused for a duplicate key: ``AlreadyExists``
- ``ConnectionFailure`` (``ServerSelectionTimeoutError``, ``AutoReconnect``, ...), a primary
  stepping down or shutting down, a write concern timeout: ``StorageUnavailable``
- the ``TransientTransactionError`` label, WriteConflict, LockTimeout, SnapshotUnavailable,
  NoSuchTransaction, MaxTimeMSExpired: ``Contention`` (running the unit of work again may work)
- a validator's refusal (DocumentValidationFailure), anything else from pymongo or bson, an
  integer BSON cannot hold: ``StorageError``
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bson.errors import BSONError
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
    WTimeoutError,
)

from ecommerce_core.domain.errors import (
    AlreadyExists,
    Contention,
    EcommerceError,
    StorageError,
    StorageUnavailable,
)

__all__ = ["TRANSIENT", "is_transient", "translate", "translated"]

TRANSIENT = "TransientTransactionError"
_DUPLICATE_KEY = {11000, 11001, 12582}
_RETRYABLE = {24, 50, 112, 246, 251}  # LockTimeout, MaxTimeMSExpired, WriteConflict,
# SnapshotUnavailable, NoSuchTransaction (the server aborted the transaction)
_UNAVAILABLE = {
    189,  # PrimarySteppedDown
    10107,  # NotWritablePrimary
    11600,  # InterruptedAtShutdown
    11602,  # InterruptedDueToReplStateChange
    13435,  # NotPrimaryNoSecondaryOk
    13436,  # NotPrimaryOrSecondary
    91,  # ShutdownInProgress
}
_VALIDATION = 121  # DocumentValidationFailure


def _codes(exc: OperationFailure) -> set[int]:
    """The error codes of a failure, including each write error of a bulk write."""
    codes = {exc.code} if exc.code is not None else set()
    if isinstance(exc, BulkWriteError):
        codes.update(int(e.get("code", 0)) for e in (exc.details or {}).get("writeErrors", []))
    return codes


def is_transient(exc: BaseException) -> bool:
    """True when running the whole transaction again may succeed (a conflict, not a fault)."""
    if isinstance(exc, PyMongoError) and exc.has_error_label(TRANSIENT):
        return True
    return isinstance(exc, OperationFailure) and bool(_codes(exc) & _RETRYABLE)


def translate(exc: BaseException) -> EcommerceError:
    """The library error for a pymongo or bson error."""
    if isinstance(exc, EcommerceError):
        return exc
    if isinstance(exc, DuplicateKeyError) or (
        isinstance(exc, OperationFailure) and _codes(exc) & _DUPLICATE_KEY
    ):
        details = getattr(exc, "details", None) or {}
        index = details.get("keyPattern") or next(
            (e.get("keyPattern") for e in details.get("writeErrors", [])), None
        )
        # the index's fields, never the values (which may be personal data)
        fields = sorted(index) if isinstance(index, dict) else []
        return AlreadyExists("that record already exists", fields=fields)
    if isinstance(exc, ConnectionFailure) or (
        isinstance(exc, OperationFailure) and _codes(exc) & _UNAVAILABLE
    ):
        return StorageUnavailable("the database cannot be reached")
    if isinstance(exc, WTimeoutError):
        return StorageUnavailable("the database did not confirm the write in time")
    if is_transient(exc):
        return Contention("the data is busy; try again")
    if isinstance(exc, OperationFailure) and _VALIDATION in _codes(exc):
        return StorageError("the database refused a change that breaks one of its rules")
    if isinstance(exc, PyMongoError):
        return StorageError("the database reported an error")
    if isinstance(exc, BSONError | OverflowError):
        return StorageError("a value cannot be stored in a MongoDB document")
    raise TypeError(f"not a database error: {exc!r}")


@contextmanager
def translated() -> Iterator[None]:
    """Run a block whose driver errors leave it as library errors."""
    try:
        yield
    except (PyMongoError, BSONError, OverflowError) as exc:
        raise translate(exc) from exc
