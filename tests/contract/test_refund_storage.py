"""Line refunds in storage, on every backend: an order's line taxes and a refund's lines and
shipping come back exactly as stored."""

from __future__ import annotations

import threading

import attrs

from ecommerce_core.domain.money import Money
from ecommerce_core.domain.payments import Refund, RefundLine, RefundStatus
from ecommerce_core.ports.storage import Storage
from tests.contract import builders as b


def test_an_orders_line_taxes_round_trip_and_unknown_taxes_stay_unknown(storage: Storage) -> None:
    plain = b.order()
    taxed = attrs.evolve(
        b.order("ord_2", "N-2", "key-2"),
        lines=tuple(attrs.evolve(ln, tax=Money(93577, "CNY")) for ln in plain.lines),
    )
    with storage.unit_of_work() as uow:
        uow.orders.add(plain)
        uow.orders.add(taxed)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.orders.get("ord_1") == plain
        assert uow.orders.get("ord_2") == taxed
        assert [o.lines[0].tax for o in uow.orders.list()] == [Money(93577, "CNY"), None]


def test_a_line_refund_keeps_its_lines_and_shipping(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.payments.add(b.payment())
        uow.commit()
    lines = (
        RefundLine(0, "PX-1", 1, Money(359910, "CNY")),
        RefundLine(2, "GIFT-1", 1, Money(0, "CNY")),
    )
    by_lines = Refund(
        "ref_1",
        Money(360910, "CNY"),
        RefundStatus.PENDING,
        b.T0,
        "lines-key",
        "damaged",
        lines=lines,
        shipping=Money(1000, "CNY"),
    )
    by_amount = Refund("ref_2", Money(10, "CNY"), RefundStatus.PENDING, b.T0, "amount-key")
    with storage.unit_of_work() as uow:
        stored = uow.payments.get("pay_1", for_update=True)
        assert stored is not None
        paid = stored.captured_in_full(b.T0, "sbx_ref").with_refund(by_lines).with_refund(by_amount)
        uow.payments.update(paid)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.payments.get("pay_1") == paid
        done = paid.with_refund_outcome("ref_1", RefundStatus.SUCCEEDED, "sbxref_1", b.T0)
        uow.payments.update(done)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.payments.list_for_order("ord_1") == [done]
        (found,) = [r for r in done.refunds if r.id == "ref_1"]
        assert found.lines == lines and found.shipping == Money(1000, "CNY")


def test_a_locked_read_sees_the_refunds_committed_while_it_waited(storage: Storage) -> None:
    """PAY-5 under concurrency: the second refund of a payment must see the first one."""
    with storage.unit_of_work() as uow:
        uow.payments.add(b.payment())
        uow.commit()
    with storage.unit_of_work() as uow:
        stored = uow.payments.get("pay_1", for_update=True)
        assert stored is not None
        uow.payments.update(stored.captured_in_full(b.T0, "sbx_ref"))
        uow.commit()
    seen: list[list[str]] = []
    first = storage.unit_of_work()
    first.__enter__()
    try:
        held = first.payments.get("pay_1", for_update=True)
        assert held is not None
        refund = Refund("ref_a", Money(100, "CNY"), RefundStatus.PENDING, b.T0, "key-a")
        first.payments.update(held.with_refund(refund))

        def second() -> None:
            with storage.unit_of_work() as uow:
                waited = uow.payments.get("pay_1", for_update=True)
                assert waited is not None
                seen.append([r.id for r in waited.refunds])

        other = threading.Thread(target=second)
        other.start()
        other.join(0.5)  # it waits for the lock (or, on SQLite and memory, for the store)
        first.commit()
    finally:
        first.__exit__(None, None, None)
    other.join(10)
    assert seen == [["ref_a"]]
