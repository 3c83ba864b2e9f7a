"""An index built once and given fresh counts prices exactly as one built from the promotions with
those counts: the cache a shop keeps under the catalogue version never prices from stale counts."""

from __future__ import annotations

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import (
    Buyer,
    PricingContext,
    PricingEngine,
    Promotion,
    PromotionIndex,
    default_registry,
)
from ecommerce_core.domain.pricing.scope import ItemFacts, item_keys
from tests.strategies import pricing_items, rule_promotions
from tests.unit.pricing.helpers import NOW

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _limited(data: st.DataObject, p: Promotion, currency: str) -> tuple[Promotion, tuple[int, int]]:
    """The promotion with a limit and/or a budget and counts as first read, and counts read now."""
    limit = data.draw(st.none() | st.integers(0, 3))
    budget = data.draw(st.none() | st.integers(0, 50_000))
    if limit is None and budget is None:
        return p, (p.used, p.discount_given)

    def counts() -> tuple[int, int]:
        used = data.draw(st.integers(0, 3 if limit is None else limit))
        given = data.draw(st.integers(0, 50_000 if budget is None else budget))
        return used, given

    used, given = counts()
    first = attrs.evolve(
        p,
        usage_limit=limit,
        budget=None if budget is None else Money(budget, currency),
        used=used,
        discount_given=given,
    )
    return first, counts()


@SETTINGS
@given(data=st.data(), currency=st.sampled_from(["CNY", "JPY"]))
def test_fresh_counts_price_as_an_index_built_from_them(data: st.DataObject, currency: str) -> None:
    items = data.draw(pricing_items(currency))
    drawn = [_limited(data, p, currency) for p in data.draw(rule_promotions(currency))]
    first = [p for p, _ in drawn]
    now = {p.id: counts for p, counts in drawn}
    registry = default_registry()
    cached = PromotionIndex.build(first, registry)
    keys = [
        item_keys(ItemFacts(i.sku, i.product_id, i.category_ids, i.brand, i.tags, i.merchant_id))
        for i in items
    ]
    limited = cached.limited(keys)
    assert all(p.usage_limit is not None or p.budget is not None for p in first if p.id in limited)
    view = cached.with_counts({i: now[i] for i in limited}, registry)
    fresh = [
        attrs.evolve(p, used=now[p.id][0], discount_given=now[p.id][1]) if p.id in limited else p
        for p in first
    ]
    engine = PricingEngine(registry)
    context = PricingContext(NOW, currency, Buyer("cus_1"))
    assert engine.quote(items, view, context) == engine.quote(
        items, PromotionIndex.build(fresh, registry), context
    )
    # the cached index itself is left as it was
    assert engine.quote(items, cached, context) == engine.quote(items, first, context)
