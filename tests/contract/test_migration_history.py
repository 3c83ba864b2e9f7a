"""The Alembic history is one line, and opening an up-to-date database takes no write lock."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

from alembic.script import ScriptDirectory

import ecommerce_sqlalchemy
from ecommerce_sqlalchemy.migrate import is_current
from ecommerce_sqlalchemy.storage import SqlStorage

SCRIPTS = Path(ecommerce_sqlalchemy.__file__).with_name("migrations")


def test_the_migrations_form_one_line_numbered_in_order() -> None:
    script = ScriptDirectory(str(SCRIPTS))
    assert len(script.get_heads()) == 1, script.get_heads()
    oldest_first = list(reversed(list(script.walk_revisions())))
    assert [r.revision for r in oldest_first] == [
        f"{n:04d}" for n in range(1, len(oldest_first) + 1)
    ]
    for older, newer in itertools.pairwise(oldest_first):
        assert newer.down_revision == older.revision
    for revision in oldest_first:
        assert Path(str(revision.path)).name.startswith(f"{revision.revision}_")


def test_a_shop_opens_while_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    first = SqlStorage(f"sqlite:///{path}")
    first.migrate()
    first.close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a unit of work
    try:
        second = SqlStorage(f"sqlite:///{path}", {"lock_timeout_ms": 100})
        try:
            second.migrate()  # at head already: reads the version table, waits for nobody
            assert is_current(second.engine)
        finally:
            second.close()
    finally:
        writer.rollback()
        writer.close()


def test_a_new_database_is_not_current_until_migrated(tmp_path: Path) -> None:
    storage = SqlStorage(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert not is_current(storage.engine)
        storage.migrate()
        assert is_current(storage.engine)
    finally:
        storage.close()
