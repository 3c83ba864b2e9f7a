"""The ``log`` notifier: each event it is told about as one JSON line on standard error.

It is what ``ecommerce worker --notifier log`` delivers to when a shop has no chat or e-mail
notifier yet: the worker's output then carries the low-stock alerts (补货提醒) into whatever
collects its logs. Settings (``ShopSettings.notifiers["log"]``): ``topics``, the event names it
wants (default ``["stock.low"]``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Set
from typing import Any, TextIO

from ecommerce_core.ports.events import OutboxMessage

__all__ = ["LogNotifier"]


class LogNotifier:
    def __init__(
        self, settings: Mapping[str, Any] | None = None, stream: TextIO | None = None
    ) -> None:
        settings = dict(settings or {})
        self.topics: Set[str] = frozenset(str(t) for t in settings.get("topics", ("stock.low",)))
        self._stream = stream

    def notify(self, message: OutboxMessage) -> None:
        line = {
            "event": message.name,
            "id": message.message_id,
            "occurred_at": message.occurred_at.isoformat(),
            "payload": dict(message.payload),
        }
        stream = self._stream or sys.stderr
        stream.write(json.dumps(line, ensure_ascii=False, sort_keys=True, default=str) + "\n")
        stream.flush()  # raising here (a closed pipe) leaves the event to be told again
