"""Registers the ``mongodb`` storage scheme (``mongodb+srv://`` URLs reach it too: the core reads
a URL's scheme up to the first ``+``). pymongo is imported only when a shop opens one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecommerce_core.domain.errors import UnknownBackend
from ecommerce_core.hookspecs import hookimpl
from ecommerce_core.plugins import Registry
from ecommerce_core.ports.storage import Storage

SCHEMES = ["mongodb"]


def _open(url: str, options: Mapping[str, Any]) -> Storage:
    try:
        from ecommerce_mongo.storage import MongoStorage
    except ImportError as exc:
        if exc.name not in ("pymongo", "bson") and not (exc.name or "").startswith("pymongo."):
            raise
        raise UnknownBackend(
            "MongoDB storage needs pymongo: pip install 'ecommerce-core[mongo]'"
        ) from exc
    return MongoStorage(url, options)


@hookimpl
def ecommerce_core_register_storage(registry: Registry) -> None:
    registry.add_storage(
        SCHEMES,
        _open,
        description="MongoDB 4.4+ replica set or sharded cluster through pymongo "
        "(mongodb:// and mongodb+srv://)",
    )
