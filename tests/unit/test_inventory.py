"""Inventory: reservation plans summed per SKU, all or nothing, and stock that never goes negative."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
)

from ecommerce_core.domain.errors import CorruptData, InvalidInput, InvalidTransition, OutOfStock
from ecommerce_core.domain.inventory import (
    Reservation,
    ReservationLine,
    ReservationStatus,
    StockLevel,
    Warehouse,
    plan_reservation,
    sum_by_sku,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TTL = timedelta(minutes=30)
WAREHOUSES = {
    "sz": Warehouse("sz", "Shenzhen", priority=1),
    "gz": Warehouse("gz", "Guangzhou", priority=2),
    "sh": Warehouse("sh", "Shanghai", priority=3),
}
SKUS = ("A-1", "B-2", "C-3")


def _levels(**stock: dict[str, int]) -> list[StockLevel]:
    """``_levels(sz={"A-1": 3})``: on-hand stock per warehouse, nothing reserved."""
    return [
        StockLevel(sku, wid, on_hand=n)
        for wid, per_sku in stock.items()
        for sku, n in per_sku.items()
    ]


# -- plan_reservation ------------------------------------------------------------------------
def test_quantities_of_one_sku_are_summed_before_the_check() -> None:
    demand = sum_by_sku([("A-1", 2), ("B-2", 1), ("A-1", 2)])
    assert demand == {"A-1": 4, "B-2": 1}
    with pytest.raises(OutOfStock):
        plan_reservation(demand, _levels(sz={"A-1": 3, "B-2": 5}), WAREHOUSES)


def test_out_of_stock_names_every_missing_sku_and_nothing_else() -> None:
    levels = _levels(sz={"A-1": 1, "B-2": 5}, gz={"A-1": 1})
    with pytest.raises(OutOfStock) as caught:
        plan_reservation({"A-1": 3, "B-2": 2, "C-3": 1}, levels, WAREHOUSES)
    assert caught.value.details["skus"] == ["A-1", "C-3"]
    assert caught.value.code == "out_of_stock"


def test_one_warehouse_that_holds_everything_is_preferred_by_priority() -> None:
    levels = _levels(
        sh={"A-1": 9, "B-2": 9}, gz={"A-1": 9, "B-2": 9}, sz={"A-1": 9}
    )  # sz has priority 1 but lacks B-2
    plan = plan_reservation({"A-1": 2, "B-2": 1}, levels, WAREHOUSES)
    assert plan == [ReservationLine("A-1", "gz", 2), ReservationLine("B-2", "gz", 1)]


def test_a_single_warehouse_beats_splitting_even_from_a_better_priority() -> None:
    levels = _levels(sz={"A-1": 1}, sh={"A-1": 5})
    assert plan_reservation({"A-1": 3}, levels, WAREHOUSES) == [ReservationLine("A-1", "sh", 3)]


def test_when_no_warehouse_holds_everything_each_sku_is_taken_by_priority() -> None:
    levels = _levels(sz={"A-1": 2}, gz={"A-1": 2}, sh={"A-1": 2})
    plan = plan_reservation({"A-1": 5}, levels, WAREHOUSES)
    assert plan == [
        ReservationLine("A-1", "sz", 2),
        ReservationLine("A-1", "gz", 2),
        ReservationLine("A-1", "sh", 1),
    ]


def test_reserved_units_are_not_available_to_the_plan() -> None:
    levels = [StockLevel("A-1", "sz", on_hand=5, reserved=4)]
    with pytest.raises(OutOfStock):
        plan_reservation({"A-1": 2}, levels, WAREHOUSES)


stock_maps = st.dictionaries(
    st.sampled_from(sorted(WAREHOUSES)),
    st.dictionaries(st.sampled_from(SKUS), st.integers(0, 6), max_size=3),
    max_size=3,
)
demands = st.dictionaries(st.sampled_from(SKUS), st.integers(1, 10), min_size=1, max_size=3)


@given(stock_maps, demands)
def test_a_plan_serves_exactly_the_demand_from_available_stock_or_refuses_it_all(
    stock: dict[str, dict[str, int]], demand: dict[str, int]
) -> None:
    levels = _levels(**stock)
    available = {sku: sum(lv.available for lv in levels if lv.sku == sku) for sku in demand}
    lacking = sorted(sku for sku, need in demand.items() if available[sku] < need)
    if lacking:
        with pytest.raises(OutOfStock) as caught:
            plan_reservation(demand, levels, WAREHOUSES)
        assert caught.value.details["skus"] == lacking
        return
    plan = plan_reservation(demand, levels, WAREHOUSES)
    assert sum_by_sku((p.sku, p.quantity) for p in plan) == demand
    by_key = {lv.key: lv for lv in levels}
    taken = sum_by_sku((f"{p.sku}@{p.warehouse_id}", p.quantity) for p in plan)
    for key, quantity in taken.items():
        sku, wid = key.split("@")
        assert 0 < quantity <= by_key[(sku, wid)].available
    whole = [
        wid
        for wid in WAREHOUSES
        if all(stock.get(wid, {}).get(sku, 0) >= need for sku, need in demand.items())
    ]
    if whole:  # one parcel, from the best such warehouse
        best = min(whole, key=lambda wid: WAREHOUSES[wid].priority)
        assert {p.warehouse_id for p in plan} == {best}


# -- StockLevel and Reservation --------------------------------------------------------------
def test_the_last_unit_reserved_twice_is_held_once() -> None:
    level = StockLevel("A-1", "sz", on_hand=1).reserve(1)
    with pytest.raises(OutOfStock):
        level.reserve(1)
    assert (level.on_hand, level.reserved, level.available) == (1, 1, 0)


@pytest.mark.parametrize(("on_hand", "reserved"), [(1, 2), (-1, 0), (3, -1)])
def test_a_stock_level_never_holds_more_reserved_than_on_hand(on_hand: int, reserved: int) -> None:
    with pytest.raises(CorruptData):
        StockLevel("A-1", "sz", on_hand=on_hand, reserved=reserved)


@pytest.mark.parametrize("quantity", [0, -1, True, 1.0, 10_000])
def test_receiving_takes_a_positive_whole_quantity(quantity: object) -> None:
    with pytest.raises(InvalidInput):
        StockLevel("A-1", "sz").received(quantity)  # type: ignore[arg-type]


def test_a_reservation_moves_once_from_active_and_expires_at_its_ttl() -> None:
    held = Reservation.hold("res_1", "ord_1", [ReservationLine("A-1", "sz", 1)], NOW, TTL)
    assert not held.is_expired(NOW + TTL - timedelta(seconds=1))
    assert held.is_expired(NOW + TTL)
    assert held.committed().status is ReservationStatus.COMMITTED
    assert held.released().status is ReservationStatus.RELEASED
    # a paid order cancelled before it all shipped gives the rest back
    assert held.committed().released().status is ReservationStatus.RELEASED
    for done in (held.committed(), held.released()):
        assert not done.is_expired(NOW + TTL)
        with pytest.raises(InvalidTransition):
            done.committed()
    with pytest.raises(InvalidTransition):
        held.released().released()


class StockLifecycle(RuleBasedStateMachine):
    """Receive, reserve, release, commit and ship in any order: the counts always add up.

    A model of what should be on hand is kept beside the real levels; after every step the
    real levels equal the model and ``0 <= reserved <= on_hand`` holds everywhere (INV-1).
    """

    reservations = Bundle("reservations")

    def __init__(self) -> None:
        super().__init__()
        self.levels = {(sku, wid): StockLevel(sku, wid) for sku in SKUS for wid in WAREHOUSES}
        self.received = dict.fromkeys(self.levels, 0)
        self.sold = dict.fromkeys(self.levels, 0)
        self.active: dict[str, Reservation] = {}
        self.committed: dict[str, Reservation] = {}
        self.count = 0

    @rule(sku=st.sampled_from(SKUS), wid=st.sampled_from(sorted(WAREHOUSES)), n=st.integers(1, 5))
    def receive(self, sku: str, wid: str, n: int) -> None:
        self.levels[(sku, wid)] = self.levels[(sku, wid)].received(n)
        self.received[(sku, wid)] += n

    @rule(target=reservations, demand=demands)
    def reserve(self, demand: dict[str, int]) -> str:
        self.count += 1
        rid = f"res_{self.count}"
        before = dict(self.levels)
        try:
            plan = plan_reservation(demand, self.levels.values(), WAREHOUSES)
        except OutOfStock:
            assert self.levels == before  # all or nothing: no line keeps a hold
            return rid
        for line in plan:
            key = (line.sku, line.warehouse_id)
            self.levels[key] = self.levels[key].reserve(line.quantity)
        self.active[rid] = Reservation.hold(rid, "ord", plan, NOW, TTL)
        return rid

    @rule(rid=consumes(reservations))
    def release(self, rid: str) -> None:
        reservation = self.active.pop(rid, None)
        if reservation is None:
            return
        for line in reservation.released().lines:
            key = (line.sku, line.warehouse_id)
            self.levels[key] = self.levels[key].release(line.quantity)

    @rule(rid=consumes(reservations), target=reservations)
    def commit(self, rid: str) -> str:
        reservation = self.active.pop(rid, None)
        if reservation is not None:  # paid: the units stay on hand and promised
            self.committed[rid] = reservation.committed()
        return rid

    @rule(rid=consumes(reservations))
    def ship(self, rid: str) -> None:
        reservation = self.committed.pop(rid, None)
        if reservation is None:
            return
        for line in reservation.lines:
            key = (line.sku, line.warehouse_id)
            self.levels[key] = self.levels[key].ship(line.quantity)
            self.sold[key] += line.quantity

    @precondition(lambda self: any(lv.available for lv in self.levels.values()))
    @rule(data=st.data())
    def reserving_more_than_available_is_refused(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.levels)))
        level = self.levels[key]
        with pytest.raises(OutOfStock):
            level.reserve(level.available + 1)

    @invariant()
    def reserved_never_exceeds_on_hand(self) -> None:
        for level in self.levels.values():
            assert 0 <= level.reserved <= level.on_hand

    @invariant()
    def reserved_is_what_active_and_committed_reservations_hold(self) -> None:
        held = dict.fromkeys(self.levels, 0)
        for reservation in [*self.active.values(), *self.committed.values()]:
            for line in reservation.lines:
                held[(line.sku, line.warehouse_id)] += line.quantity
        assert {k: lv.reserved for k, lv in self.levels.items()} == held

    @invariant()
    def on_hand_is_received_minus_sold(self) -> None:
        for key, level in self.levels.items():
            assert level.on_hand == self.received[key] - self.sold[key]


TestStockLifecycle = StockLifecycle.TestCase
