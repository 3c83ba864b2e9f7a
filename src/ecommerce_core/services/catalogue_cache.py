"""A shop's promotions and their index, kept between requests under the storage's catalogue
version: a pricing asks storage for that one number, and reads every promotion only when it
changed (a promotion added or changed, a backup restored). The counts of the limited promotions
a cart could use (uses, discount given) are read afresh for every pricing.

Each :class:`ServiceContext` (one per shop) holds its own cache: nothing is shared between shops.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import attrs

from ecommerce_core.domain.pricing import PriceableItem, PricingEngine, Promotion, PromotionIndex
from ecommerce_core.domain.pricing.scope import ItemFacts, item_keys
from ecommerce_core.ports.storage import UnitOfWork

__all__ = ["PromotionCache", "ShopPromotions"]


class ShopPromotions(NamedTuple):
    """The promotions as one pricing sees them."""

    #: every promotion, by id (the limited ones this cart could use with their counts as stored)
    by_id: Mapping[str, Promotion]
    #: the active ones, compiled and filed by scope
    compiled: PromotionIndex


class _Entry(NamedTuple):
    version: int
    by_id: dict[str, Promotion]
    compiled: PromotionIndex


class PromotionCache:
    """One shop's promotions, cached under the storage's catalogue version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: _Entry | None = None

    def current(
        self, uow: UnitOfWork, engine: PricingEngine, items: Sequence[PriceableItem] = ()
    ) -> ShopPromotions:
        """The shop's promotions for pricing ``items`` in ``uow``: from the cache when the
        catalogue version is unchanged, with fresh counts for the limited ones that could apply."""
        # the version is read before the promotions: a change committed in between is read
        # with the older number, so the next pricing reads everything again (never stale)
        version = uow.promotions.catalogue_version()
        entry = self._entry
        if entry is None or entry.version != version:
            promotions = uow.promotions.list()
            entry = _Entry(version, {p.id: p for p in promotions}, engine.index(promotions))
            with self._lock:
                self._entry = entry
        index = entry.compiled
        keys = [
            item_keys(
                ItemFacts(i.sku, i.product_id, i.category_ids, i.brand, i.tags, i.merchant_id)
            )
            for i in items
        ]
        limited = index.limited(keys)
        if not limited:
            return ShopPromotions(entry.by_id, index)
        counts = uow.promotions.usage(limited)
        by_id = entry.by_id
        fresh: dict[str, Promotion] | None = None  # a copy only when some count moved
        for promotion_id, (used, given) in counts.items():
            known = by_id.get(promotion_id)
            if known is not None and (known.used, known.discount_given) != (used, given):
                if fresh is None:
                    fresh = dict(by_id)
                fresh[promotion_id] = _with_counts(known, used, given)
        return ShopPromotions(
            by_id if fresh is None else fresh, index.with_counts(counts, engine.registry)
        )


def _with_counts(promotion: Promotion, used: int, given: int) -> Promotion:
    return attrs.evolve(promotion, used=used, discount_given=given)
