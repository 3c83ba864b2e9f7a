"""The storage contract for memberships, the points ledger and the orders' redemptions, on every
backend: balances change only by conditional updates that refuse an overdraft, the ledger only
grows, a redemption is settled once, and uses given back never go below zero."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecommerce_core import Money
from ecommerce_core.domain.errors import AlreadyExists
from ecommerce_core.domain.loyalty import Membership, PointsEntry, PointsReason
from ecommerce_core.domain.pricing import (
    Benefit,
    Coupon,
    Promotion,
    Redemption,
    RedemptionKind,
)
from ecommerce_core.ports.storage import Storage
from tests.contract.builders import T0


def _entry(n: int, delta: int, who: str = "cus_1", reason: str = "adjusted") -> PointsEntry:
    return PointsEntry(f"pts_{n:03d}", who, delta, reason, T0 + timedelta(minutes=n), note="x")


def test_a_membership_is_saved_without_ever_overwriting_its_points(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        assert uow.memberships.get("cus_1") is None
        uow.memberships.save(
            Membership("cus_1", {"b2b", "vip"}, "silver", {"contract_acme"}, updated_at=T0)
        )
        assert uow.memberships.add_points(_entry(1, 500))
        uow.commit()
    with storage.unit_of_work() as uow:
        # a stale copy (points 0) saved later changes the tier, never the balance
        uow.memberships.save(Membership("cus_1", {"vip"}, "gold", updated_at=T0))
        uow.commit()
    with storage.unit_of_work() as uow:
        found = uow.memberships.get("cus_1")
        assert found == Membership("cus_1", {"vip"}, "gold", frozenset(), 500, T0)
        assert uow.memberships.list() == [found]


def test_points_are_spent_by_a_conditional_update_that_refuses_an_overdraft(
    storage: Storage,
) -> None:
    with storage.unit_of_work() as uow:
        # a debit with no membership at all: refused, nothing created
        assert not uow.memberships.add_points(_entry(1, -1))
        assert uow.memberships.get("cus_1") is None
        # a credit creates an empty membership
        assert uow.memberships.add_points(_entry(2, 300, reason="earned"))
        assert uow.memberships.add_points(_entry(3, -200, reason="redeemed"))
        assert not uow.memberships.add_points(_entry(4, -101, reason="redeemed"))
        assert uow.memberships.add_points(_entry(5, -100, reason="redeemed"))
        uow.commit()
    with storage.unit_of_work() as uow:
        member = uow.memberships.get("cus_1")
        assert member is not None and (member.points, member.tier, member.groups) == (
            0,
            "",
            frozenset(),
        )
        ledger = uow.memberships.ledger("cus_1")
        # newest first; the refused debits left no entry
        assert [(e.id, e.delta, e.reason) for e in ledger] == [
            ("pts_005", -100, PointsReason.REDEEMED),
            ("pts_003", -200, PointsReason.REDEEMED),
            ("pts_002", 300, PointsReason.EARNED),
        ]
        assert uow.memberships.ledger("cus_1", limit=1)[0].id == "pts_005"
        assert uow.memberships.ledger("cus_2") == []
        assert [e.id for e in uow.memberships.entries()] == ["pts_002", "pts_003", "pts_005"]
        assert sum(e.delta for e in ledger) == member.points


def test_points_changed_in_a_unit_of_work_left_without_commit_are_not_kept(
    storage: Storage,
) -> None:
    with storage.unit_of_work() as uow:
        assert uow.memberships.add_points(_entry(1, 50))
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.memberships.add_points(_entry(2, -50))
    with storage.unit_of_work() as uow:
        member = uow.memberships.get("cus_1")
        assert member is not None and member.points == 50
        assert [e.id for e in uow.memberships.ledger("cus_1")] == ["pts_001"]


def _redemption(kind: str, source: str, amount: str = "10.00", **kw: object) -> Redemption:
    return Redemption(
        "ord_1",
        kind,
        source,
        "cus_1",
        T0,
        Money.of(amount, "CNY"),
        **kw,  # type: ignore[arg-type]
    )


def test_a_redemption_is_settled_exactly_once(storage: Storage) -> None:
    uses = [
        _redemption("coupon", "cpn_1", code="SAVE50"),
        _redemption("promotion", "promo_1", "25.50"),
        _redemption("points", "points", "3.00", points=300),
        _redemption("earn", "points", "0.00", points=42),
    ]
    with storage.unit_of_work() as uow:
        uow.redemptions.add(uses)
        uow.commit()
    with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
        uow.redemptions.add([uses[0]])
    later = T0 + timedelta(hours=1)
    with storage.unit_of_work() as uow:
        assert uow.redemptions.for_order("ord_1") == sorted(uses, key=lambda r: r.key)
        done = uow.redemptions.settle("ord_1", [RedemptionKind.EARN], later)
        assert [(r.kind, r.points, r.settled_at) for r in done] == [
            (RedemptionKind.EARN, 42, later)
        ]
        uow.commit()
    with storage.unit_of_work() as uow:
        again = uow.redemptions.settle("ord_1", list(RedemptionKind), later)
        assert sorted(r.kind for r in again) == ["coupon", "points", "promotion"]
        assert uow.redemptions.settle("ord_1", list(RedemptionKind), later) == []
        uow.commit()
    with storage.unit_of_work() as uow:
        stored = uow.redemptions.list()
        assert all(r.settled_at == later for r in stored) and len(stored) == 4
        assert uow.redemptions.for_order("ord_2") == []


def test_uses_given_back_never_go_below_zero(storage: Storage) -> None:
    coupon = Coupon(
        "cpn_1",
        "10 off",
        "platform",
        Benefit("amount_off_order", {"amount": Money.of("10", "CNY")}),
    )
    promotion = Promotion(
        "promo_1",
        "5 off",
        benefit=Benefit("amount_off_order", {"amount": Money.of("5", "CNY")}),
        usage_limit=2,
        budget=Money.of("100", "CNY"),
    )
    with storage.unit_of_work() as uow:
        uow.coupons.add(coupon)
        uow.promotions.add(promotion)
        assert uow.coupons.take_use("cpn_1")
        assert uow.coupons.take_customer_use("cpn_1", "cus_1", "SAVE10", 1, T0)
        assert uow.promotions.take_use("promo_1", 500)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.coupons.give_back("cpn_1", "cus_1")
        assert not uow.coupons.give_back("cpn_1", "cus_1")
        # more budget than was given cannot come back
        assert not uow.promotions.give_back("promo_1", 501)
        assert uow.promotions.give_back("promo_1", 500)
        assert not uow.promotions.give_back("promo_1", 0)
        uow.commit()
    with storage.unit_of_work() as uow:
        found = uow.coupons.get("cpn_1")
        claim = uow.coupons.claim_of("cpn_1", "cus_1")
        promo = uow.promotions.get("promo_1")
        assert found is not None and found.used == 0
        assert claim is not None and claim.used == 0
        assert promo is not None and (promo.used, promo.discount_given) == (0, 0)
        # the customer may use it again
        assert uow.coupons.take_customer_use("cpn_1", "cus_1", "SAVE10", 1, T0)
