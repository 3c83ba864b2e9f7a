"""The outbox relay on every backend: each committed event reaches each consumer, none is
invented by a rolled-back change, and a failed publish is retried rather than lost."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pytest

from ecommerce_core import Principal
from ecommerce_core.domain.errors import PermissionDenied
from ecommerce_core.ports.events import OutboxMessage
from tests.support import World


@attrs.define
class RecordingPublisher:
    """A broker fake that implements the port and remembers what reached it."""

    received: list[OutboxMessage] = attrs.field(factory=list)
    fail: bool = False

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.received.extend(messages)

    def close(self) -> None:
        return None


def test_every_committed_event_reaches_every_consumer_once(shop_world: World) -> None:
    w = shop_world
    system = Principal.system()
    crm, erp = RecordingPublisher(), RecordingPublisher()
    first = w.shop.events.relay_all(system, consumer="crm", publisher=crm, limit=7)
    assert first == len(crm.received) > 0
    assert w.shop.events.relay_all(system, consumer="crm", publisher=crm) == 0
    order = w.buy()
    w.shop.events.relay_all(system, consumer="crm", publisher=crm)
    w.shop.events.relay_all(system, consumer="erp", publisher=erp)
    ids = [m.id for m in crm.received]
    assert ids == sorted(set(ids))
    assert [m.id for m in erp.received] == ids
    placed = [m for m in crm.received if m.name == "order.placed"]
    assert [m.payload["order_id"] for m in placed] == [order.id]


def test_a_failed_publish_delivers_nothing_and_is_retried(shop_world: World) -> None:
    w = shop_world
    system = Principal.system()
    broken = RecordingPublisher(fail=True)
    with pytest.raises(ConnectionError):
        w.shop.events.relay(system, consumer="crm", publisher=broken)
    pending = w.shop.events.pending(system, consumer="crm", limit=1000)
    assert pending
    broken.fail = False
    assert w.shop.events.relay_all(system, consumer="crm", publisher=broken) == len(pending)
    assert [m.id for m in broken.received] == pending


def test_an_idempotent_consumer_handles_a_redelivered_message_once(shop_world: World) -> None:
    w = shop_world
    publisher = RecordingPublisher()
    w.shop.events.relay_all(Principal.system(), consumer="mail", publisher=publisher)
    handled: list[int] = []
    consume = w.shop.events.consumer("mail", lambda m: handled.append(m.id))
    message = publisher.received[0]
    assert consume(message) is True
    assert consume(message) is False
    assert handled == [message.id]


def test_customers_cannot_run_the_relay(shop_world: World) -> None:
    with pytest.raises(PermissionDenied):
        shop_world.shop.events.relay(
            shop_world.customer, consumer="x", publisher=RecordingPublisher()
        )
