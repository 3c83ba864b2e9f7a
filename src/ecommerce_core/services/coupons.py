"""Coupon use cases: staff define coupons, generate batches of unique codes, export them and push
coupons to customers; customers claim coupons into their wallet and see it."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import AlreadyExists, InvalidInput, NotFound
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import (
    AppliedCode,
    Benefit,
    Condition,
    Coupon,
    CouponClaim,
    CouponCode,
    CouponKind,
    Scope,
    StackingPolicy,
    format_code,
    normalize_code,
)
from ecommerce_core.domain.pricing.index import compile_coupon
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext

__all__ = ["CouponService", "WalletEntry", "require_categories"]

MAX_BATCH = 10_000


@attrs.frozen
class WalletEntry:
    """A coupon in a customer's wallet, with the code to type and the uses left."""

    coupon: Coupon
    claim: CouponClaim

    @property
    def code(self) -> str:
        return self.claim.code

    @property
    def uses_left(self) -> int | None:
        limit = self.coupon.per_customer_limit
        return None if limit is None else max(0, limit - self.claim.used)


def require_categories(uow: UnitOfWork, category_ids: Iterable[str]) -> None:
    known = {c.id for c in uow.categories.list()}
    missing = sorted(set(category_ids) - known)
    if missing:
        raise NotFound("a category in the scope does not exist", category_ids=missing)


def _customer(principal: Principal) -> str:
    require(principal, Permission.COUPON_CLAIM)
    assert principal.id is not None  # a principal who may claim coupons is a customer
    return principal.id


