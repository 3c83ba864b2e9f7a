"""Checkout: quote the cart and place the order, reserving stock for every line or none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.catalog import Product
from ecommerce_core.domain.errors import (
    AlreadyExists,
    Contention,
    CurrencyMismatch,
    EcommerceError,
    EmptyCart,
    IdempotencyConflict,
    InvalidInput,
    StorageError,
    UnknownSku,
)
from ecommerce_core.domain.group_buy import GroupBuy
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import Address, Order, OrderLine, StatusChange
from ecommerce_core.domain.pricing import CouponChoice, PriceBreakdown
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.group_buy import group_price, join_group, open_campaign
from ecommerce_core.services.order_holds import reserve_stock
from ecommerce_core.services.quotes import (
    Priced,
    best_for,
    codes_from,
    gift_lines,
    gifts_in_stock,
    price_for,
    refuse_unapplied,
    take_uses,
)
from ecommerce_core.services.redemptions import record_redemptions
from ecommerce_core.services.retry import retry_on_contention

__all__ = ["CheckoutService", "address_from"]

_ADDRESS_FIELDS = {"name", "line1", "line2", "city", "region", "postal_code", "country", "phone"}


def address_from(value: Address | Mapping[str, Any]) -> Address:
    """A validated shipping address from an :class:`Address` or a mapping of its fields."""
    if not isinstance(value, Address | Mapping):
        raise InvalidInput("an address is a mapping of its fields", field="address")
    data = attrs.asdict(value) if isinstance(value, Address) else dict(value)
    unknown = set(data) - _ADDRESS_FIELDS
    if unknown:
        raise InvalidInput(f"unknown address fields: {', '.join(sorted(unknown))}")
    required = ("name", "line1", "city", "postal_code", "country")
    missing = [f for f in required if not data.get(f)]
    if missing:
        raise InvalidInput(f"the address lacks {', '.join(missing)}", fields=missing)
    country = v.text(data["country"], "country", max_length=2).upper()
    if len(country) != 2 or not country.isalpha():
        raise InvalidInput("country is a two-letter ISO 3166 code", field="country")
    return Address(
        name=v.text(data["name"], "name"),
        line1=v.text(data["line1"], "line1"),
        line2=v.text(data.get("line2", ""), "line2", allow_empty=True),
        city=v.text(data["city"], "city"),
        region=v.text(data.get("region", ""), "region", allow_empty=True),
        postal_code=v.text(data["postal_code"], "postal_code", max_length=20),
        country=country,
        phone=v.text(data.get("phone", ""), "phone", max_length=30, allow_empty=True),
    )


class CheckoutService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def quote(
        self,
        principal: Principal,
        *,
        coupons: Sequence[str] = (),
        shipping_address: Address | Mapping[str, Any] | None = None,
        redeem_points: int = 0,
        group_buy: str | None = None,
    ) -> PriceBreakdown:
        """What the customer's cart would cost if the order were placed now.

        :param coupons: codes the customer entered; each one that does not apply is in
            ``rejected`` with its reason, and the ``hints`` say what would unlock more.
        :param shipping_address: where it goes, for the shipping fee and regional tax.
        :param redeem_points: points the customer wants to pay with (积分抵扣), capped by the
            balance and the shop's ``PointsPolicy``; ``points_redeemed`` says how many apply.
        :param group_buy: a group-buy campaign the order would join: its SKU at the group price
            (refused as :meth:`place_order` would refuse it; nothing is counted).
        """
        customer_id = self._customer(principal)
        codes = codes_from(coupons)
        points = v.non_negative(redeem_points, "redeem_points")
        address = None if shipping_address is None else address_from(shipping_address)
        with self._ctx.uow() as uow:
            now = self._ctx.clock.now()
            campaign = None if group_buy is None else open_campaign(uow, group_buy, now)
            priced = self._price(uow, customer_id, codes, address, points, campaign=campaign)
            return priced.breakdown

    def best_coupons(
        self,
        principal: Principal,
        *,
        shipping_address: Address | Mapping[str, Any] | None = None,
    ) -> CouponChoice:
        """The set of coupons from the customer's wallet that makes this cart cheapest."""
        customer_id = self._customer(principal)
        address = None if shipping_address is None else address_from(shipping_address)
        with self._ctx.uow() as uow:
            cart = self._cart(uow, customer_id)
            return best_for(self._ctx, uow, cart, customer_id, address)

    @retry_on_contention
    def place_order(
        self,
        principal: Principal,
        *,
        idempotency_key: str,
        shipping_address: Address | Mapping[str, Any],
        coupons: Sequence[str] = (),
        redeem_points: int = 0,
        group_buy: str | None = None,
        items: Mapping[str, int] | Sequence[tuple[str, int]] | None = None,
    ) -> Order:
        """Turn the customer's cart into an order awaiting payment, holding its stock.

        The same ``idempotency_key`` returns the same order, never a second one. Prices are taken
        afresh from the catalog and promotions at this moment; the cart's stock is reserved for
        every line or for none (:class:`OutOfStock` names every SKU that lacks).

        Every code in ``coupons`` applies or the order is refused: :class:`InvalidInput` when the
        cart does not qualify, :class:`Conflict` when its uses ran out (``details["reasons"]``).
        Coupon and limited-promotion uses are taken by conditional updates in the order's own
        transaction (CPN-1); free gifts are reserved as far as stock allows.

        ``redeem_points`` are spent by a conditional update in the same transaction (two
        checkouts cannot spend the same points: the second is a :class:`Conflict`); each use,
        and the points the order earns on completion, is recorded with the order
        (``uow.redemptions``) and given back once if it is cancelled or expires unpaid.

        ``group_buy``: the id of a group-buy campaign (团购) the order joins. The campaign's SKU
        (which must be in the cart, at most its ``per_buyer_limit`` units) is priced at the
        group price, and the join is counted by a conditional update in this transaction
        (:class:`GroupBuyFull` when the last place went meanwhile, :class:`GroupBuyClosed`
        outside its window); see docs/pricing.md.

        ``items``: order these SKUs and quantities instead of the cart's (a "buy now" button, and
        how a flash sale is bought): the cart is neither read nor changed; everything else is as
        for the cart (prices, promotions, coupons, stock, idempotency). A replay of the key with
        other items is an :class:`IdempotencyConflict`.
        """
        customer_id = self._customer(principal)
        bought = None if items is None else self._items(customer_id, items)
        key = v.identifier(idempotency_key, "idempotency_key")
        address = address_from(shipping_address)
        codes = codes_from(coupons)
        points = v.non_negative(redeem_points, "redeem_points")
        now = self._ctx.clock.now()
        # The key is not looked up first: the order's insert, which the database refuses for a
        # key the customer used before, is the check (one statement less per order). A replay
        # that fails before that insert (its cart was emptied by the first call, a coupon of
        # the first call is used up, ...) looks the key up then, and answers with that order.
        inserted = False
        try:
            with self._ctx.uow() as uow:
                campaign = None if group_buy is None else open_campaign(uow, group_buy, now)
                # the cart is locked first: a second checkout of it waits, then finds it empty
                priced = self._price(
                    uow,
                    customer_id,
                    codes,
                    address,
                    points,
                    lock_cart=True,
                    campaign=campaign,
                    cart=bought,
                )
                pricing, products = priced.breakdown, priced.products
                refuse_unapplied(pricing, codes)
                gifts = self._gift_products(uow, pricing)
                order_id = self._ctx.ids.new_id("ord")
                reservation_id = self._ctx.ids.new_id("res")
                warehouses = priced.catalogue.warehouses()  # cached: read when they changed
                order = Order(
                    id=order_id,
                    number=self._ctx.ids.order_number(now),
                    customer_id=customer_id,
                    currency=pricing.currency,
                    lines=tuple(
                        OrderLine(
                            sku=line.sku,
                            product_id=products[line.sku].id,
                            name=products[line.sku].label(line.sku),
                            quantity=line.quantity,
                            unit_price=line.unit_price,
                            discount=line.discount,
                            total=line.total,
                            tax=Money.zero(pricing.currency) if pricing.tax_inclusive else line.tax,
                        )
                        for line in pricing.lines
                    )
                    + gift_lines(
                        {g.sku: g.quantity for g in pricing.gifts}, gifts, pricing.currency
                    ),
                    subtotal=pricing.subtotal,
                    discount=pricing.discount,
                    shipping=pricing.shipping,
                    tax=pricing.tax,
                    total=pricing.total,
                    status=self._ctx.order_flow.initial,
                    placed_at=now,
                    updated_at=now,
                    reservation_id=reservation_id,
                    idempotency_key=key,
                    shipping_address=address,
                    coupon_codes=tuple(pricing.coupons),
                    history=(
                        StatusChange(
                            self._ctx.order_flow.initial, now, "placed", "place", principal.id or ""
                        ),
                    ),
                )
                # everything that touches no shared row is written first; the stock rows, which
                # every checkout of the same SKU queues for, are locked last and so held shortest
                uow.orders.add(order)
                inserted = True  # the key was free: no earlier order to answer with from here on
                cart = None if bought is not None else uow.carts.get_for_customer(customer_id)
                if cart is not None:
                    uow.carts.save(cart.emptied(now))
                demand = {line.sku: line.quantity for line in pricing.lines}
                levels = uow.stock.for_skus(sorted({*demand, *gifts}), for_update=True)
                given = gifts_in_stock(pricing, demand, levels)
                if given != {g.sku: g.quantity for g in pricing.gifts}:
                    # a gift's stock went meanwhile: the order keeps the gifts there are, nothing more
                    kept = order.lines[: len(pricing.lines)]
                    order = attrs.evolve(
                        order, lines=kept + gift_lines(given, gifts, order.currency)
                    )
                    uow.orders.update(order)
                for sku, quantity in given.items():
                    demand[sku] = demand.get(sku, 0) + quantity  # INV-3: summed per SKU
                _, reserved = reserve_stock(
                    uow,
                    demand,
                    levels,
                    warehouses,
                    reservation_id,
                    order_id,
                    now,
                    self._ctx.settings.reservation_ttl,
                    actor=customer_id,
                    destination=address,
                    strategy=self._ctx.allocation,
                    strategy_name=self._ctx.settings.allocation_strategy,
                )
                taken = take_uses(
                    uow,
                    pricing,
                    customer_id,
                    now,
                    order_id=order.id,
                    promotions=priced.promotions,
                    codes=priced.codes,
                )
                joined: list[ev.DomainEvent] = []
                if campaign is not None:
                    record, joined = join_group(uow, campaign, order, _given(pricing, campaign))
                    taken.append(record)
                record_redemptions(uow, self._ctx, order, pricing, taken)
                uow.outbox.add(
                    [
                        *joined,
                        ev.OrderPlaced(
                            occurred_at=now,
                            order_id=order.id,
                            number=order.number,
                            customer_id=customer_id,
                            total=order.total.amount,
                            currency=order.currency,
                        ),
                        reserved,
                    ]
                )
                uow.commit()
                return order
        except AlreadyExists:
            # an earlier or concurrent call with the same key won (the database refuses the
            # second order at its insert or at commit): answer with the winner's order
            pass
        except (Contention, StorageError):
            raise
        except EcommerceError:
            if inserted:
                raise
            with self._ctx.uow() as uow:
                earlier = uow.orders.get_by_idempotency_key(customer_id, key)
            if earlier is None:
                raise
            return _replayed(earlier, key, address, codes, bought)
        with self._ctx.uow() as uow:
            winner = uow.orders.get_by_idempotency_key(customer_id, key)
        if winner is None:  # the conflict was on something else; let the caller retry
            raise AlreadyExists("the order could not be stored; try again")
        return _replayed(winner, key, address, codes, bought)

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _customer(principal: Principal) -> str:
        require(principal, Permission.ORDER_PLACE)
        assert principal.id is not None
        return principal.id

    def _items(
        self, customer_id: str, items: Mapping[str, int] | Sequence[tuple[str, int]]
    ) -> Cart:
        """The items of a "buy now" order as a cart of their own, which is never stored."""
        pairs = items.items() if isinstance(items, Mapping) else items
        if isinstance(pairs, str | bytes):
            raise InvalidInput("items are (sku, quantity) pairs", field="items")
        cart = Cart("buy-now", customer_id, self._ctx.settings.currency, self._ctx.clock.now())
        for pair in pairs:
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise InvalidInput("items are (sku, quantity) pairs", field="items")
            cart = cart.with_item(pair[0], pair[1], cart.updated_at)
        if not cart.lines:
            raise EmptyCart("no items to order")
        return cart

    @staticmethod
    def _cart(uow: UnitOfWork, customer_id: str, *, lock: bool = False) -> Cart:
        cart = uow.carts.get_for_customer(customer_id, for_update=lock)
        if cart is None or not cart.lines:
            raise EmptyCart("the cart is empty")
        return cart

    @staticmethod
    def _gift_products(uow: UnitOfWork, pricing: PriceBreakdown) -> dict[str, Product]:
        return uow.products.get_by_skus(g.sku for g in pricing.gifts) if pricing.gifts else {}

    def _price(
        self,
        uow: UnitOfWork,
        customer_id: str,
        codes: Sequence[str],
        address: Address | None,
        redeem_points: int = 0,
        *,
        lock_cart: bool = False,
        campaign: GroupBuy | None = None,
        cart: Cart | None = None,
    ) -> Priced:
        """Price the customer's cart, or ``cart`` (items bought without one)."""
        if cart is None:
            cart = self._cart(uow, customer_id, lock=lock_cart)
        if campaign is not None:
            _check_group_line(cart, campaign)
        products = uow.products.get_by_skus(line.sku for line in cart.lines)
        gone = sorted(
            ln.sku for ln in cart.lines if ln.sku not in products or not products[ln.sku].active
        )
        if gone:
            raise UnknownSku("an item in the cart is no longer sold", skus=gone)
        foreign = sorted(ln.sku for ln in cart.lines if products[ln.sku].currency != cart.currency)
        if foreign:
            raise CurrencyMismatch(
                f"this shop sells in {cart.currency}; an item is priced otherwise", skus=foreign
            )
        return price_for(
            self._ctx,
            uow,
            cart,
            customer_id,
            codes=codes,
            address=address,
            products=products,
            redeem_points=redeem_points,
            extra_promotions=() if campaign is None else (group_price(campaign),),
        )


