"""What every repository shares: bound parameters, joined reads, batched child rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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


def _parts(table: sa.Table, parent: str, parent_param: str, prefix: str) -> sa.Insert:
    """PostgreSQL: ``INSERT`` of any number of rows of one parent from one array per column
    (``unnest``), so that the statement, and its compiled form, is the same for any count."""
    columns = [c for c in table.c if c.name != parent]
    arrays = [sa.bindparam(f"{prefix}_{c.name}", type_=pg.ARRAY(c.type)) for c in columns]
    rows = sa.func.unnest(*arrays).table_valued(*(c.name for c in columns)).render_derived()
    query = sa.select(
        sa.bindparam(parent_param, type_=table.c[parent].type), *(rows.c[c.name] for c in columns)
    )
    return sa.insert(table).from_select([parent, *(c.name for c in columns)], query)


def _rows(
    table: sa.Table,
    prefix: str,
    *,
    exclude: Sequence[str] = ("id",),
    json: Sequence[str] = (),
    insert: Any = sa.insert,
) -> Any:
    """PostgreSQL: ``INSERT`` of any number of rows from one array per column (``unnest``),
    parameters named ``{prefix}_{column}``; a column named in ``json`` is passed as text and cast
    (an array of JSON values does not bind as such). ``insert`` may be the dialect's own."""
    columns = [c for c in table.c if c.name not in exclude]
    arrays = [
        sa.bindparam(f"{prefix}_{c.name}", type_=pg.ARRAY(sa.Text if c.name in json else c.type))
        for c in columns
    ]
    rows = sa.func.unnest(*arrays).table_valued(*(c.name for c in columns)).render_derived()
    values = [
        sa.cast(rows.c[c.name], c.type) if c.name in json else rows.c[c.name] for c in columns
    ]
    return insert(table).from_select([c.name for c in columns], sa.select(*values))


def _arrays(prefix: str, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The parameters of :func:`_rows` for ``rows``."""
    return {f"{prefix}_{name}": [row[name] for row in rows] for name in names}


def _bind(prefix: str, row: Mapping[str, Any], into: dict[str, Any]) -> None:
    for name, value in row.items():
        into[f"{prefix}_{name}"] = value


def _bind_arrays(
    prefix: str,
    table: sa.Table,
    parent: str,
    rows: Sequence[Mapping[str, Any]],
    into: dict[str, Any],
) -> None:
    for c in table.c:
        if c.name != parent:
            into[f"{prefix}_{c.name}"] = [row[c.name] for row in rows]


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
