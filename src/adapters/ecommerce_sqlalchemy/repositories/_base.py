"""What every repository shares: bound parameters, joined reads, batched child rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from json import dumps as _dumps
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from ecommerce_sqlalchemy.statements import Statements

Row = Mapping[Any, Any]  # a RowMapping, or a dict of one


def _param(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name)


def _many(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name, expanding=True)


class _Joined:
    """``parent LEFT OUTER JOIN child``: the parent's columns by name, the child's prefixed."""

    def __init__(self, parent: sa.Table, child: sa.Table, on: Any, *order_by: Any) -> None:
        self.names = [c.name for c in child.c]
        self.present = f"c_{next(iter(child.primary_key.columns)).name}"
        self.query = (
            sa.select(*parent.c, *(c.label(f"c_{c.name}") for c in child.c))
            .select_from(parent.outerjoin(child, on))
            .order_by(*order_by)
        )
        #: every parent with its children, by the parent's id (a backup's one read of them all)
        self.every = self.query.order_by(None).order_by(parent.c.id, *order_by)

    def group(self, rows: Iterable[Row], key: str = "id") -> list[tuple[Row, list[Row]]]:
        """Each parent row once, in the order met, with its child rows."""
        found: dict[Any, tuple[Row, list[Row]]] = {}
        for row in rows:
            entry = found.get(row[key])
            if entry is None:
                entry = found[row[key]] = (row, [])
            if row[self.present] is not None:
                entry[1].append({name: row[f"c_{name}"] for name in self.names})
        return list(found.values())


def _head(table: sa.Table, prefix: str) -> sa.Insert:
    """``INSERT`` of one row, every column a parameter named ``{prefix}_{column}``."""
    return sa.insert(table).values({c.name: sa.bindparam(f"{prefix}_{c.name}") for c in table.c})


def _rows(
    table: sa.Table,
    prefix: str,
    *,
    exclude: Sequence[str] = ("id",),
    parent: tuple[str, str] | None = None,
    insert: Any = sa.insert,
) -> Any:
    """PostgreSQL: ``INSERT`` of any number of rows passed as ONE parameter, a JSON array of
    objects named ``{prefix}_rows`` (see :func:`_records`), read by ``json_to_recordset``: the
    statement, and its compiled form, is the same for any count, and the driver sends one text
    value instead of dumping an array per column element by element.

    :param parent: ``(column, parameter)``: that column of every row from one parameter.
    :param insert: the dialect's own ``insert`` (for ``ON CONFLICT``).
    """
    own = [c for c in table.c if c.name not in exclude and (parent is None or c.name != parent[0])]
    source = sa.cast(sa.bindparam(f"{prefix}_rows", type_=sa.Text), pg.JSON)
    rows = (
        sa.func.json_to_recordset(source)
        .table_valued(*(sa.column(c.name, c.type) for c in own))
        .render_derived(with_types=True)
    )
    names, values = [c.name for c in own], [rows.c[c.name] for c in own]
    if parent is not None:
        column, parameter = parent
        names.insert(0, column)
        values.insert(0, sa.bindparam(parameter, type_=table.c[column].type))
    return insert(table).from_select(names, sa.select(*values))


def _utc(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; the core passes aware UTC times")
        return value.astimezone(UTC).replace(tzinfo=None).isoformat()  # as UTCDateTime stores it
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _records(prefix: str, rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The parameter of :func:`_rows`: ``rows`` as a JSON array (keys a statement does not name
    are ignored by it; datetimes as naive UTC, as :class:`UTCDateTime` stores them)."""
    return {f"{prefix}_rows": _dumps(list(rows), default=_utc)}


def _bind(prefix: str, row: Mapping[str, Any], into: dict[str, Any]) -> None:
    for name, value in row.items():
        into[f"{prefix}_{name}"] = value


class _Repo:
    def __init__(self, conn: Statements, locking: bool) -> None:
        self._c = conn
        # SQLite serialises writers with BEGIN IMMEDIATE instead of row locks
        self._locking = locking
        # PostgreSQL writes an aggregate's rows in one statement (data-modifying WITH): its
        # foreign keys are checked at the end of the statement, when every row is there
        self._chain = conn.dialect.name == "postgresql"

    def _lock(self, query: sa.Select[Any], for_update: bool) -> sa.Select[Any]:
        return query.with_for_update() if for_update and self._locking else query
