"""Pricing a customer's cart inside a unit of work: who they are, the codes they entered, the
shop's promotions (indexed once), the stock of gifts; and taking coupon and promotion uses with
conditional updates when an order is placed (PROMISES CPN-1)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import attrs

from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.catalog import Product
from ecommerce_core.domain.errors import Conflict, InvalidInput
from ecommerce_core.domain.inventory import StockLevel
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import Address, OrderLine
from ecommerce_core.domain.pricing import (
    AppliedCode,
    Benefit,
    Buyer,
    Condition,
    CouponChoice,
    PriceBreakdown,
    PricingContext,
    Promotion,
    PromotionIndex,
    Redemption,
    RedemptionKind,
    best_coupons,
    normalize_code,
)
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.catalogue_cache import Catalogue
from ecommerce_core.services.context import ServiceContext, priceable_items

__all__ = [
    "Priced",
    "best_for",
    "codes_from",
    "gift_lines",
    "gifts_in_stock",
    "price_for",
    "refuse_unapplied",
    "region_of",
    "take_uses",
]

MAX_CODES = 20
#: Reasons that mean "someone else took it" rather than "this cart does not qualify".
_TAKEN = {"usage_limit_reached", "customer_limit_reached", "budget_exhausted"}


class Priced(NamedTuple):
    """A cart priced now, with what was read to price it (and is not read again to place it)."""

    breakdown: PriceBreakdown
    #: the product of each SKU of the cart
    products: dict[str, Product]
    #: every promotion, by id, as read for this pricing (the limited ones with fresh counts)
    promotions: Mapping[str, Promotion]
    #: each code entered, with its coupon as read for this pricing
    codes: dict[str, AppliedCode]
    #: the shop's cached catalogue at the version this pricing read (its warehouses allocate
    #: the order's stock without reading them again)
    catalogue: Catalogue


def codes_from(value: object) -> list[str]:
    """The codes a customer entered: a list of text, normalised, each once, in the order given."""
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInput("coupons is a list of codes", field="coupons")
    codes = list(dict.fromkeys(normalize_code(code) for code in value))
    if len(codes) > MAX_CODES:
        raise InvalidInput(f"at most {MAX_CODES} codes at once", field="coupons")
    return codes


def region_of(address: Address | None) -> str:
    """``CN`` or ``CN-GD``: the country, with the region when it is given as a code."""
    if address is None:
        return ""
    code = address.region.strip().upper()
    if code and len(code) <= 3 and code.isalnum():
        return f"{address.country}-{code}"
    return address.country


#: Built-in rule kinds that never look at the buyer's order history. When every active
#: promotion and every entered coupon is made of these only, storage is not asked whether the
#: customer has ordered before. A kind a plugin adds may look at anything, so it makes the
#: question asked; a new built-in kind that reads ``Buyer.orders_placed`` must stay out of these.
_HISTORY_FREE_CONDITIONS = frozenset(
    {"all", "any", "not", "always", "min_subtotal", "min_quantity", "time_window",
     "customer_group", "member_tier", "channel", "region"}
)  # fmt: skip
_HISTORY_FREE_BENEFITS = frozenset(
    {"percent_off", "amount_off_unit", "amount_off_line", "fixed_unit_price", "buy_x_get_y",
     "bundle_price", "amount_off_order", "gift", "free_shipping", "shipping_off",
     "points_multiplier"}
)  # fmt: skip


def _reads_history(condition: Condition | None, benefit: Benefit) -> bool:
    if benefit.kind not in _HISTORY_FREE_BENEFITS:
        return True
    pending = [] if condition is None else [condition]
    while pending:
        current = pending.pop()
        if current.kind not in _HISTORY_FREE_CONDITIONS:
            return True
        pending.extend(current.children)
    return False


def _asks_history(index: PromotionIndex, applied: Sequence[AppliedCode]) -> bool:
    """Whether any rule of this pricing may look at how many orders the buyer placed."""
    # the index's kinds are gathered once per index, not per pricing (1,000 promotions: ~0.1 ms)
    if not (
        index.benefit_kinds <= _HISTORY_FREE_BENEFITS
        and index.condition_kinds <= _HISTORY_FREE_CONDITIONS
    ):
        return True
    return any(
        a.coupon is not None and _reads_history(a.coupon.condition, a.coupon.benefit)
        for a in applied
    )


def _buyer(
    uow: UnitOfWork,
    customer_id: str,
    index: PromotionIndex,
    applied: Sequence[AppliedCode],
    editing: str | None = None,
) -> Buyer:
    # first order: nothing placed yet (a cancelled order still counts as an order placed); an
    # order being edited is priced as when it was placed, so it does not count itself
    placed = 0
    if _asks_history(index, applied):
        if editing is None:
            placed = int(uow.orders.has_orders(customer_id))
        else:
            placed = int(any(o.id != editing for o in uow.orders.list(customer_id, limit=2)))
    # groups, tier, contracts and points come from storage (set by staff), never the request
    member = uow.memberships.get(customer_id)
    if member is None:
        return Buyer(customer_id, orders_placed=placed)
    return Buyer(
        customer_id,
        groups=member.groups,
        tier=member.tier,
        orders_placed=placed,
        points_balance=member.points,
        contracts=member.contracts,
    )


def _applied(
    uow: UnitOfWork, customer_id: str, codes: Sequence[str], held: Collection[str] = ()
) -> list[AppliedCode]:
    applied = []
    for code in codes:
        found = uow.coupons.get_code(code)
        # a code bound to someone else is answered exactly as an unknown one: it reveals nothing
        coupon = None
        if found is not None and found.customer_id in (None, customer_id):
            coupon = uow.coupons.get(found.coupon_id)
        claim = None if coupon is None else uow.coupons.claim_of(coupon.id, customer_id)
        uses = claim.used if claim else 0
        if coupon is not None and code in held:
            # the order being edited already holds one use: price it as if it were not taken
            coupon = attrs.evolve(coupon, used=max(0, coupon.used - 1))
            uses = max(0, uses - 1)
        applied.append(AppliedCode(code, coupon, uses, bool(claim and claim.claimed)))
    return applied


def _stock(uow: UnitOfWork, skus: Iterable[str]) -> dict[str, int]:
    available: dict[str, int] = {}
    for level in uow.stock.for_skus(sorted(set(skus))):
        available[level.sku] = available.get(level.sku, 0) + level.available
    return available


def _lines(
    ctx: ServiceContext, uow: UnitOfWork, cart: Cart, products: dict[str, Product] | None = None
) -> tuple[list[Any], dict[str, Product], Catalogue]:
    if products is None:
        products = uow.products.get_by_skus(line.sku for line in cart.lines)
    quantities = {
        ln.sku: ln.quantity for ln in cart.lines if ln.sku in products and products[ln.sku].active
    }
    # the catalogue version is read after the products: a product in a category added since is
    # then seen with a version that has the category (or, raced, its branch is read on its own)
    catalogue = ctx.catalogue.read(uow)
    return priceable_items(catalogue, quantities, products), products, catalogue


def price_for(
    ctx: ServiceContext,
    uow: UnitOfWork,
    cart: Cart,
    customer_id: str,
    *,
    codes: Sequence[str] = (),
    address: Address | None = None,
    products: dict[str, Product] | None = None,
    redeem_points: int = 0,
    lenient_tax: bool = False,
    held_codes: Collection[str] = (),
    editing: str | None = None,
    extra_promotions: Sequence[Promotion] = (),
) -> Priced:
    """The cart priced now for this customer, with the codes they entered. Lines whose product
    is no longer sold are left out (``products``: the cart's, when the caller has them).
    ``held_codes``: codes whose use an order being edited already holds (not counted twice);
    ``editing``: the id of that order (it is not the buyer's "earlier order").
    ``extra_promotions``: rules of this pricing only (a group-buy's price), never stored."""
    items, products, catalogue = _lines(ctx, uow, cart, products)
    promotions, index = catalogue.promotions(ctx.pricing, items)
    if extra_promotions:  # this pricing only: indexed with the shop's (rare, not cached)
        promotions = {**promotions, **{p.id: p for p in extra_promotions}}
        index = ctx.pricing.index(promotions.values())
    applied = _applied(uow, customer_id, codes, held_codes)
    buyer = _buyer(uow, customer_id, index, applied, editing)
    context = PricingContext(ctx.clock.now(), cart.currency, buyer, region=region_of(address))
    gifts = set(index.gift_skus)
    gifts.update(
        str(a.coupon.benefit.params.get("sku", "")).upper()
        for a in applied
        if a.coupon is not None and a.coupon.benefit.kind == "gift"
    )
    stock = None
    if gifts:  # what is left for gifts once the cart's own units are held
        bought = {item.sku: item.quantity for item in items}
        stock = {sku: n - bought.get(sku, 0) for sku, n in _stock(uow, gifts).items()}
    return Priced(
        ctx.pricing.quote(
            items,
            index,
            context,
            coupons=applied,
            stock=stock,
            redeem_points=redeem_points,
            lenient_tax=lenient_tax,
        ),
        products,
        promotions,
        {a.code: a for a in applied},
        catalogue,
    )


def best_for(
    ctx: ServiceContext, uow: UnitOfWork, cart: Cart, customer_id: str, address: Address | None
) -> CouponChoice:
    """The best set of the coupons in the customer's wallet for this cart."""
    items, _, catalogue = _lines(ctx, uow, cart)
    index = catalogue.promotions(ctx.pricing, items).compiled
    held = _applied(uow, customer_id, [claim.code for claim in uow.coupons.claims_of(customer_id)])
    buyer = _buyer(uow, customer_id, index, held)
    context = PricingContext(ctx.clock.now(), cart.currency, buyer, region=region_of(address))
    return best_coupons(
        items, index, context, held, policy=ctx.pricing.policy, registry=ctx.pricing.registry
    )


def refuse_unapplied(pricing: PriceBreakdown, codes: Sequence[str]) -> None:
    """An order is placed with every code asked for, or not at all."""
    missing = [code for code in codes if code not in pricing.coupons]
    if not missing:
        return
    reasons = {
        code: next((r.reason for r in pricing.rejected if r.code == code), "not_applied")
        for code in missing
    }
    if set(reasons.values()) & _TAKEN:
        raise Conflict("a coupon has no use left", reasons=reasons)
    raise InvalidInput("a coupon cannot be used with this cart", field="coupons", reasons=reasons)


def take_uses(
    uow: UnitOfWork,
    pricing: PriceBreakdown,
    customer_id: str,
    now: datetime,
    *,
    order_id: str,
    promotions: Mapping[str, Promotion] | None = None,
    codes: Mapping[str, AppliedCode] | None = None,
) -> list[Redemption]:
    """Take one use of every limited promotion and every coupon the order applies, each by a
    conditional update, in one global order (promotions, then coupons, by id): any refusal
    raises :class:`Conflict` and the whole unit of work rolls back. The uses taken, for the
    order ``order_id``'s record (so that a cancelled order gives each back once).

    ``promotions`` and ``codes``: what the pricing read in this unit of work, so that it is not
    read again (the counts themselves are only ever changed by the conditional updates)."""
    known_promotions = promotions or {}
    known_codes = codes or {}
    taken: list[Redemption] = []
    given: dict[str, int] = {}
    for line in pricing.lines:
        for adj in line.adjustments:
            if adj.source == "promotion":
                given[adj.source_id] = given.get(adj.source_id, 0) + adj.amount.amount
    for adj in pricing.shipping_adjustments:
        if adj.source == "promotion":
            given[adj.source_id] = given.get(adj.source_id, 0) + adj.amount.amount
    for gift in pricing.gifts:
        if gift.source == "promotion":
            given.setdefault(gift.source_id, 0)
    for promotion_id in sorted(given):
        promotion = known_promotions.get(promotion_id) or uow.promotions.get(promotion_id)
        limited = promotion is not None and (
            promotion.usage_limit is not None or promotion.budget is not None
        )
        if not limited:
            continue
        if not uow.promotions.take_use(promotion_id, given[promotion_id]):
            raise Conflict(
                "a promotion ran out; price the cart again",
                reasons={promotion_id: "budget_exhausted"},
            )
        amount = Money(given[promotion_id], pricing.currency)
        taken.append(
            Redemption(order_id, RedemptionKind.PROMOTION, promotion_id, customer_id, now, amount)
        )
    used: dict[str, str] = {}
    read: dict[str, Any] = {}
    for code in pricing.coupons:
        seen = known_codes.get(code)
        if seen is not None and seen.coupon is not None:
            used[seen.coupon.id] = code
            read[seen.coupon.id] = seen.coupon
            continue
        found = uow.coupons.get_code(code)
        if found is None:
            raise Conflict("a coupon code was withdrawn", reasons={code: "unknown_code"})
        used[found.coupon_id] = code
    for coupon_id in sorted(used):
        coupon = read.get(coupon_id) or uow.coupons.get(coupon_id)
        code = used[coupon_id]
        if coupon is None or not uow.coupons.take_use(coupon_id):
            raise Conflict("a coupon has no use left", reasons={code: "usage_limit_reached"})
        limit = coupon.per_customer_limit
        if not uow.coupons.take_customer_use(coupon_id, customer_id, code, limit, now):
            raise Conflict("a coupon has no use left", reasons={code: "customer_limit_reached"})
        amount = Money(_coupon_discounts(pricing).get(coupon_id, 0), pricing.currency)
        taken.append(
            Redemption(
                order_id, RedemptionKind.COUPON, coupon_id, customer_id, now, amount, code=code
            )
        )
    return taken


def _coupon_discounts(pricing: PriceBreakdown) -> dict[str, int]:
    """What each coupon took off the order, by coupon id (lines and shipping)."""
    found: dict[str, int] = {}
    adjustments = [adj for line in pricing.lines for adj in line.adjustments]
    for adj in [*adjustments, *pricing.shipping_adjustments]:
        if adj.source == "coupon":
            found[adj.source_id] = found.get(adj.source_id, 0) + adj.amount.amount
    return found


def gifts_in_stock(
    pricing: PriceBreakdown, bought: Mapping[str, int], levels: Sequence[StockLevel]
) -> dict[str, int]:
    """The gifts as far as the locked stock allows once the bought units are held."""
    free: dict[str, int] = {}
    for level in levels:
        free[level.sku] = free.get(level.sku, 0) + level.available
    given: dict[str, int] = {}
    for gift in pricing.gifts:
        left = free.get(gift.sku, 0) - bought.get(gift.sku, 0) - given.get(gift.sku, 0)
        if left > 0:
            given[gift.sku] = given.get(gift.sku, 0) + min(left, gift.quantity)
    return given


def gift_lines(
    gifts: Mapping[str, int], products: Mapping[str, Product], currency: str
) -> tuple[OrderLine, ...]:
    zero = Money.zero(currency)
    return tuple(
        OrderLine(
            sku,
            products[sku].id,
            f"{products[sku].label(sku)} (gift)",
            quantity,
            zero,
            zero,
            zero,
            tax=zero,
            gift=True,
        )
        for sku, quantity in sorted(gifts.items())
        if sku in products and quantity > 0
    )
