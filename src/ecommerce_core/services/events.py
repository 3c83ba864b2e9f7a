"""The outbox relay: committed events leave for a broker, each consumer receiving every event.

Delivery is at least once: the relay publishes, then records the delivery in the same
transaction that locked the consumer; if that commit fails after the broker took the messages,
they are published again next time. Consumers deduplicate on ``OutboxMessage.id``
(see :class:`IdempotentConsumer`), which together gives each event's effect exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.ports.events import EventPublisher, OutboxMessage
from ecommerce_core.ports.notifications import Notifier
from ecommerce_core.services.context import ServiceContext

__all__ = ["EventService", "IdempotentConsumer"]

MAX_BATCH = 1_000


class EventService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def relay(
        self, principal: Principal, *, consumer: str, publisher: EventPublisher, limit: int = 100
    ) -> int:
        """Publish up to ``limit`` events ``consumer`` has not received; the number published."""
        require(principal, Permission.EVENTS_RELAY)
        name = v.identifier(consumer, "consumer")
        batch = max(1, min(int(limit), MAX_BATCH))
        with self._ctx.uow() as uow:
            pending = uow.outbox.undelivered(name, batch)
            if not pending:
                return 0
            publisher.publish(
                [
                    OutboxMessage(event_id, event.name, event.payload(), event.occurred_at)
                    for event_id, event in pending
                ]
            )
            uow.outbox.mark_delivered(name, [event_id for event_id, _ in pending])
            uow.commit()
        return len(pending)

    def relay_all(
        self, principal: Principal, *, consumer: str, publisher: EventPublisher, limit: int = 100
    ) -> int:
        """Relay in batches until nothing is pending; the number published."""
        total = 0
        while sent := self.relay(principal, consumer=consumer, publisher=publisher, limit=limit):
            total += sent
        return total

    def notify(self, principal: Principal, *, limit: int = 100) -> dict[str, int]:
        """Deliver to each notifier of ``ShopSettings.notifiers`` the committed events it has not
        had yet and asks for (its ``topics``): the number delivered per notifier.

        Each notifier is a consumer of its own (``notifier.<name>``): an event reaches it once
        while ``notify`` succeeds, and again if it raised (at least once).
        """
        require(principal, Permission.EVENTS_RELAY)
        delivered: dict[str, int] = {}
        for name in sorted(self._ctx.settings.notifiers):
            sink = _NotifierSink(self._ctx.notifier(name))
            while self.relay(principal, consumer=f"notifier.{name}", publisher=sink, limit=limit):
                pass
            delivered[name] = sink.count
        return delivered

    def pending(self, principal: Principal, *, consumer: str, limit: int = 100) -> list[int]:
        """Ids of the events ``consumer`` has not received yet (oldest first)."""
        require(principal, Permission.EVENTS_RELAY)
        with self._ctx.uow() as uow:
            return [i for i, _ in uow.outbox.undelivered(v.identifier(consumer, "consumer"), limit)]

    def prune(self, principal: Principal, *, older_than: timedelta, batch: int = MAX_BATCH) -> int:
        """Delete the events older than ``older_than`` that every registered consumer has
        received, with their delivery rows, in batches of ``batch`` (one transaction each); the
        number deleted. Keeps the outbox, and the relay's walk over it, short.

        A consumer is known from its first delivery on; with none known nothing is deleted. A
        consumer that starts relaying later never sees a pruned event.
        """
        require(principal, Permission.EVENTS_RELAY)
        if not isinstance(older_than, timedelta) or older_than < timedelta(0):
            raise InvalidInput("older_than is a duration of zero or more", field="older_than")
        if isinstance(batch, bool) or not isinstance(batch, int):
            raise InvalidInput("batch must be a whole number", field="batch")
        size = max(1, min(batch, MAX_BATCH))
        before = self._ctx.clock.now() - older_than
        total = 0
        while True:
            with self._ctx.uow() as uow:
                deleted = uow.outbox.prune(before, size)
                uow.commit()
            total += deleted
            if deleted < size:
                return total

    def consumer(self, name: str, handler: Callable[[OutboxMessage], None]) -> IdempotentConsumer:
        """Wrap ``handler`` so that a message seen twice is handled once (this shop's storage)."""
        return IdempotentConsumer(self._ctx, v.identifier(name, "consumer"), handler)


class _NotifierSink:
    """The relay's publisher for one notifier: the messages of its topics, one by one."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier
        self.count = 0

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        for message in messages:
            if message.name in self._notifier.topics:
                self._notifier.notify(message)
                self.count += 1

    def close(self) -> None:
        return None


class IdempotentConsumer:
    """Calls ``handler`` for each new message; records the id in the same transaction as a
    ``handler`` that takes a unit of work would, so a redelivered message changes nothing."""

    def __init__(
        self, ctx: ServiceContext, name: str, handler: Callable[[OutboxMessage], None]
    ) -> None:
        self._ctx = ctx
        self._name = f"consumer:{name}"
        self._handler = handler

    def __call__(self, message: OutboxMessage) -> bool:
        """True when the message was handled now; False when it had been handled before."""
        with self._ctx.uow() as uow:
            if not uow.notifications.record(self._name, message.message_id):
                return False
            self._handler(message)
            uow.commit()
        return True
