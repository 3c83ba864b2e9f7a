"""The notifier port: tells people about events (e-mail, SMS, chat, a back-office inbox).

Notifiers are plugins (``ecommerce_core_register_notifiers``); the shop delivers to each one it
is configured with (``ShopSettings.notifiers``) the committed events it asks for, through the
outbox, so that a notification is never sent for a change that was rolled back. Each notifier is
a consumer of its own: delivery is at least once and, as long as ``notify`` succeeds, once.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Protocol

from ecommerce_core.ports.events import OutboxMessage

__all__ = ["Notifier"]


class Notifier(Protocol):
    #: the event names it wants, e.g. ``{"stock.low"}`` for replenishment alerts (补货提醒)
    topics: Set[str]

    def notify(self, message: OutboxMessage) -> None:
        """Tell whoever it tells; raise if it may not have arrived (it is then sent again)."""
