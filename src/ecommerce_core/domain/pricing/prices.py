"""Prices before promotions: list prices per channel, sale prices, volume tiers, group and contract
prices, gathered in price lists and resolved per line to one unit price with its source.

Resolution: the most specific applicable ``list`` price replaces the catalog price (a channel's
own list beats a general one, then priority); then every applicable ``sale``, ``group``
(customer group or member tier) and ``contract`` list offers a reduction, and the lowest unit
price wins (ties: higher priority, smaller id). A list never raises a price above the list price.
Within a list, volume tiers (阶梯定价) pick the break with the largest minimum quantity reached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import params as p
from ecommerce_core.domain.pricing.context import PricingContext
from ecommerce_core.domain.pricing.promotions import moment
from ecommerce_core.domain.pricing.scope import ItemFacts, Scope

__all__ = [
    "PriceBook",
    "PriceBreak",
    "PriceList",
    "PriceListKind",
    "ResolvedPrice",
    "resolve_unit",
]


class PriceListKind(StrEnum):
    LIST = "list"
    SALE = "sale"
    GROUP = "group"
    CONTRACT = "contract"


def _min_quantity(value: object) -> int:
    return v.quantity(value, "min_quantity")


@attrs.frozen
class PriceBreak:
    """From ``min_quantity`` units on, each unit costs ``price``."""

    min_quantity: int = attrs.field(converter=_min_quantity)
    price: Money = attrs.field()

    @price.validator
    def _check(self, _: object, value: object) -> None:
        if not isinstance(value, Money) or value.amount < 0:
            raise InvalidInput("a price is Money of at least zero", field="price")


def _breaks(value: object) -> dict[str, tuple[PriceBreak, ...]]:
    if not isinstance(value, Mapping):
        raise InvalidInput("prices map each SKU to its price breaks", field="prices")
    out = {}
    for sku, breaks in value.items():
        items = (breaks,) if isinstance(breaks, PriceBreak | Money) else tuple(breaks)
        normal = tuple(
            sorted(
                (PriceBreak(1, b) if isinstance(b, Money) else b for b in items),
                key=lambda b: b.min_quantity,
            )
        )
        if len({b.min_quantity for b in normal}) != len(normal):
            raise InvalidInput("two price breaks start at one quantity", field="prices")
        out[v.sku(sku)] = normal
    return out


def _names(value: object) -> frozenset[str]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInput("a collection of names is expected", field="audience")
    return frozenset(v.identifier(x, "audience") for x in value)


@attrs.frozen
class PriceList:
    """Unit prices (with volume breaks) for some SKUs, or ``percent_off`` over a ``scope``, for an
    audience (channels, customer groups, member tiers, customer ids; empty means everyone). A
    ``contract`` list serves only the customers it names and those whose membership holds its
    id (``Membership.contracts``, set by staff)."""

    id: str = attrs.field(converter=v.identifier)
    name: str = attrs.field(converter=v.name)
    kind: PriceListKind = attrs.field(converter=PriceListKind)
    currency: str
    prices: dict[str, tuple[PriceBreak, ...]] = attrs.field(
        factory=dict, converter=_breaks, hash=False
    )
    percent_off: Decimal | None = None
    scope: Scope = attrs.field(factory=Scope)
    channels: frozenset[str] = attrs.field(factory=frozenset, converter=_names)
    customer_groups: frozenset[str] = attrs.field(factory=frozenset, converter=_names)
    tiers: frozenset[str] = attrs.field(factory=frozenset, converter=_names)
    customer_ids: frozenset[str] = attrs.field(factory=frozenset, converter=_names)
    starts_at: datetime | None = attrs.field(default=None, converter=moment)
    ends_at: datetime | None = attrs.field(default=None, converter=moment)
    priority: int = 0
    # worked out once: the percentage as a fraction, and whether the scope is everything
    _ratio: tuple[int, int] | None = attrs.field(init=False, default=None, eq=False, repr=False)
    _everything: bool = attrs.field(init=False, default=True, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.percent_off is not None:
            ratio = p.percent_ratio(p.percent({"percent": self.percent_off}))
            object.__setattr__(self, "_ratio", ratio)
        everything = self.scope.everything and not self.scope.has_exclusions
        object.__setattr__(self, "_everything", everything)
        for breaks in self.prices.values():
            if any(b.price.currency != self.currency for b in breaks):
                raise InvalidInput("a price list holds prices in its own currency", field="prices")

    def serves(self, context: PricingContext) -> bool:
        buyer = context.buyer
        if self.kind is PriceListKind.CONTRACT:
            # a contract serves the customers it names and those whose membership holds it
            # (staff assign it); never everyone
            named = buyer.customer_id in self.customer_ids or self.id in buyer.contracts
        else:
            named = not self.customer_ids or buyer.customer_id in self.customer_ids
        return (
            named
            and self.currency == context.currency
            and (not self.channels or context.channel in self.channels)
            and (not self.customer_groups or not self.customer_groups.isdisjoint(buyer.groups))
            and (not self.tiers or buyer.tier in self.tiers)
            and (self.starts_at is None or context.now >= self.starts_at)
            and (self.ends_at is None or context.now < self.ends_at)
        )

    def unit_price(self, item: ItemFacts, quantity: int, base: int) -> int | None:
        """This list's unit price for ``quantity`` of ``item`` (``base`` is the list price)."""
        breaks = self.prices.get(item.sku)
        if breaks:
            reached = [b for b in breaks if b.min_quantity <= quantity]
            return reached[-1].price.amount if reached else None
        ratio = self._ratio
        if ratio is not None and (self._everything or self.scope.matches(item)):
            num, den = ratio
            return base - (2 * base * num + den) // (2 * den)  # params.share, inlined
        return None


