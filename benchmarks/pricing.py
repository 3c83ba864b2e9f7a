"""Cart pricing through the public API, beside the bare-arithmetic floor measured in the same run.

What is measured (issue #5, "Proof"): a shop prices a cart on every request with
``PricingEngine.quote(items, index, context, coupons=...)``: resolved prices (a member price
list), every promotion that could apply, three coupons, the shipping fee table, inclusive tax
and the explained breakdown. The promotion index is built once, when promotions change (the
engine caches it), and is timed apart. Carts of 10 and 50 lines are priced against 50 and 1,000
live promotions scoped across a 5,000-SKU catalog (categories in a tree, brands, tags, SKUs,
bundles, gifts, a few site-wide), so how many promotions *could* apply grows with the total, as
in a real shop; the table shows that number beside each figure.

The floor is ``price_int`` and ``price_decimal`` of ``../shared/bench/limits/pricing_floor.py``
(imported when that file is present, else the copy below): 50 lines, 50 percentage rules looked up
in a dict, half-up rounding, 20 % tax, nothing explained. Each figure is the median of
``--repeat`` rounds of ``--number`` pricings, per cart, in microseconds.

    .venv/bin/python benchmarks/pricing.py              # human table
    .venv/bin/python benchmarks/pricing.py --json       # one JSON object on stdout
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path
from typing import Any

from ecommerce_core import Money
from ecommerce_core.domain.pricing import (
    AppliedCode,
    Benefit,
    Buyer,
    Condition,
    Coupon,
    PriceableItem,
    PriceBook,
    PriceList,
    PricingContext,
    PricingEngine,
    PricingPolicy,
    Promotion,
    PromotionIndex,
    Scope,
    ShippingRate,
    ShippingTable,
    StackingPolicy,
    TaxPolicy,
    TaxRate,
)
from ecommerce_core.domain.pricing.params import money_data

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
CURRENCY = "CNY"
FLOOR_FILE = Path(__file__).resolve().parents[2] / "shared/bench/limits/pricing_floor.py"
TARGETS_US = {(10, 50): 500.0, (10, 1000): 1000.0}


# -- the catalog, the promotions and the carts ------------------------------------------------
class Catalog:
    """5,000 SKUs under 8 x 7 x 7 categories, 300 brands, 100 tags, 20 merchants."""

    def __init__(self, rnd: random.Random, size: int = 5000) -> None:
        self.leaves: list[tuple[str, ...]] = [
            (f"c{a}", f"c{a}-{b}", f"c{a}-{b}-{c}")
            for a in range(8)
            for b in range(7)
            for c in range(7)
        ]
        self.categories = sorted({c for chain in self.leaves for c in chain})
        self.brands = [f"brand-{i}" for i in range(300)]
        self.tags = [f"tag-{i}" for i in range(100)]
        self.items = []
        for i in range(size):
            chain = rnd.choice(self.leaves)
            self.items.append(
                dict(
                    sku=f"SKU-{i:05d}",
                    unit_price=Money(rnd.randint(99, 99_999), CURRENCY),
                    category_ids=frozenset(chain),
                    product_id=f"prd-{i // 3}",
                    brand=rnd.choice(self.brands),
                    tags=frozenset(rnd.sample(self.tags, rnd.randint(0, 2))),
                    merchant_id=f"m{rnd.randint(0, 19)}",
                    weight_grams=rnd.randint(50, 3000),
                )
            )

    def cart(self, rnd: random.Random, lines: int) -> list[PriceableItem]:
        return [
            PriceableItem(quantity=rnd.randint(1, 3), **item)
            for item in rnd.sample(self.items, lines)
        ]


def _money(text: str) -> dict[str, Any]:
    return money_data(Money.of(text, CURRENCY))


def promotions(rnd: random.Random, catalog: Catalog, count: int) -> list[Promotion]:
    """A marketplace's mix: SKU, product, brand and leaf-category discounts, 满减 on mid-level
    categories, buy-2-get-1 by tag, bundles, gifts, free shipping, and about 1 % site-wide."""
    out = []
    window = {"starts_at": NOW - timedelta(days=3), "ends_at": NOW + timedelta(days=3)}
    leaves = sorted({chain[2] for chain in catalog.leaves})
    mids = sorted({chain[1] for chain in catalog.leaves})
    for i in range(count):
        pid, roll = f"promo-{i:04d}", 1.0 if i == 0 else rnd.random()
        kw: dict[str, Any] = {"stacking": StackingPolicy(priority=rnd.randint(0, 5)), **window}
        if roll < 0.27:
            scope = Scope(skus={rnd.choice(catalog.items)["sku"] for _ in range(rnd.randint(1, 3))})
            benefit = Benefit("fixed_unit_price", {"amount": _money("49.00")})
        elif roll < 0.30:
            scope = Scope(product_ids={rnd.choice(catalog.items)["product_id"]})
            benefit = Benefit("amount_off_unit", {"amount": _money("15")})
        elif roll < 0.50:
            scope = Scope(brands={rnd.choice(catalog.brands)})
            benefit = Benefit("amount_off_unit", {"amount": _money(rnd.choice(("5", "10", "20")))})
        elif roll < 0.70:
            scope = Scope(category_ids={rnd.choice(leaves)})
            benefit = Benefit("percent_off", {"percent": str(rnd.choice((5, 8, 10, 15, 20, 30)))})
        elif roll < 0.78:
            scope = Scope(category_ids={rnd.choice(mids)})
            benefit = Benefit(
                "amount_off_order",
                {"amount": _money("40"), "every": _money("300"), "cap": _money("200")},
            )
        elif roll < 0.83:
            scope = Scope(tags={rnd.choice(catalog.tags)})
            benefit = Benefit("buy_x_get_y", {"buy": 2, "get": 1})
        elif roll < 0.88:
            a, b = rnd.sample(catalog.items, 2)
            scope = Scope(skus={a["sku"], b["sku"]})
            benefit = Benefit(
                "bundle_price", {"items": {a["sku"]: 1, b["sku"]: 1}, "price": _money("99")}
            )
        elif roll < 0.93:
            scope = Scope(skus={rnd.choice(catalog.items)["sku"]})
            benefit = Benefit("gift", {"sku": rnd.choice(catalog.items)["sku"], "quantity": 1})
        elif roll < 0.96:
            scope = Scope(category_ids={rnd.choice(mids)})
            benefit = Benefit("free_shipping", {})
            kw["condition"] = Condition("min_subtotal", {"amount": _money("99")})
        elif roll < 0.99:
            scope = Scope(category_ids={rnd.choice(leaves)}, exclude_on_sale=True)
            benefit = Benefit("percent_off", {"percent": "12"})
            kw["condition"] = Condition("first_order", {})
        else:
            scope = Scope()
            benefit = Benefit("percent_off", {"percent": "5", "max_discount": _money("100")})
            kw["condition"] = Condition.all(
                Condition("member_tier", {"tiers": ["gold", "silver"]}),
                Condition("min_subtotal", {"amount": _money("500")}),
            )
        out.append(Promotion(pid, f"P{i}", benefit=benefit, scope=scope, **kw))
    return out


def coupons(catalog: Catalog) -> list[AppliedCode]:
    platform_coupon = Coupon(
        "cpn-platform", "满300减30", "platform", Benefit("amount_off_order", {"amount": _money("30")}),
        min_spend=Money.of("300", CURRENCY),
    )  # fmt: skip
    category_coupon = Coupon(
        "cpn-category", "Electronics 10% up to 50", "category",
        Benefit("percent_off", {"percent": "10", "max_discount": _money("50"), "per": "order"}),
        scope=Scope(category_ids={"c0", "c1", "c2", "c3"}),
    )  # fmt: skip
    shipping_coupon = Coupon(
        "cpn-ship", "Shipping 10 off", "platform", Benefit("shipping_off", {"amount": _money("10")}),
        stacking=StackingPolicy(group="coupon-shipping"),
    )  # fmt: skip
    return [
        AppliedCode("SAVE30", platform_coupon),
        AppliedCode("TECH10", category_coupon),
        AppliedCode("SHIP10", shipping_coupon),
    ]


def policy() -> PricingPolicy:
    return PricingPolicy(
        prices=PriceBook((PriceList("gold", "Gold members 5% off", "group", CURRENCY, percent_off=Decimal(5), tiers={"gold"}),)),
        tax=TaxPolicy(inclusive=True, rates=(TaxRate("standard", "CN", Decimal(13)), TaxRate("shipping", "CN", Decimal(9)))),
        shipping=ShippingTable((ShippingRate({"CN"}, Money.of("10", CURRENCY), 1000, Money.of("5", CURRENCY), 1000, Money.of("299", CURRENCY)),)),
    )  # fmt: skip


# -- the floor ---------------------------------------------------------------------------------
def _floor_module() -> Any:
    if FLOOR_FILE.exists():
        sys.path.insert(0, str(FLOOR_FILE.parent))  # it imports its neighbour, common.py
        spec = importlib.util.spec_from_file_location("pricing_floor", FLOOR_FILE)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return None


CENT, HUNDRED, TAX = Decimal("0.01"), Decimal(100), Decimal("0.20")


def _make_floor(seed: int = 1) -> tuple[Any, Any, Any, Any]:
    """Copy of pricing_floor.make (used when the shared file is absent)."""
    rnd = random.Random(seed)
    lines = []
    for _ in range(50):
        cents = rnd.randint(99, 99_999)
        lines.append(
            (
                rnd.randint(1, 100_000),
                rnd.randint(1, 60),
                rnd.randint(1, 40),
                cents,
                rnd.randint(1, 5),
            )
        )
    rules: dict[tuple[str, int], float] = {}
    skus = [ln[0] for ln in lines]
    while len(rules) < 50:
        kind = rnd.choice(("sku", "cat", "brand"))
        key = (kind, rnd.choice(skus) if kind == "sku" else rnd.randint(1, 300))
        rules[key] = rnd.choice((5, 10, 15, 20, 25, 30, 12.5))
    dec_lines = [(s, c, b, Decimal(cents) / 100, q) for s, c, b, cents, q in lines]
    return (
        lines,
        dec_lines,
        {k: Decimal(str(v)) for k, v in rules.items()},
        {k: int(v * 100) for k, v in rules.items()},
    )


def _price_int(lines: Any, rules: Any) -> tuple[int, int, int, int]:
    sub = disc_total = tax_total = 0
    get = rules.get
    for sku, cat, brand, unit, qty in lines:
        gross = unit * qty
        disc = 0
        for key in (("sku", sku), ("cat", cat), ("brand", brand)):
            bp = get(key)
            if bp is not None:
                disc += (gross * bp + 5000) // 10000
        net = gross - disc
        tax = (net * 2000 + 5000) // 10000
        sub += gross
        disc_total += disc
        tax_total += tax
    return sub, disc_total, tax_total, sub - disc_total + tax_total


def _price_decimal(lines: Any, rules: Any) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    sub = disc_total = tax_total = Decimal(0)
    get = rules.get
    for sku, cat, brand, unit, qty in lines:
        gross = unit * qty
        disc = Decimal(0)
        for key in (("sku", sku), ("cat", cat), ("brand", brand)):
            pct = get(key)
            if pct is not None:
                disc += (gross * pct / HUNDRED).quantize(CENT, ROUND_HALF_UP)
        net = gross - disc
        tax = (net * TAX).quantize(CENT, ROUND_HALF_UP)
        sub += gross
        disc_total += disc
        tax_total += tax
    return sub, disc_total, tax_total, sub - disc_total + tax_total


# -- measuring ---------------------------------------------------------------------------------
def _per_call_us(fn: Any, number: int) -> tuple[float, float]:
    """Wall-clock and CPU microseconds per call of ``fn``, over ``number`` calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(number):
        fn()
    return (time.perf_counter() - wall) / number * 1e6, (time.process_time() - cpu) / number * 1e6


