"""Registers the ``redis://`` event publisher (needs the ``redis`` extra)."""

from __future__ import annotations

from ecommerce_core.hookspecs import hookimpl
from ecommerce_core.plugins import Registry
from ecommerce_core.ports.events import EventPublisher


def _open(url: str) -> EventPublisher:
    from ecommerce_redis.publisher import RedisStreamPublisher

    return RedisStreamPublisher(url)


@hookimpl
def ecommerce_core_register_publishers(registry: Registry) -> None:
    registry.add_publisher(
        ["redis", "rediss"], _open, description="Redis Streams (XADD), at-least-once"
    )
