"""One process: what ``shop.checkout.quote`` costs per request as the shop's promotions grow.

A shop seeded as ``place_order.py`` seeds it (200 SKUs), plus ``--promotions`` promotions (each
on one SKU, one in ten usage-limited, one in ten budget-capped), one customer with a cart of
``--lines`` lines. It reports, for each promotion count, the SQL statements of one quote and the
median wall time of ``--quotes`` quotes (after one warm-up quote), as a line of JSON each.

    .venv/bin/python benchmarks/quote.py                       # 50 and 1000 promotions, SQLite
    .venv/bin/python benchmarks/quote.py --promotions 50 1000 5000 --quotes 500

The promotions are read again only when their catalogue version changes (docs/pricing.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from place_order import open_shop, seed_shop, sku_of

from ecommerce_core import Money, Principal
from ecommerce_core.domain.pricing import Benefit, Scope

PASSWORD = "correct horse battery staple"  # the seeded admin's (place_order.py)


def _promotions(url: str, count: int, n_skus: int) -> None:
    shop = open_shop(url)
    try:
        admin = shop.accounts.login("admin@example.com", PASSWORD)
        for i in range(count):
            limits: dict[str, Any] = {}
            if i % 10 == 1:
                limits["usage_limit"] = 1_000_000
            elif i % 10 == 2:
                limits["budget"] = Money.of("1000000", "CNY")
            shop.promotions.create(
                admin,
                name=f"{1 + i % 20}% off {sku_of(i % n_skus)}",
                benefit=Benefit("percent_off", {"percent": str(1 + i % 20)}),
                scope=Scope(skus={sku_of(i % n_skus)}),
                **limits,
            )
    finally:
        shop.close()


def measure(promotions: int, quotes: int, skus: int, lines: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ecommerce-quote-") as tmp:
        url = f"sqlite:///{tmp}/shop.sqlite"
        customers = seed_shop(url, skus, 1, units=10)
        _promotions(url, promotions - 1, skus)  # the seed made one
        shop = open_shop(url)
        try:
            who = Principal.customer(customers[0])
            for i in range(lines):
                shop.carts.add_item(who, sku_of(i * 7 % skus), 1)
            statements: list[str] = []
            engine = shop.storage.engine  # type: ignore[attr-defined]

            def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
                statements.append(statement)

            shop.checkout.quote(who)  # warm-up: the first quote reads every promotion
            sa.event.listen(engine, "before_cursor_execute", record)
            shop.checkout.quote(who)
            sa.event.remove(engine, "before_cursor_execute", record)
            kinds = Counter(s.lstrip().split(None, 1)[0].upper() for s in statements)
            times = []
            for _ in range(quotes):
                t0 = time.perf_counter()
                quote = shop.checkout.quote(who)
                times.append(time.perf_counter() - t0)
            promo_reads = sum("FROM ec_promotions" in s for s in statements)
            return {
                "backend": "sqlite",
                "promotions": promotions,
                "lines": lines,
                "statements_per_quote": len(statements),
                "statement_kinds": dict(kinds),
                "promotion_reads_per_quote": promo_reads,
                "median_us": round(statistics.median(times) * 1e6),
                "p90_us": round(sorted(times)[int(len(times) * 0.9)] * 1e6),
                "discount": str(quote.discount),
            }
        finally:
            shop.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--promotions", type=int, nargs="+", default=[50, 1000])
    ap.add_argument("--quotes", type=int, default=200)
    ap.add_argument("--skus", type=int, default=200)
    ap.add_argument("--lines", type=int, default=5)
    a = ap.parse_args(argv)
    for count in a.promotions:
        print(json.dumps(measure(max(1, count), a.quotes, a.skus, a.lines)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