def _floor_functions() -> tuple[str, Any, Any, Any, Any]:
    module = _floor_module()
    make, price_int, price_decimal = (
        (module.make, module.price_int, module.price_decimal)
        if module
        else (_make_floor, _price_int, _price_decimal)
    )
    lines, dec_lines, dec_rules, int_rules = make()
    source = str(FLOOR_FILE) if module else "copy in benchmarks/pricing.py"
    return (
        source,
        partial(price_int, lines[:10], int_rules),
        partial(price_int, lines, int_rules),
        partial(price_decimal, dec_lines, dec_rules),
        None,
    )


def run(repeat: int, number: int, carts: int, seed: int) -> dict[str, Any]:
    """Every round times the floor and then each cart, so that the noise of a shared machine
    hits both; figures are medians over rounds and carts, ``times_floor`` the median of the
    per-round ratios."""
    catalog = Catalog(random.Random(seed))
    source, floor10, floor50, floor_decimal, _ = _floor_functions()
    engine = PricingEngine(policy=policy())
    context = PricingContext(NOW, CURRENCY, Buyer("cus_1", tier="gold"), region="CN-GD")
    applied = coupons(catalog)
    decimal_us = statistics.median(
        _per_call_us(floor_decimal, number * 10)[0] for _ in range(repeat)
    )
    cases = []
    for count in (50, 1000):
        promos = promotions(random.Random(seed + count), catalog, count)
        started = time.perf_counter()
        index = PromotionIndex.build(promos, engine.registry)
        build_ms = (time.perf_counter() - started) * 1e3
        stock = {sku: 5 for sku in index.gift_skus}  # as the services do: gift SKUs only
        for lines in (10, 50):
            cart_rnd = random.Random(seed * 7 + lines)
            sample = [catalog.cart(cart_rnd, lines) for _ in range(carts)]
            could = [len(index.candidates([_keys(item) for item in items])) for items in sample]
            calls = [partial(engine.quote, items, index, context, coupons=applied, stock=stock) for items in sample]  # fmt: skip
            results = [call() for call in calls]
            floor_fn = floor10 if lines == 10 else floor50
            walls, cpus, floors, ratios = [], [], [], []
            for _ in range(repeat):
                floor_us = _per_call_us(floor_fn, number * 10)[0]
                floors.append(floor_us)
                for call in calls:
                    wall, cpu = _per_call_us(call, number)
                    walls.append(wall)
                    cpus.append(cpu)
                    ratios.append(wall / floor_us)
            median = statistics.median(walls)
            target = TARGETS_US.get((lines, count))
            cases.append(
                {
                    "lines": lines,
                    "promotions": count,
                    "coupons": len(applied),
                    "could_apply_median": statistics.median(could),
                    "applied_median": statistics.median(len(r.applied()) for r in results),
                    "median_us": round(median, 1),
                    "cpu_median_us": round(statistics.median(cpus), 1),
                    "p90_us": round(sorted(walls)[int(0.9 * (len(walls) - 1))], 1),
                    "floor_int_us": round(statistics.median(floors), 2),
                    "times_floor": round(statistics.median(ratios), 1),
                    "index_build_ms": round(build_ms, 2),
                    "target_us": target,
                    "meets_target": None if target is None else median <= target,
                }
            )
    return {
        "benchmark": "pricing",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": {"platform": platform.platform(), "processor": platform.machine(), "cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "config": {"repeat": repeat, "number": number, "carts_per_case": carts, "seed": seed},
        "floor": {"source": source, "decimal_50_lines_us": round(decimal_us, 2)},
        "cases": cases,
    }  # fmt: skip


