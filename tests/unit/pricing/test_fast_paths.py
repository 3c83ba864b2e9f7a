"""The engine's shortcuts equal the straightforward computations they replaced (issue #5).

Each property states the plain form (as the code read before the shortcut) beside the fast one:
the per-line percentage, the resolved unit price, the breakdown's Money, and whether a pricing
asks storage about the buyer's order history.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import (
    Benefit,
    Buyer,
    Condition,
    PriceBook,
    PriceList,
    PricingContext,
    Promotion,
    PromotionIndex,
    default_registry,
    price_cart,
)
from ecommerce_core.domain.pricing import params as p
from ecommerce_core.domain.pricing.candidates import prepare_lines
from ecommerce_core.domain.pricing.prices import PriceListKind, resolve_unit
from ecommerce_core.domain.pricing.rules import RuleView
from ecommerce_core.domain.pricing.scope import ItemFacts
from ecommerce_core.services.quotes import _asks_history, _reads_history
from tests.strategies import pricing_items, rule_promotions
from tests.unit.pricing.helpers import NOW

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONTEXT = PricingContext(NOW, "CNY", Buyer("cus_1", tier="gold", groups=frozenset({"trade"})))


@SETTINGS
@given(items=pricing_items(), percent=st.decimals(0, 100, places=2))
def test_percent_off_per_line_is_params_share(items: list, percent: Decimal) -> None:
    give = default_registry().compile_benefit(Benefit("percent_off", {"percent": str(percent)}))[1]
    lines = prepare_lines(items, CONTEXT, PriceBook())
    effect = give(RuleView(lines, lines, CONTEXT))
    ratio = p.percent_ratio(percent)
    assert effect.lines == {ln.index: p.share(ln.amount, ratio) for ln in lines}


def _reference_resolve(
    item: ItemFacts, quantity: int, catalog: int, lists: tuple[PriceList, ...]
) -> tuple[int, str, str, int]:
    """PriceBook.resolve as it was written before resolve_unit."""
    best = (catalog, "catalog", "", catalog)
    base_rank = None
    offers = []
    for plist in lists:
        if plist.kind is PriceListKind.LIST:
            unit = plist.unit_price(item, quantity, catalog)
            rank = (bool(plist.channels), plist.priority, plist.id)
            if unit is not None and (base_rank is None or rank > base_rank):
                best, base_rank = (unit, "list", plist.id, unit), rank
        else:
            offers.append(plist)
    winner = None
    for plist in offers:
        unit = plist.unit_price(item, quantity, best[0])
        if unit is None or unit >= best[0]:
            continue
        key = (unit, -plist.priority, plist.id)
        if winner is None or key < winner[0]:
            winner = (key, (unit, plist.kind.value, plist.id, best[0]))
    return best if winner is None else winner[1]


def _price_lists() -> st.SearchStrategy[list[PriceList]]:
    def build(i: int, kind: str, unit: int | None, percent: int, priority: int) -> PriceList:
        if unit is not None:
            return PriceList(
                f"l{i}", f"list {i}", kind, "CNY", prices={"A": Money(unit, "CNY")},
                priority=priority,
            )  # fmt: skip
        return PriceList(
            f"l{i}", f"list {i}", kind, "CNY", percent_off=Decimal(percent), priority=priority
        )

    one = st.builds(
        build,
        st.integers(0, 9),
        st.sampled_from(["list", "sale", "group"]),
        st.none() | st.integers(0, 10**6),
        st.integers(0, 100),
        st.integers(-3, 3),
    )
    return st.lists(one, max_size=5, unique_by=lambda pl: pl.id)


@SETTINGS
@given(lists=_price_lists(), catalog=st.integers(0, 10**6), quantity=st.integers(1, 5))
def test_resolve_unit_is_the_plain_resolution(
    lists: list[PriceList], catalog: int, quantity: int
) -> None:
    item = ItemFacts("A")
    serving = PriceBook(tuple(lists)).serving(CONTEXT)
    expected = _reference_resolve(item, quantity, catalog, serving)
    assert resolve_unit(item, quantity, catalog, serving) == expected
    resolved = PriceBook(tuple(lists)).resolve(item, quantity, catalog, CONTEXT)
    assert (resolved.unit, resolved.source, resolved.price_list_id, resolved.list_unit) == expected


@SETTINGS
@given(items=pricing_items(), promotions=rule_promotions())
def test_breakdown_money_is_ordinary_money(items: list, promotions: list) -> None:
    result = price_cart(items, promotions, CONTEXT)
    amounts = [result.subtotal, result.discount, result.total, result.shipping, result.tax]
    for line in result.lines:
        amounts += [line.unit_price, line.subtotal, line.discount, line.total, line.list_price]
        amounts += [a.amount for a in line.adjustments]
    for cash in amounts:
        assert type(cash) is Money and type(cash.amount) is int
        assert cash == Money(cash.amount, "CNY") and hash(cash) == hash(Money(cash.amount, "CNY"))


_CONDITIONS = st.recursive(
    st.sampled_from(
        [
            Condition("first_order", {}),
            Condition("always", {}),
            Condition("member_tier", {"tiers": ["gold"]}),
            Condition("channel", {"channels": ["app"]}),
        ]
    ),
    lambda children: st.builds(
        lambda kind, kids: Condition(kind, {}, tuple(kids) if kind != "not" else (kids[0],)),
        st.sampled_from(["all", "any", "not"]),
        st.lists(children, min_size=1, max_size=3),
    ),
    max_leaves=5,
)


@SETTINGS
@given(promotions=rule_promotions(), conditions=st.lists(st.none() | _CONDITIONS, max_size=5))
def test_history_question_from_the_index_kinds_is_the_rule_walk(
    promotions: list[Promotion], conditions: list[Condition | None]
) -> None:
    import attrs

    padded = conditions + [None] * len(promotions)
    promotions = [
        attrs.evolve(promotion, condition=padded[i]) for i, promotion in enumerate(promotions)
    ]
    index = PromotionIndex.build(promotions, default_registry())
    walked = any(_reads_history(r.origin.condition, r.origin.rule_benefit) for r in index.rules)
    assert _asks_history(index, []) == walked
