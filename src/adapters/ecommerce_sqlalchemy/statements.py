"""The connection as the repositories of one unit of work use it: statements in order, and on
PostgreSQL the writes nothing waits for sent together.

A place-order ends with writes whose outcome no later step reads: the new values of the stock
rows it locked, the ledger entries explaining them, the reservation and the outbox events. Sent
one by one they cost a round trip each, all while the stock rows stay locked for every other
checkout of the same SKUs. Here a repository *appends* such a write instead of executing it: the
appended writes are held and sent as one statement of data-modifying ``WITH`` clauses just before
the transaction's next statement, or its commit, whichever comes first.

So a transaction reads and writes exactly what it would statement by statement (every read comes
after the held writes before it), and an error of a held write (a constraint backstop) surfaces
at that next statement or at the commit; the unit of work then rolls back as for any error. Only
PostgreSQL holds writes: SQLite and MariaDB have no data-modifying ``WITH``, and there an append
is written at once, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVarTuple, overload

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.selectable import TypedReturnsRows

__all__ = ["Append", "Statements", "only"]

Write = sa.Insert | sa.Update | sa.Delete
Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
_Ts = TypeVarTuple("_Ts")


class Append:
    """A kind of write that may be held: its statements (parameters named apart from every other
    kind's, rows passed as arrays) and how a batch of items binds to them.

    :param statements: run in this order when sent alone; held with other kinds, each becomes one
        clause of a single statement (PostgreSQL checks foreign keys at the end of a statement,
        so a head row and its child rows may be written by two clauses of one statement).
    :param bind: the parameters of a batch of items (of one kind, in the order appended).
    :param merge: items appended while the kind is already held join that batch; otherwise the
        held writes are sent first.
    """

    def __init__(
        self,
        name: str,
        statements: Sequence[Write],
        bind: Callable[[Sequence[Any]], dict[str, Any]],
        *,
        merge: bool = True,
    ) -> None:
        self.name = name
        self.statements = tuple(statements)
        self.bind = bind
        self.merge = merge
        #: the names of its parameters, which no other kind may use
        self.parameters = _parameters(self.statements)
        #: the tables it writes
        self.tables = frozenset(_table(s) for s in self.statements)


def _table(write: Write) -> str:
    table = write.table
    assert isinstance(table, sa.Table), "a held write writes one table"
    return table.name


def _parameters(statements: Sequence[Executable]) -> frozenset[str]:
    dialect = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]
    return frozenset(
        name
        for s in statements
        for name in s.compile(dialect=dialect).params  # type: ignore[attr-defined]
    )


def only(items: Sequence[Any]) -> Any:
    """The ``bind`` of a kind that is never merged: its one item is its parameters."""
    (item,) = items
    return item


#: the combined statement of each sequence of held kinds, alone or carried by a read (a handful:
#: built once each)
_combined: dict[tuple[tuple[Append, ...], Executable | None], Executable] = {}


def _combine(kinds: tuple[Append, ...], read: Executable | None = None) -> Executable:
    statement = _combined.get((kinds, read))
    if statement is None:
        names = [name for kind in kinds for name in kind.parameters]
        if read is not None:
            names.extend(_parameters([read]))
        if len(names) != len(set(names)):
            raise ValueError(
                f"held writes of kinds {[k.name for k in kinds]} share parameter names"
            )
        writes = [s for kind in kinds for s in kind.statements]
        last: Any = read
        if last is None:
            *writes, last = writes
        ctes = [w.cte(f"w_{i}") for i, w in enumerate(writes)]
        statement = last.add_cte(*ctes) if ctes else last
        if len(_combined) < 256:
            _combined[(kinds, read)] = statement
    return statement


class Statements:
    """What a repository executes its statements on (see the module's docstring)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect: Dialect = connection.dialect
        #: writes are held (PostgreSQL) rather than executed at once
        self.holds = connection.dialect.name == "postgresql"
        self._held: list[tuple[Append, list[Any]]] = []
        #: the promotion catalogue version as a read of this transaction saw it in passing (the
        #: pricing read of products carries it): None until then, and again once it is moved on
        self.catalogue_version: int | None = None

    @overload
    def execute(
        self, statement: TypedReturnsRows[*_Ts], parameters: Parameters = None
    ) -> CursorResult[*_Ts]: ...

    @overload
    def execute(
        self, statement: Executable, parameters: Parameters = None
    ) -> CursorResult[*tuple[Any, ...]]: ...

    def execute(
        self, statement: Executable, parameters: Parameters = None
    ) -> CursorResult[*tuple[Any, ...]]:
        if self._held:
            self.flush()
        return self.connection.execute(statement, parameters)

    def read_carrying(
        self,
        statement: TypedReturnsRows[*_Ts],
        parameters: Mapping[str, Any],
        reads: frozenset[str],
    ) -> CursorResult[*_Ts]:
        """Run ``statement``, a ``SELECT`` of the tables ``reads``, carrying the held writes with
        it as ``WITH`` clauses when none of them writes one of those tables (the read would not
        see them: a statement and its clauses share one snapshot). One round trip instead of
        two: a checkout's order goes with the read that locks its stock rows."""
        if self._held and not any(kind.tables & reads for kind, _ in self._held):
            held, self._held = self._held, []
            combined = _combine(tuple(kind for kind, _ in held), statement)
            bound = dict(parameters)
            for kind, items in held:
                bound.update(kind.bind(items))
            return self.connection.execute(combined, bound)
        return self.execute(statement, parameters)

    def begin_nested(self) -> Any:
        if self._held:
            self.flush()
        return self.connection.begin_nested()

    def append(self, kind: Append, item: Any) -> None:
        """Hold ``item`` of ``kind`` (only where :attr:`holds`: a repository writes at once
        elsewhere)."""
        assert self.holds, "writes are held on PostgreSQL only"
        for held_kind, items in self._held:
            if held_kind is kind:
                if kind.merge:
                    items.append(item)
                    return
                self.flush()
                break
        self._held.append((kind, [item]))

    def flush(self) -> None:
        """Send the held writes, as one statement."""
        held, self._held = self._held, []
        if not held:
            return
        statement = _combine(tuple(kind for kind, _ in held))
        parameters: dict[str, Any] = {}
        for kind, items in held:
            parameters.update(kind.bind(items))
        self.connection.execute(statement, parameters)

    def discard(self) -> None:
        """Forget the held writes (the transaction is being rolled back)."""
        self._held = []