def _keys(item: PriceableItem) -> list[tuple[str, str]]:
    from ecommerce_core.domain.pricing.scope import ItemFacts, item_keys

    return item_keys(
        ItemFacts(
            item.sku, item.product_id, item.category_ids, item.brand, item.tags, item.merchant_id
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--number", type=int, default=50)
    parser.add_argument("--carts", type=int, default=10, help="different carts per case")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    result = run(args.repeat, args.number, args.carts, args.seed)
    if args.json:
        print(json.dumps(result))
        return
    floor, load = result["floor"], result["machine"]["load_average"]
    print(f"floor: {floor['source']} (int cents, measured in every round; Decimal, 50 lines: "
          f"{floor['decimal_50_lines_us']} us); load average {load[0]:.2f}")  # fmt: skip
    print(f"{'lines':>5} {'promos':>6} {'could':>6} {'applied':>7} {'median us':>10} {'cpu us':>8} "
          f"{'p90 us':>8} {'floor us':>9} {'x floor':>8} {'target us':>12} {'index ms':>9}")  # fmt: skip
    for c in result["cases"]:
        target = (
            "-"
            if c["target_us"] is None
            else f"{c['target_us']:.0f} " + ("ok" if c["meets_target"] else "MISSED")
        )
        print(f"{c['lines']:>5} {c['promotions']:>6} {c['could_apply_median']:>6} {c['applied_median']:>7} "
              f"{c['median_us']:>10} {c['cpu_median_us']:>8} {c['p90_us']:>8} {c['floor_int_us']:>9} "
              f"{c['times_floor']:>8} {target:>12} {c['index_build_ms']:>9}")  # fmt: skip


if __name__ == "__main__":
    main()
