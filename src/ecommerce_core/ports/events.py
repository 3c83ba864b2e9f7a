"""The event publisher port: where the outbox relay sends committed domain events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import attrs

__all__ = ["EventPublisher", "OutboxMessage"]


@attrs.frozen
class OutboxMessage:
    """One committed event as it leaves the shop. ``id`` is unique per shop database and is what
    consumers deduplicate on: delivery is at least once, so a consumer may see an id twice."""

    id: int
    name: str
    payload: Mapping[str, Any]
    occurred_at: datetime

    @property
    def message_id(self) -> str:
        return f"outbox-{self.id}"


class EventPublisher(Protocol):
    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        """Hand every message to the broker, in order; raise if any may not have arrived."""

    def close(self) -> None: ...
