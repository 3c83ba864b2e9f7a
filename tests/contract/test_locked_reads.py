"""A locked read that had to wait sees everything committed while it waited, on every backend.

PostgreSQL re-reads the locked row once its lock is granted, but not the rows a joined
``SELECT ... FOR UPDATE OF`` read with it: an order's lines rewritten by an edit that committed
meanwhile would come back as they were. Two concurrent edits of one unpaid order would then price
and write from stale lines.
"""

from __future__ import annotations

import threading

import attrs

from ecommerce_core.domain.orders import OrderAction
from ecommerce_core.ports.storage import Storage
from tests.contract import builders as b


def test_a_locked_order_read_sees_the_lines_an_edit_committed_while_it_waited(
    storage: Storage,
) -> None:
    with storage.unit_of_work() as uow:
        uow.orders.add(b.order())
        uow.commit()
    seen: list[list[tuple[str, int]]] = []
    first = storage.unit_of_work()
    first.__enter__()
    try:
        held = first.orders.get("ord_1", for_update=True)
        assert held is not None
        line = held.lines[0]
        edited, _ = attrs.evolve(
            held, lines=(attrs.evolve(line, quantity=line.quantity + 4),)
        ).transition(OrderAction.EDIT, b.T0, "quantity changed")
        first.orders.update(edited)

        def second() -> None:
            with storage.unit_of_work() as uow:
                waited = uow.orders.get("ord_1", for_update=True)
                assert waited is not None
                seen.append([(ln.sku, ln.quantity) for ln in waited.lines])

        other = threading.Thread(target=second)
        other.start()
        other.join(0.5)  # it waits for the lock (or, on SQLite and memory, for the store)
        first.commit()
    finally:
        first.__exit__(None, None, None)
    other.join(10)
    assert seen == [[(line.sku, line.quantity + 4)]]


def test_a_locked_cart_read_sees_the_lines_a_checkout_committed_while_it_waited(
    storage: Storage,
) -> None:
    """The second tab's checkout: it waits for the first's lock on the cart, then must find the
    cart emptied, not the lines it had when the wait began."""
    with storage.unit_of_work() as uow:
        uow.carts.save(b.cart())
        uow.commit()
    seen: list[list[tuple[str, int]]] = []
    first = storage.unit_of_work()
    first.__enter__()
    try:
        held = first.carts.get_for_customer("cus_1", for_update=True)
        assert held is not None and held.lines
        first.carts.save(held.emptied(b.T0))

        def second() -> None:
            with storage.unit_of_work() as uow:
                waited = uow.carts.get_for_customer("cus_1", for_update=True)
                assert waited is not None
                seen.append([(ln.sku, ln.quantity) for ln in waited.lines])

        other = threading.Thread(target=second)
        other.start()
        other.join(0.5)  # it waits for the lock (or, on SQLite and memory, for the store)
        assert seen == []
        first.commit()
    finally:
        first.__exit__(None, None, None)
    other.join(10)
    assert seen == [[]]