def _check_group_line(cart: Cart, campaign: GroupBuy) -> None:
    quantity = sum(line.quantity for line in cart.lines if line.sku == campaign.sku)
    if quantity == 0:
        raise InvalidInput("the group-buy's SKU is not in the cart", field="group_buy")
    if campaign.per_buyer_limit is not None and quantity > campaign.per_buyer_limit:
        raise InvalidInput(
            f"at most {campaign.per_buyer_limit} units per order at the group price",
            field="group_buy",
            limit=campaign.per_buyer_limit,
        )


def _given(pricing: PriceBreakdown, campaign: GroupBuy) -> Money:
    """What the group price took off the order (its adjustments carry the campaign's id)."""
    amount = sum(
        adj.amount.amount
        for line in pricing.lines
        for adj in line.adjustments
        if adj.source_id == campaign.id
    )
    return Money(amount, pricing.currency)


def _replayed(
    order: Order, key: str, address: Address, codes: Sequence[str], bought: Cart | None = None
) -> Order:
    """The order an idempotency key was first used for, if this call asked for the same thing:
    the same shipping address and the same coupons (and, bought without the cart, the same
    items). Anything else reuses the key for a different request (:class:`IdempotencyConflict`),
    which would otherwise silently get an order that is not what it asked for."""
    same_items = bought is None or sorted(
        (ln.sku, ln.quantity) for ln in order.lines if not ln.gift
    ) == sorted((ln.sku, ln.quantity) for ln in bought.lines)
    if (
        order.shipping_address != address
        or sorted(order.coupon_codes) != sorted(codes)
        or not same_items
    ):
        raise IdempotencyConflict(
            "this idempotency key was used for a different order (another address, coupons or items)",
            idempotency_key=key,
            order_id=order.id,
        )
    return order
