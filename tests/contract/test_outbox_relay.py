"""The outbox relay on every backend: each committed event reaches each consumer, none is
invented by a rolled-back change, and a failed publish is retried rather than lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import attrs
import pytest

from ecommerce_core import Principal
from ecommerce_core.domain.errors import InvalidInput, PermissionDenied
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


def _stored(w: World) -> tuple[list[int], list[tuple[str, int]]]:
    """The outbox's event ids and its delivery records, as a backup sees them."""
    with w.shop.storage.unit_of_work() as uow:
        dump = uow.archive.dump()
    return [i for i, _ in dump["outbox"]], sorted((c, i) for c, i in dump["deliveries"])


def test_pruning_deletes_old_events_every_consumer_received_and_nothing_else(
    shop_world: World,
) -> None:
    w = shop_world
    system = Principal.system()
    crm, erp = RecordingPublisher(), RecordingPublisher()
    # no consumer yet: every event still waits for its first relay, however old
    w.clock.advance(timedelta(days=30))
    assert w.shop.events.prune(system, older_than=timedelta(days=7)) == 0
    seeded, _ = _stored(w)
    assert seeded
    w.shop.events.relay(system, consumer="crm", publisher=crm, limit=len(seeded) - 1)
    w.shop.events.relay(system, consumer="erp", publisher=erp, limit=2)
    # only what both received goes
    assert w.shop.events.prune(system, older_than=timedelta(days=7)) == 2
    assert _stored(w)[0] == seeded[2:]
    w.shop.events.relay_all(system, consumer="crm", publisher=crm)
    w.shop.events.relay_all(system, consumer="erp", publisher=erp)
    w.buy()  # events of today: too young
    w.shop.events.relay_all(system, consumer="crm", publisher=crm)
    young, _ = _stored(w)
    young = [i for i in young if i not in seeded]
    assert young
    assert w.shop.events.prune(system, older_than=timedelta(days=7), batch=1) == len(seeded) - 2
    events, deliveries = _stored(w)
    assert events == young
    assert deliveries == [("crm", i) for i in young]  # erp has not received them yet
    assert w.shop.events.prune(system, older_than=timedelta(0)) == 0  # erp still lacks them
    w.shop.events.relay_all(system, consumer="erp", publisher=erp)
    w.clock.advance(timedelta(seconds=1))
    # the newest event stays, so that no id is ever handed out twice
    assert w.shop.events.prune(system, older_than=timedelta(0)) == len(young) - 1
    assert _stored(w) == (young[-1:], [("crm", young[-1]), ("erp", young[-1])])
    # the relay carries on: a new event reaches both consumers, nothing is sent twice
    w.buy(key="order-2")
    before = len(crm.received)
    assert w.shop.events.relay_all(system, consumer="crm", publisher=crm) > 0
    assert w.shop.events.relay_all(system, consumer="erp", publisher=erp) > 0
    assert [m.id for m in erp.received][-1] == [m.id for m in crm.received][-1]
    assert len({m.id for m in crm.received}) == len(crm.received) > before


def test_pruning_asks_for_a_duration_and_the_relay_permission(shop_world: World) -> None:
    w = shop_world
    with pytest.raises(PermissionDenied):
        w.shop.events.prune(w.customer, older_than=timedelta(days=7))
    for bad in (timedelta(days=-1), 7, None):
        with pytest.raises(InvalidInput):
            w.shop.events.prune(Principal.system(), older_than=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        w.shop.events.prune(Principal.system(), older_than=timedelta(days=1), batch="9")  # type: ignore[arg-type]
