"""MongoDB storage for ecommerce-core (pymongo): one document per aggregate, transactions on a
replica set or sharded cluster. ``pip install 'ecommerce-core[mongo]'``.

Importing this package (or its plugin) does not import pymongo; ``MongoStorage`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ecommerce_mongo.storage import MongoStorage

__all__ = ["MongoStorage"]


def __getattr__(name: str) -> Any:
    if name == "MongoStorage":
        from ecommerce_mongo.storage import MongoStorage

        return MongoStorage
    raise AttributeError(f"module 'ecommerce_mongo' has no attribute {name!r}")
