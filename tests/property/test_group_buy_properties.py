"""Invariants of group-buy (团购): the group line costs exactly quantity x group price (never
more than its list price) with the saving recorded against the campaign and nothing else
touched; joins counted by the conditional update never exceed the maximum, and the count is
exactly the joins taken minus the ones given back."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain.group_buy import GroupBuy, GroupBuyStatus
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import PriceableItem, price_cart
from ecommerce_core.services.group_buy import group_price
from ecommerce_memory.storage import MemoryStorage
from tests.unit.pricing.helpers import NOW, context

amounts = st.integers(min_value=1, max_value=10**7)


def _campaign(price: int, max_buyers: int | None = None, min_buyers: int = 1) -> GroupBuy:
    return GroupBuy(
        "gb_1", "SKU-G", Money(price, "CNY"), min_buyers, NOW, NOW + timedelta(days=1),
        max_buyers=max_buyers,
    )  # fmt: skip


@given(list_price=amounts, group=amounts, quantity=st.integers(1, 99), other=amounts)
def test_the_group_line_costs_exactly_quantity_times_the_group_price(
    list_price: int, group: int, quantity: int, other: int
) -> None:
    cart = [
        PriceableItem("SKU-G", quantity, Money(list_price, "CNY"), frozenset()),
        PriceableItem("SKU-O", 2, Money(other, "CNY"), frozenset()),
    ]
    result = price_cart(cart, [group_price(_campaign(group))], context())
    line = next(ln for ln in result.lines if ln.sku == "SKU-G")
    unit = min(group, list_price)  # a group price above the list price gives nothing
    assert line.total == Money(unit * quantity, "CNY")
    assert line.discount == Money((list_price - unit) * quantity, "CNY")
    saved = sum(a.amount.amount for a in line.adjustments if a.source_id == "gb_1")
    assert saved == line.discount.amount
    rest = next(ln for ln in result.lines if ln.sku == "SKU-O")
    assert (rest.total, rest.discount.amount) == (Money(2 * other, "CNY"), 0)


ops = st.lists(st.sampled_from(["take", "give", "fail", "succeed"]), max_size=40)


@given(max_buyers=st.one_of(st.none(), st.integers(1, 8)), steps=ops)
def test_joins_never_exceed_the_maximum_and_count_exactly(
    max_buyers: int | None, steps: list[str]
) -> None:
    storage = MemoryStorage()
    with storage.unit_of_work() as uow:
        uow.group_buys.add(_campaign(100, max_buyers))
        uow.commit()
    expected, status = 0, GroupBuyStatus.OPEN
    for step in steps:
        with storage.unit_of_work() as uow:
            if step == "take":
                room = max_buyers is None or expected < max_buyers
                ok = uow.group_buys.take_join("gb_1")
                assert ok == (room and status is not GroupBuyStatus.FAILED)
                expected += ok
            elif step == "give":
                assert uow.group_buys.give_back("gb_1") == (expected > 0)
                expected = max(0, expected - 1)
            else:
                target = GroupBuyStatus.FAILED if step == "fail" else GroupBuyStatus.SUCCEEDED
                done = uow.group_buys.settle("gb_1", target, NOW)
                assert done == (status is GroupBuyStatus.OPEN)
                status = target if done else status
            uow.commit()
        with storage.unit_of_work() as uow:
            stored = uow.group_buys.get("gb_1")
        assert stored is not None
        assert stored.joined == expected
        assert max_buyers is None or stored.joined <= max_buyers
        assert stored.status is status
