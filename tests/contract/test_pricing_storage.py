"""The storage contract for promotions and coupons, on every backend: rules come back exactly as
stored, and uses are counted only by conditional updates that refuse the one use too many."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ecommerce_core import Money
from ecommerce_core.domain.errors import AlreadyExists, NotFound
from ecommerce_core.domain.pricing import (
    Benefit,
    Condition,
    Coupon,
    CouponClaim,
    CouponCode,
    Promotion,
    Scope,
    StackingPolicy,
)
from ecommerce_core.ports.storage import Storage
from tests.contract.builders import T0


def _cny(text: str) -> Money:
    return Money.of(text, "CNY")


FULL_REDUCTION = Promotion(
    "promo_mj",
    "每满300减40",
    benefit=Benefit(
        "amount_off_order", {"amount": _cny("40"), "every": _cny("300"), "cap": _cny("120")}
    ),
    condition=Condition.any(
        Condition("member_tier", {"tiers": ["gold", "silver"]}),
        Condition("min_quantity", {"quantity": 3, "scope": Scope(category_ids={"cat_1"})}),
    ),
    scope=Scope(
        category_ids={"cat_1"}, brands={"Acme"}, exclude_skus={"PX-9"}, exclude_on_sale=True
    ),
    stacking=StackingPolicy(group="shop", stackable=False, combinable_with={"coupon"}, priority=7),
    starts_at=T0,
    ends_at=T0 + timedelta(days=7),
    max_discount=_cny("100"),
    usage_limit=3,
    budget=_cny("500"),
)
PERCENT = Promotion(
    "promo_pc", "Phones 12.5% off", Decimal("12.5"), frozenset({"cat_1"}), frozenset({"PX-1"})
)
COUPON = Coupon(
    "cpn_1",
    "Electronics 10% up to 50",
    "category",
    Benefit("percent_off", {"percent": "10", "per": "order", "max_discount": _cny("50")}),
    scope=Scope(category_ids={"cat_1"}),
    min_spend=_cny("200"),
    condition=Condition("first_order", {}),
    starts_at=T0,
    ends_at=T0 + timedelta(days=30),
    usage_limit=2,
    per_customer_limit=1,
    requires_claim=True,
    stacking=StackingPolicy(exclusive=True),
)


def test_promotions_come_back_exactly_with_their_rules_caps_and_counts(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.promotions.add(FULL_REDUCTION)
        uow.promotions.add(PERCENT)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.promotions.list() == [FULL_REDUCTION, PERCENT]
        assert uow.promotions.get("promo_mj") == FULL_REDUCTION
        assert uow.promotions.get("nope") is None
        uow.promotions.set_active("promo_pc", False)
        with pytest.raises(NotFound):
            uow.promotions.set_active("nope", False)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.promotions.get("promo_pc").active is False  # type: ignore[union-attr]


def test_a_promotions_last_use_and_last_budget_are_taken_once(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.promotions.add(FULL_REDUCTION)  # 3 uses, 500.00 in all
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.promotions.take_use("promo_mj", 20000)
        assert uow.promotions.take_use("promo_mj", 20000)
        assert not uow.promotions.take_use("promo_mj", 10001)  # 500.01 would pass the budget
        assert uow.promotions.take_use("promo_mj", 10000)  # exactly the budget
        assert not uow.promotions.take_use("promo_mj", 0)  # no use left
        uow.commit()
    with storage.unit_of_work() as uow:
        stored = uow.promotions.get("promo_mj")
        assert stored is not None
        assert (stored.used, stored.discount_given) == (3, 50000)
        assert not uow.promotions.take_use("nope", 1)


def test_coupons_codes_and_wallets_come_back_exactly(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.coupons.add(COUPON)
        uow.coupons.add_codes(
            [CouponCode("SAVE10", "cpn_1"), CouponCode("ONE-A2B3", "cpn_1", personal=True)]
        )
        uow.coupons.add_claim(CouponClaim("cpn_1", "cus_1", "SAVE10", 0, True, T0))
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.coupons.get("cpn_1") == COUPON
        assert uow.coupons.list() == [COUPON]
        assert uow.coupons.get_code("SAVE10") == CouponCode("SAVE10", "cpn_1")
        assert [c.code for c in uow.coupons.codes("cpn_1")] == ["ONE-A2B3", "SAVE10"]
        assert uow.coupons.claim_of("cpn_1", "cus_1") == CouponClaim(
            "cpn_1", "cus_1", "SAVE10", 0, True, T0
        )
        assert uow.coupons.claims_of("cus_1") == [
            CouponClaim("cpn_1", "cus_1", "SAVE10", 0, True, T0)
        ]
        assert uow.coupons.claims_of("cus_2") == []


def test_a_code_is_unique_a_wallet_holds_a_coupon_once_and_a_personal_code_binds_once(
    storage: Storage,
) -> None:
    with storage.unit_of_work() as uow:
        uow.coupons.add(COUPON)
        uow.coupons.add_codes(
            [CouponCode("SAVE10", "cpn_1"), CouponCode("ONE-A2B3", "cpn_1", personal=True)]
        )
        uow.coupons.add_claim(CouponClaim("cpn_1", "cus_1", "SAVE10"))
        uow.commit()
    with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
        uow.coupons.add_codes([CouponCode("SAVE10", "cpn_1")])
    with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
        uow.coupons.add_claim(CouponClaim("cpn_1", "cus_1", "SAVE10"))
    with storage.unit_of_work() as uow:
        assert not uow.coupons.bind_code("SAVE10", "cus_2")  # a shared code binds to nobody
        assert uow.coupons.bind_code("ONE-A2B3", "cus_2")
        assert not uow.coupons.bind_code("ONE-A2B3", "cus_3")
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.coupons.get_code("ONE-A2B3") == CouponCode(
            "ONE-A2B3", "cpn_1", "cus_2", personal=True
        )


def test_a_coupons_last_use_is_taken_once_and_so_is_a_customers(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.coupons.add(COUPON)  # 2 uses in all, 1 per customer
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.coupons.take_use("cpn_1")
        assert uow.coupons.take_customer_use("cpn_1", "cus_1", "SAVE10", 1, T0)
        assert not uow.coupons.take_customer_use("cpn_1", "cus_1", "SAVE10", 1, T0)
        assert uow.coupons.take_use("cpn_1")
        assert not uow.coupons.take_use("cpn_1")
        assert uow.coupons.take_customer_use("cpn_1", "cus_2", "SAVE10", None, T0)
        assert uow.coupons.take_customer_use("cpn_1", "cus_2", "SAVE10", None, T0)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.coupons.get("cpn_1").used == 2  # type: ignore[union-attr]
        assert uow.coupons.claim_of("cpn_1", "cus_1") == CouponClaim(
            "cpn_1", "cus_1", "SAVE10", 1, False, T0
        )
        assert uow.coupons.claim_of("cpn_1", "cus_2").used == 2  # type: ignore[union-attr]


def test_a_use_taken_in_a_unit_of_work_that_does_not_commit_is_not_taken(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.coupons.add(COUPON)
        uow.promotions.add(FULL_REDUCTION)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.coupons.take_use("cpn_1")
        assert uow.promotions.take_use("promo_mj", 100)
        assert uow.coupons.take_customer_use("cpn_1", "cus_1", "SAVE10", 1, T0)
    with storage.unit_of_work() as uow:
        assert uow.coupons.get("cpn_1").used == 0  # type: ignore[union-attr]
        assert uow.promotions.get("promo_mj").used == 0  # type: ignore[union-attr]
        assert uow.coupons.claim_of("cpn_1", "cus_1") is None
