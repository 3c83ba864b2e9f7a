"""Whether a MongoDB deployment can run a unit of work as one transaction: a pure decision.

Multi-document transactions exist on replica sets and sharded clusters (through ``mongos``), not on
a standalone ``mongod``. Without them a unit of work is not atomic and cannot roll back, so a
standalone server is refused unless the caller accepts that explicitly (``allow_standalone``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecommerce_core.domain.errors import StorageError

__all__ = ["deployment_kind", "uses_transactions"]


def deployment_kind(hello: Mapping[str, Any]) -> str:
    """``"replica set"``, ``"sharded cluster"``, ``"load balanced"`` or ``"standalone"``,
    from the server's answer to the ``hello`` command."""
    if hello.get("msg") == "isdbgrid":
        return "sharded cluster"
    if "serviceId" in hello:
        return "load balanced"  # behind a load balancer there is a mongos (Atlas, serverless)
    if hello.get("setName"):
        return "replica set"
    return "standalone"


def uses_transactions(hello: Mapping[str, Any], allow_standalone: bool) -> bool:
    """True when units of work run as multi-document transactions; False on a standalone server
    when ``allow_standalone`` is given.

    :raises StorageError: a standalone server, and ``allow_standalone`` was not given.
    """
    if deployment_kind(hello) != "standalone":
        return True
    if allow_standalone:
        return False
    raise StorageError(
        "this MongoDB server is standalone, without multi-document transactions: a unit of work "
        "could neither roll back nor commit all at once. Run it as a replica set (one node is "
        "enough: mongod --replSet rs0, then rs.initiate()), or accept the weaker guarantees "
        "described in docs/storage.md with storage_options={'allow_standalone': True}",
        deployment="standalone",
    )
