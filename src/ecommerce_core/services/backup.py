"""Backup and restore use cases: a whole shop to a portable archive and back, on any backend."""

from __future__ import annotations

from pathlib import Path

from ecommerce_core.archive import Manifest, read_archive, write_archive
from ecommerce_core.domain.errors import Conflict
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.domain.stock_ledger import opening_entries
from ecommerce_core.services.context import ServiceContext

__all__ = ["BackupService"]


class BackupService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def export(self, principal: Principal, path: str | Path) -> Manifest:
        """Write every stored object to ``path`` from one consistent snapshot.

        The archive holds personal data and password hashes: keep it as safe as the database.
        """
        require(principal, Permission.BACKUP)
        with self._ctx.uow() as uow:
            data = uow.archive.dump()
        scheme = self._ctx.storage.url.split("://", 1)[0]
        return write_archive(Path(path), data, source=scheme, at=self._ctx.clock.now())

    def restore(self, principal: Principal, path: str | Path, *, replace: bool = False) -> Manifest:
        """Load an archive into this shop, all or nothing.

        A shop that holds data is refused (``conflict``) unless ``replace`` is given, in which
        case its data is removed in the same transaction that writes the archive's.
        """
        require(principal, Permission.BACKUP)
        manifest, data = read_archive(Path(path))
        if "stock_ledger" not in manifest.kinds:
            data["stock_ledger"] = opening_entries(data.get("stock", []), manifest.created_at)
        with self._ctx.uow() as uow:
            if not uow.archive.is_empty():
                if not replace:
                    raise Conflict(
                        "this shop already holds data; restore with replace to overwrite it"
                    )
                uow.archive.clear()
            uow.archive.load(data)
            uow.commit()
        return manifest
