"""What a shop reads for every pricing and allocation but changes rarely, kept between requests
under the storage's catalogue version: the promotions and their index, the category tree and the
warehouses. A unit of work asks storage for that one number (:meth:`CatalogueCache.read`) and
reads each of the three again only when it changed (a promotion, category or warehouse added or
changed, a backup restored), and only when it needs it. The counts of the limited promotions a
cart could use (uses, discount given) are read afresh for every pricing.

Why this is never stale: storage moves the version on in the same transaction as every change of
what it guards, and the version is read *before* what it guards. Whatever is filled into an entry
was read after a read of the entry's version, so it is at least as new as that version; a change
committed after the version was read is either seen already (newer, harmless) or seen as a new
version by the next unit of work.

Each :class:`ServiceContext` (one per shop) holds its own cache: nothing is shared between shops.
A unit of work that itself changes promotions, categories or warehouses must not read the cache
afterwards (it would file what it has not committed under a version that might never be): the
services read it only to price and to allocate stock, never while changing the catalogue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

import attrs

from ecommerce_core.domain.catalog import Category, ancestors_of
from ecommerce_core.domain.inventory import Warehouse
from ecommerce_core.domain.pricing import PriceableItem, PricingEngine, Promotion, PromotionIndex
from ecommerce_core.domain.pricing.scope import ItemFacts, item_keys
from ecommerce_core.ports.storage import UnitOfWork

__all__ = ["Catalogue", "CatalogueCache", "ShopPromotions"]


class ShopPromotions(NamedTuple):
    """The promotions as one pricing sees them."""

    #: every promotion, by id (the limited ones this cart could use with their counts as stored)
    by_id: Mapping[str, Promotion]
    #: the active ones, compiled and filed by scope
    compiled: PromotionIndex


class _Promotions(NamedTuple):
    by_id: dict[str, Promotion]
    compiled: PromotionIndex


class _Entry:
    """What was read under one version; each part is read on first need (``None`` until then).
    A part is only ever set, never changed: two threads filling it both read it after the
    version, so either answer is right."""

    __slots__ = ("ancestors", "promotions", "tree", "version", "warehouses")

    def __init__(self, version: int) -> None:
        self.version = version
        self.promotions: _Promotions | None = None
        self.tree: Mapping[str, Category] | None = None
        #: each category's id and its ancestors' ids, worked out from ``tree`` on first need
        self.ancestors: dict[str, frozenset[str]] = {}
        self.warehouses: Mapping[str, Warehouse] | None = None


class Catalogue:
    """The cached catalogue as one unit of work sees it, at the version it read."""

    __slots__ = ("_entry", "_uow")

    def __init__(self, uow: UnitOfWork, entry: _Entry) -> None:
        self._uow = uow
        self._entry = entry

    @property
    def version(self) -> int:
        return self._entry.version

    def warehouses(self) -> Mapping[str, Warehouse]:
        """Every warehouse, by id (read-only: shared with the other requests of this shop)."""
        found = self._entry.warehouses
        if found is None:
            found = MappingProxyType({w.id: w for w in self._uow.warehouses.list()})
            self._entry.warehouses = found
        return found

    def categories(self) -> Mapping[str, Category]:
        """The whole category tree, by id (read-only), read in one go when the version moved."""
        found = self._entry.tree
        if found is None:
            found = MappingProxyType({c.id: c for c in self._uow.categories.list()})
            self._entry.tree = found
        return found

    def ancestries(self, category_ids: Iterable[str]) -> dict[str, frozenset[str]]:
        """Each of these categories' id with the ids of all its ancestors, worked out in memory
        from the cached tree (and remembered with it)."""
        wanted = set(category_ids)
        memo = self._entry.ancestors
        found = {c: known for c in wanted if (known := memo.get(c)) is not None}
        if len(found) == len(wanted):
            return found
        tree = self.categories()
        missing = []
        for category_id in wanted - found.keys():
            if category_id in tree:
                found[category_id] = memo[category_id] = frozenset(ancestors_of(category_id, tree))
            else:
                missing.append(category_id)
        if missing:
            # categories newer than the version read (a product read before the version, in a
            # category added after it): their branches are read from storage, and not kept
            branch = {c.id: c for c in self._uow.categories.lineage(sorted(missing))}
            for category_id in missing:
                found[category_id] = frozenset(ancestors_of(category_id, branch))
        return found

    def promotions(
        self, engine: PricingEngine, items: Sequence[PriceableItem] = ()
    ) -> ShopPromotions:
        """The shop's promotions for pricing ``items``: from the cache when the version is
        unchanged, with fresh counts for the limited ones that could apply."""
        entry = self._entry.promotions
        if entry is None:
            listed = self._uow.promotions.list()
            entry = _Promotions({p.id: p for p in listed}, engine.index(listed))
            self._entry.promotions = entry
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
        counts = self._uow.promotions.usage(limited)
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


class CatalogueCache:
    """One shop's promotions, category tree and warehouses, under the catalogue version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: _Entry | None = None

    def read(self, uow: UnitOfWork) -> Catalogue:
        """The catalogue for ``uow``: one read of the version (before anything it guards); the
        parts are read from storage only if the version moved on and when first asked for."""
        version = uow.promotions.catalogue_version()
        entry = self._entry
        if entry is None or entry.version != version:
            with self._lock:
                entry = self._entry
                if entry is None or entry.version != version:
                    entry = _Entry(version)
                    self._entry = entry
        return Catalogue(uow, entry)


def _with_counts(promotion: Promotion, used: int, given: int) -> Promotion:
    return attrs.evolve(promotion, used=used, discount_given=given)