def _lists(value: object) -> tuple[PriceList, ...]:
    if not isinstance(value, tuple | list) or not all(isinstance(x, PriceList) for x in value):
        raise InvalidInput("a price book holds price lists", field="lists")
    return tuple(sorted(value, key=lambda pl: pl.id))


@attrs.frozen(slots=True)
class ResolvedPrice:
    """A line's unit price, where it came from, and the list price it was reduced from."""

    unit: int
    source: str = "catalog"
    price_list_id: str = ""
    list_unit: int = -1


@attrs.frozen
class PriceBook:
    """Every price list of a shop; :meth:`resolve` gives a line its unit price."""

    lists: tuple[PriceList, ...] = attrs.field(default=(), converter=_lists)

    def serving(self, context: PricingContext) -> tuple[PriceList, ...]:
        """The lists that apply to this buyer, channel and moment (ask once per pricing)."""
        return tuple(plist for plist in self.lists if plist.serves(context))

    def resolve(
        self,
        item: ItemFacts,
        quantity: int,
        catalog: int,
        context: PricingContext,
        serving: tuple[PriceList, ...] | None = None,
    ) -> ResolvedPrice:
        """The unit price of ``quantity`` of ``item`` whose catalog price is ``catalog``."""
        lists = self.serving(context) if serving is None else serving
        return ResolvedPrice(*resolve_unit(item, quantity, catalog, lists))


def resolve_unit(
    item: ItemFacts, quantity: int, catalog: int, lists: tuple[PriceList, ...]
) -> tuple[int, str, str, int]:
    """:meth:`PriceBook.resolve` with the serving ``lists`` given, as a plain
    ``(unit, source, price_list_id, list_unit)`` (what the engine asks once per line)."""
    if not lists:
        return catalog, "catalog", "", catalog
    best = (catalog, "catalog", "", catalog)
    base_rank: tuple[int, int, str] | None = None
    offers = []
    for plist in lists:
        if plist.kind is PriceListKind.LIST:
            unit = plist.unit_price(item, quantity, catalog)
            rank = (bool(plist.channels), plist.priority, plist.id)
            if unit is not None and (base_rank is None or rank > base_rank):
                best, base_rank = (unit, "list", plist.id, unit), rank
        else:
            offers.append(plist)
    base = best[0]
    winner: tuple[tuple[int, int, str], tuple[int, str, str, int]] | None = None
    for plist in offers:
        unit = plist.unit_price(item, quantity, base)
        if unit is None or unit >= base:
            continue
        key = (unit, -plist.priority, plist.id)
        if winner is None or key < winner[0]:
            winner = (key, (unit, plist.kind.value, plist.id, base))
    return best if winner is None else winner[1]
