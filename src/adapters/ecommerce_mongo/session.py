"""One unit of work's conversation with MongoDB: a multi-document transaction (or, on a standalone
server the user allowed, none), through which every read and write of the repositories runs.

MongoDB's transactions never wait for a lock: the second transaction to write a document fails at
once with a write conflict. To give ``for_update`` reads the port's meaning ("locked until the
unit of work ends, others wait"), a lock is a write to the document (``$inc`` of ``_lock``), and a
conflict on it is waited out here, for at most ``lock_timeout``: as long as this transaction has
written nothing, it is aborted and started again after a short jittered pause, and the lock is
asked for again. Reads made before that point were made in the earlier transaction; like reads at
READ COMMITTED they may be older than the lock, which is why the services re-read what they lock.
After the first write a conflict cannot be waited out (it would lose the writes) and surfaces as
``Contention``, which the single-transaction use cases retry (INV-4).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from bson.errors import BSONError
from pymongo import MongoClient, ReadPreference
from pymongo.client_session import ClientSession
from pymongo.errors import PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from ecommerce_core.domain.errors import StorageUnavailable
from ecommerce_mongo.errors import is_transient, translate, translated

__all__ = ["LOCK_FIELD", "Session"]

T = TypeVar("T")
LOCK_FIELD = "_lock"
_COMMIT_ATTEMPTS = 3
_FIRST_PAUSE, _LONGEST_PAUSE = 0.002, 0.05
_log = logging.getLogger("ecommerce_mongo")


class Session:
    """The transaction of one unit of work.

    :param transactional: False only on a standalone server the user allowed: every write is then
        applied at once, ``commit`` and ``rollback`` do nothing.
    :param lock_timeout: seconds a lock (or a first read) waits for another transaction.
    """

    def __init__(self, client: MongoClient[Any], transactional: bool, lock_timeout: float) -> None:
        self.transactional = transactional
        self._lock_timeout = lock_timeout
        self._session: ClientSession | None = None
        if transactional:
            with translated():
                self._session = client.start_session()
        #: something was written in the current transaction (it can no longer be restarted)
        self.wrote = False
        self._begin()

    @property
    def current(self) -> ClientSession | None:
        """What to pass as ``session=`` to pymongo: the transaction's session, or None."""
        return self._session

    def _begin(self) -> None:
        if self._session is not None:
            # snapshot reads, majority commits: one consistent view, durable once committed
            self._session.start_transaction(
                read_concern=ReadConcern("snapshot"),
                write_concern=WriteConcern("majority"),
                read_preference=ReadPreference.PRIMARY,
            )
        self.wrote = False

    def _abort(self) -> None:
        if self._session is not None and self._session.in_transaction:
            self._session.abort_transaction()  # pymongo ignores the server's errors here

    # -- running operations ------------------------------------------------------------------
    def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, session=..., **kwargs)``, a read."""
        return self._run(fn, args, kwargs, wait=True, writes=False)

    def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, session=..., **kwargs)``, a write."""
        return self._run(fn, args, kwargs, wait=False, writes=True)

    def lock(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, session=..., **kwargs)``, a write that takes locks: waits for their holders."""
        return self._run(fn, args, kwargs, wait=True, writes=True)

    def _run(
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        wait: bool,
        writes: bool,
    ) -> T:
        deadline: float | None = None
        pause = _FIRST_PAUSE
        while True:
            try:
                result = fn(*args, session=self.current, **kwargs)
            except (PyMongoError, BSONError, OverflowError) as exc:
                waitable = wait and self.transactional and not self.wrote and is_transient(exc)
                now = time.monotonic()
                deadline = now + self._lock_timeout if deadline is None else deadline
                if not waitable or now >= deadline:
                    raise translate(exc) from exc
                self._abort()
                self._begin()
                # jitter only spaces out the waiters; it decides nothing
                time.sleep(min(pause * (1 + random.random()), max(0.0, deadline - now)))
                pause = min(pause * 2, _LONGEST_PAUSE)
                continue
            if writes:
                self.wrote = True
            return result

    # -- ending ------------------------------------------------------------------------------
    def commit(self) -> None:
        if self._session is None:
            self.wrote = False
            return
        try:
            for attempt in range(1, _COMMIT_ATTEMPTS + 1):
                try:
                    self._session.commit_transaction()
                    return
                except PyMongoError as exc:
                    unknown = exc.has_error_label("UnknownTransactionCommitResult")
                    if unknown and attempt < _COMMIT_ATTEMPTS:
                        continue  # committing again is safe: the server commits at most once
                    if unknown:
                        raise StorageUnavailable(
                            "the database did not confirm the commit; it may or may not "
                            "have been applied"
                        ) from exc
                    raise translate(exc) from exc
        finally:
            self._begin()

    def rollback(self) -> None:
        if not self.transactional and self.wrote:
            _log.warning(
                "a unit of work on a standalone MongoDB server ended without commit after "
                "writing: what it wrote stays (no transactions; see docs/storage.md)"
            )
        self._abort()
        self._begin()

    def close(self) -> None:
        self._abort()
        if self._session is not None:
            self._session.end_session()