class CouponService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def create_coupon(
        self,
        principal: Principal,
        *,
        name: str,
        kind: CouponKind | str,
        benefit: Benefit,
        scope: Scope | None = None,
        min_spend: Money | None = None,
        condition: Condition | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        usage_limit: int | None = None,
        per_customer_limit: int | None = 1,
        requires_claim: bool = False,
        stacking: StackingPolicy | None = None,
        code: str | None = None,
    ) -> Coupon:
        """A platform, category or merchant coupon; ``code`` adds a shared code such as SAVE50.

        :param benefit: ``amount_off_order`` for a fixed amount, ``percent_off`` with
            ``{"per": "order", "max_discount": ...}`` for a capped percentage, or any kind.
        :param usage_limit: uses across all customers; ``per_customer_limit``: per customer.
        :param requires_claim: only customers who claimed it (or were given it) may use it.
        :raises InvalidInput: bad parameters; :class:`AlreadyExists`: the code is taken.
        """
        require(principal, Permission.PROMOTION_WRITE)
        coupon = Coupon(
            id=self._ctx.ids.new_id("cpn"),
            name=name,
            kind=kind,
            benefit=benefit,
            scope=scope or Scope(),
            min_spend=min_spend,
            condition=condition,
            starts_at=starts_at,
            ends_at=ends_at,
            usage_limit=usage_limit,
            per_customer_limit=per_customer_limit,
            requires_claim=bool(requires_claim),
            stacking=stacking or StackingPolicy(),
        )
        shared = None if code is None else CouponCode(normalize_code(code), coupon.id)
        compile_coupon(AppliedCode("CHECK", coupon), coupon, self._ctx.pricing.registry)
        with self._ctx.uow() as uow:
            require_categories(uow, coupon.scope.category_ids)
            if shared is not None and uow.coupons.get_code(shared.code) is not None:
                raise AlreadyExists("that coupon code is taken", code=shared.code)
            uow.coupons.add(coupon)
            if shared is not None:
                uow.coupons.add_codes([shared])
            uow.commit()
        return coupon

    def create_codes(
        self, principal: Principal, coupon_id: str, *, count: int, prefix: str = ""
    ) -> list[CouponCode]:
        """A batch of unique personal codes (e.g. to print or e-mail); each is claimable once."""
        require(principal, Permission.PROMOTION_WRITE)
        count = _batch(count)
        head = normalize_code(f"{prefix}-XX")[:-3] if prefix else ""
        codes = [
            CouponCode(format_code(head, secrets.token_bytes(8)), coupon_id, personal=True)
            for _ in range(count)
        ]
        if len({c.code for c in codes}) != len(codes):  # 50 random bits per code: all but never
            raise AlreadyExists("two generated codes collided; try again")
        with self._ctx.uow() as uow:
            self._coupon(uow, coupon_id)
            uow.coupons.add_codes(codes)
            uow.commit()
        return codes

    def codes(self, principal: Principal, coupon_id: str) -> list[CouponCode]:
        """Every code of a coupon, with who holds each personal one: for export."""
        require(principal, Permission.PROMOTION_WRITE)
        with self._ctx.uow() as uow:
            self._coupon(uow, coupon_id)
            return uow.coupons.codes(coupon_id)

    def list_coupons(self, principal: Principal) -> list[Coupon]:
        require(principal, Permission.PROMOTION_WRITE)
        with self._ctx.uow() as uow:
            return uow.coupons.list()

    def push(
        self, principal: Principal, coupon_id: str, customer_ids: Iterable[str]
    ) -> list[CouponClaim]:
        """Put the coupon into each customer's wallet, with a personal code (a segment's gift)."""
        require(principal, Permission.PROMOTION_WRITE)
        if isinstance(customer_ids, str) or not isinstance(customer_ids, Iterable):
            raise InvalidInput("customer_ids is a list of ids", field="customer_ids")
        wanted = sorted({v.identifier(c, "customer_ids") for c in customer_ids})
        now = self._ctx.clock.now()
        given = []
        with self._ctx.uow() as uow:
            self._coupon(uow, coupon_id)
            for customer_id in wanted:
                if uow.customers.get(customer_id) is None:
                    raise NotFound("no such customer", customer_id=customer_id)
                if uow.coupons.claim_of(coupon_id, customer_id) is not None:
                    continue  # pushing twice gives one coupon
                code = CouponCode(
                    format_code("", secrets.token_bytes(8)), coupon_id, customer_id, personal=True
                )
                uow.coupons.add_codes([code])
                claim = CouponClaim(coupon_id, customer_id, code.code, 0, True, now)
                uow.coupons.add_claim(claim)
                given.append(claim)
            uow.commit()
        return given

    def claim(self, principal: Principal, code: str) -> WalletEntry:
        """The customer takes the coupon of ``code`` into their wallet (claiming twice is once).

        :raises NotFound: no such code, or a personal code someone else claimed first.
        :raises InvalidInput: the coupon is switched off or past its end (``reason``).
        """
        customer_id = _customer(principal)
        wanted = normalize_code(code)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            found = uow.coupons.get_code(wanted)
            if found is None or found.customer_id not in (None, customer_id):
                raise NotFound("no such coupon code", code=wanted)
            coupon = self._coupon(uow, found.coupon_id)
            if not coupon.active or (coupon.ends_at is not None and now >= coupon.ends_at):
                raise InvalidInput(
                    "that coupon can no longer be claimed", reason="expired", code=wanted
                )
            held = uow.coupons.claim_of(coupon.id, customer_id)
            if held is not None:
                return WalletEntry(coupon, held)
            if (
                found.personal
                and found.customer_id is None
                and not uow.coupons.bind_code(wanted, customer_id)
            ):
                raise NotFound("no such coupon code", code=wanted)  # claimed first by another
            claim = CouponClaim(coupon.id, customer_id, wanted, 0, True, now)
            uow.coupons.add_claim(claim)
            uow.commit()
        return WalletEntry(coupon, claim)

    def wallet(self, principal: Principal) -> list[WalletEntry]:
        """The customer's coupons (claimed, pushed, or used once by typing a shared code)."""
        customer_id = _customer(principal)
        with self._ctx.uow() as uow:
            entries = []
            for claim in uow.coupons.claims_of(customer_id):
                coupon = uow.coupons.get(claim.coupon_id)
                if coupon is not None:
                    entries.append(WalletEntry(coupon, claim))
            return entries

    @staticmethod
    def _coupon(uow: UnitOfWork, coupon_id: str) -> Coupon:
        coupon = uow.coupons.get(coupon_id)
        if coupon is None:
            raise NotFound("no such coupon", coupon_id=coupon_id)
        return coupon


def _batch(count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        raise InvalidInput(f"count is a whole number from 1 to {MAX_BATCH}", field="count")
    return count
