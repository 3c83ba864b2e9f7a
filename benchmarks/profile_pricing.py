"""Deterministic counterpart of ``pricing.py``: function calls per quote, a profile, a fingerprint.

``pricing.py`` times quotes on a shared machine, which is noisy. This script prices the same
carts against the same promotions (same seeds) and reports what does not depend on the load:

- the Python function calls of one quote (cProfile's count, median over the carts of a case);
- with ``--profile``, where the time goes (cProfile, sorted by own time);
- a fingerprint (SHA-256 of the ``repr`` of every breakdown), so two versions of the engine can
  be shown to price every cart identically, bit for bit;
- with ``--loop N``, nothing but N quotes of each case, for ``valgrind --tool=callgrind``
  (instruction counts): ``valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out
  .venv/bin/python benchmarks/profile_pricing.py --loop 20`` then ``callgrind_annotate``.

    .venv/bin/python benchmarks/profile_pricing.py                # calls per quote, fingerprint
    .venv/bin/python benchmarks/profile_pricing.py --profile --case 10x1000
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import random
import statistics
import sys
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pricing import CURRENCY, NOW, Catalog, coupons, policy, promotions

from ecommerce_core.domain.pricing import (
    Buyer,
    PricingContext,
    PricingEngine,
    PromotionIndex,
)


def cases(seed: int, carts: int, wanted: set[str] | None) -> list[tuple[str, list[Any]]]:
    """The calls of ``pricing.py``'s cases, cart for cart (the same seeds)."""
    catalog = Catalog(random.Random(seed))
    engine = PricingEngine(policy=policy())
    context = PricingContext(NOW, CURRENCY, Buyer("cus_1", tier="gold"), region="CN-GD")
    applied = coupons(catalog)
    out = []
    for count in (50, 1000):
        index = PromotionIndex.build(
            promotions(random.Random(seed + count), catalog, count), engine.registry
        )
        stock = {sku: 5 for sku in index.gift_skus}
        for lines in (10, 50):
            name = f"{lines}x{count}"
            cart_rnd = random.Random(seed * 7 + lines)
            sample = [catalog.cart(cart_rnd, lines) for _ in range(carts)]
            if wanted and name not in wanted:
                continue
            calls = [
                partial(engine.quote, items, index, context, coupons=applied, stock=stock)
                for items in sample
            ]
            out.append((name, calls))
    return out


def calls_of(call: Any) -> int:
    profile = cProfile.Profile()
    profile.runcall(call)
    return sum(row[1] for row in pstats.Stats(profile).stats.values())  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--carts", type=int, default=10)
    parser.add_argument("--case", action="append", help="10x50, 50x50, 10x1000, 50x1000")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--rounds", type=int, default=50, help="quotes per cart when profiling")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--loop", type=int, default=0, help="only run N quotes of every cart")
    args = parser.parse_args()
    selected = cases(args.seed, args.carts, set(args.case) if args.case else None)
    if args.loop:
        for _, calls in selected:
            for call in calls:
                for _ in range(args.loop):
                    call()
        return
    digest = hashlib.sha256()
    for name, calls in selected:
        for call in calls:
            call()  # warm: compiled coupons, caches of the engine
        counts = [calls_of(call) for call in calls]
        for call in calls:
            digest.update(repr(call()).encode())
        print(f"{name:>8}: {statistics.median(counts):>8.0f} calls per quote (median), "
              f"{sum(counts)} for {len(counts)} carts")  # fmt: skip
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for call in calls:
                for _ in range(args.rounds):
                    call()
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
    print(f"fingerprint {digest.hexdigest()}")


if __name__ == "__main__":
    main()
