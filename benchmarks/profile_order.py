"""One process: the statements of one ``add_item`` and one ``place_order``, and a profile of both.

Deterministic where ``place_order.py`` is noisy: the statement count of each call (with the SQL of
one place-order, ``--show-sql``) and where the client's CPU goes (cProfile, ``--profile``), on a
shop seeded as ``place_order.py`` seeds it (200 SKUs, a 10% promotion on a quarter of them).

    .venv/bin/python benchmarks/profile_order.py --backend sqlite --show-sql
    .venv/bin/python benchmarks/profile_order.py --backend postgresql --profile --orders 300
    .venv/bin/python benchmarks/profile_order.py --categories 500    # a wider category tree

PostgreSQL: ``--pg-url`` (or ``ECOMMERCE_BENCH_POSTGRES_URL``) names a database this script DROPS.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from place_order import (
    ADDRESS,
    DEFAULT_PG_URL,
    PostgresBackend,
    open_shop,
    seed_shop,
    sku_of,
)

from ecommerce_core import Principal


def _extra_categories(url: str, n: int) -> None:
    shop = open_shop(url)
    try:
        admin = shop.accounts.login("admin@example.com", "correct horse battery staple")
        parent = None
        for i in range(n):
            made = shop.catalog.create_category(
                admin, slug=f"x{i}", names={"en": f"Extra {i}"}, parent_id=parent
            )
            parent = made.id if i % 10 == 0 else parent
    finally:
        shop.close()


def _area(path: str) -> str:
    for marker in (
        "ecommerce_core/domain/pricing",
        "ecommerce_core/domain",
        "ecommerce_core/services",
    ):
        if marker in path:
            return marker
    for marker in (
        "ecommerce_sqlalchemy",
        "sqlalchemy",
        "psycopg",
        "attr",
        "json",
        "ecommerce_core",
    ):
        if f"/{marker}" in path:
            return marker
    return "other" if path.startswith(("/", "<frozen")) else path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    ap.add_argument("--orders", type=int, default=100)
    ap.add_argument("--skus", type=int, default=200)
    ap.add_argument("--lines", type=int, default=5)
    ap.add_argument("--categories", type=int, default=0, help="extra categories in the tree")
    ap.add_argument("--profile", action="store_true", help="cProfile the timed calls")
    ap.add_argument("--top", type=int, default=35, help="profile rows to print")
    ap.add_argument("--show-sql", action="store_true", help="print the SQL of one place_order")
    ap.add_argument(
        "--pg-url", default=os.environ.get("ECOMMERCE_BENCH_POSTGRES_URL", DEFAULT_PG_URL)
    )
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ecommerce-profile-") as tmp:
        if a.backend == "sqlite":
            url = f"sqlite:///{tmp}/shop.sqlite"
        else:
            PostgresBackend(a.pg_url).setup(a.lines)
            url = a.pg_url
        customers = seed_shop(url, a.skus, a.orders + 2, units=a.orders * a.lines + 10)
        if a.categories:
            _extra_categories(url, a.categories)
        rng = random.Random(7)
        skus = [sku_of(i) for i in range(a.skus)]
        who = [Principal.customer(c) for c in customers]
        shop = open_shop(url)
        statements: list[str] = []
        engine = shop.storage.engine  # type: ignore[attr-defined]

        def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)

        def fill(p: Principal) -> None:
            for sku in rng.sample(skus, a.lines):
                shop.carts.add_item(p, sku, 1)

        # warm-up and the count: one cart and one order
        fill(who[-1])
        shop.checkout.place_order(who[-1], idempotency_key="warm", shipping_address=ADDRESS)
        statements.clear()
        fill(who[-2])
        per_add = len(statements) / a.lines
        statements.clear()
        shop.checkout.place_order(who[-2], idempotency_key="count", shipping_address=ADDRESS)
        placed = list(statements)
        kinds = Counter(s.lstrip().split(None, 1)[0].upper() for s in placed)
        print(f"{a.backend}: add_item {per_add:g} statements, place_order {len(placed)} ({kinds})")
        if a.show_sql:
            for i, s in enumerate(placed, 1):
                print(f"--- {i}\n{' '.join(s.split())[:400]}")
        sa.event.remove(engine, "before_cursor_execute", record)
        # CPU time, not wall time: waits for the server (and for the cores others hold) are left out
        profiler = cProfile.Profile(time.process_time) if a.profile else None
        cpu = {"add": 0.0, "place": 0.0}
        for n, p in enumerate(who[: a.orders]):
            c0 = time.process_time()
            if profiler:
                profiler.enable()
            fill(p)
            c1 = time.process_time()
            shop.checkout.place_order(p, idempotency_key=f"k{n}", shipping_address=ADDRESS)
            if profiler:
                profiler.disable()
            c2 = time.process_time()
            cpu["add"] += c1 - c0
            cpu["place"] += c2 - c1
        print(
            f"client CPU per call: add_item {cpu['add'] / a.orders / a.lines * 1e3:.2f} ms, "
            f"place_order {cpu['place'] / a.orders * 1e3:.2f} ms"
        )
        shop.close()
        if profiler:
            stats = pstats.Stats(profiler)
            by_area: dict[str, float] = {}
            for (path, _line, _name), row in stats.stats.items():  # type: ignore[attr-defined]
                by_area[_area(path)] = by_area.get(_area(path), 0.0) + row[2]
            total = sum(by_area.values()) or 1.0
            print("client CPU by area (own time):")
            for area, spent in sorted(by_area.items(), key=lambda kv: -kv[1]):
                print(f"  {area:<28}{spent / total:>6.1%}  {spent / a.orders * 1e3:>7.2f} ms/order")
            stats.sort_stats("cumulative").print_stats(a.top)
            stats.sort_stats("tottime").print_stats(a.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
