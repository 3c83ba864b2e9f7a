"""Publishes outbox messages to a Redis stream (XADD), one pipeline per batch.

A stream entry carries ``message_id`` (what consumers deduplicate on), ``name``, ``occurred_at``
and the JSON ``payload``. ``redis://host:port/db?stream=name`` picks the stream
(default ``ecommerce.events``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit, urlunsplit

import redis

from ecommerce_core.domain.errors import StorageUnavailable
from ecommerce_core.ports.events import OutboxMessage

__all__ = ["DEFAULT_STREAM", "RedisStreamPublisher"]

DEFAULT_STREAM = "ecommerce.events"


class RedisStreamPublisher:
    def __init__(
        self, url: str, *, stream: str | None = None, client: redis.Redis | None = None
    ) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.stream = stream or query.get("stream", [DEFAULT_STREAM])[0]
        plain = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        self._client = client or redis.Redis.from_url(
            plain, socket_timeout=5, socket_connect_timeout=5
        )

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        pipe = self._client.pipeline(transaction=True)
        for message in messages:
            pipe.xadd(
                self.stream,
                {
                    "message_id": message.message_id,
                    "name": message.name,
                    "occurred_at": message.occurred_at.isoformat(),
                    "payload": json.dumps(message.payload, sort_keys=True, ensure_ascii=False),
                },
            )
        try:
            pipe.execute()
        except redis.RedisError as exc:
            raise StorageUnavailable("the Redis event stream cannot be reached") from exc

    def close(self) -> None:
        self._client.close()
